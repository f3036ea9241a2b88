package pipelines_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/generated"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/pipeline"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
	"github.com/specpipe/specpipe/internal/state"
)

// TestLostStateFile runs every shipped pipeline that writes, then runs it again with a new,
// empty state file (a new host, a restored backup, a container without its volume): Kimai is
// unchanged, because each write step's existing: lists what Kimai holds for the window and
// adopts it; and the run after that finds every record in the ledger.
func TestLostStateFile(t *testing.T) {
	for _, tt := range []struct {
		file   string
		name   string // the pipeline's name: its state file is .NAME.state.db
		params map[string]string
		book   string // the write step that books records ("": its records are filtered first)
	}{
		{"attendance-to-kimai.yaml", "attendance-to-kimai", map[string]string{"from": "2026-10-15", "to": "2026-10-16"}, "book"},
		{"attendance-report-to-kimai.yaml", "attendance-report-to-kimai", map[string]string{"from": "2026-10-15", "to": "2026-10-15"}, "book"},
		{"didi-cost-centers-to-kimai.yaml", "didi-cost-centers-to-kimai", nil, ""},
	} {
		t.Run(tt.file, func(t *testing.T) {
			w := newWorld(t, false)
			first := w.mustRun(tt.file, tt.params)
			if tt.book != "" && step(first, tt.book).Written == 0 {
				t.Fatalf("the first run booked nothing")
			}
			sheets, customers, projects := len(w.km.Timesheets()), len(w.km.Customers()), len(w.km.Projects())
			if err := os.Remove(filepath.Join(w.dir, "."+tt.name+".state.db")); err != nil {
				t.Fatal(err)
			}
			before := w.kimaiWrites()
			sum := w.mustRun(tt.file, tt.params)
			if got := w.kimaiWrites() - before; got != 0 {
				t.Errorf("the run with a new state file sent %d writes to Kimai, want 0", got)
			}
			got := []int{len(w.km.Timesheets()), len(w.km.Customers()), len(w.km.Projects())}
			if d := cmp.Diff([]int{sheets, customers, projects}, got); d != "" {
				t.Errorf("Kimai's timesheets, customers, projects (-before +after):\n%s", d)
			}
			if tt.book != "" {
				b := step(sum, tt.book)
				if want := step(first, tt.book).Written; b.Adopted != want || b.Written != 0 {
					t.Errorf("with a new state file %s adopted %d and wrote %d, want %d and 0", tt.book, b.Adopted, b.Written, want)
				}
				again := step(w.mustRun(tt.file, tt.params), tt.book)
				if again.Adopted != 0 || again.Written != 0 || again.Skipped != b.Adopted {
					t.Errorf("the run after: adopted %d, wrote %d, skipped %d, want 0, 0, %d (the ledger has them)", again.Adopted, again.Written, again.Skipped, b.Adopted)
				}
			}
			if got := w.kimaiWrites() - before; got != 0 {
				t.Errorf("the runs after the first sent %d writes to Kimai, want 0", got)
			}
		})
	}
}

// dryRun runs a pipeline as `pipe run --dry-run` does, with the state store beside the file,
// and counts the actions its write lines report.
func (w *world) dryRun(file string, params map[string]string) map[string]int {
	w.t.Helper()
	ctx := context.Background()
	p, err := pipeline.Load(filepath.Join(w.dir, file), pipeline.LoadOptions{
		Getenv: func(k string) string { return w.env[k] }, Params: params, APIs: generated.APIs(),
	})
	if err != nil {
		w.t.Fatalf("load %s: %v", file, err)
	}
	store, err := state.Open(ctx, filepath.Join(w.dir, "."+p.Name+".state.db"))
	if err != nil {
		w.t.Fatal(err)
	}
	defer store.Close()
	var out bytes.Buffer
	if _, err := p.Run(ctx, pipeline.RunOptions{Ledger: store, DryRun: true, DryRunOut: &out,
		Transport: func(string, *registry.API) transport.Config { return transport.Config{Tokens: store} }}); err != nil {
		w.t.Fatalf("dry run %s: %v", file, err)
	}
	actions := map[string]int{}
	for line := range strings.Lines(out.String()) {
		var d struct{ Action string }
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			w.t.Fatalf("dry run line %q: %v", line, err)
		}
		actions[d.Action]++
	}
	return actions
}

// TestDryRunOfABookedDay: a dry run of a day already booked would create nothing, with the
// ledger and with a new state file (existing: finds what Kimai holds); one timesheet changed
// in Kimai would be updated. The real run after it does what the dry run said.
func TestDryRunOfABookedDay(t *testing.T) {
	const file = "attendance-report-to-kimai.yaml"
	params := map[string]string{"from": "2026-10-15", "to": "2026-10-15"}
	w := newWorld(t, false)
	booked := step(w.mustRun(file, params), "book").Written
	if got := w.dryRun(file, params); got["create"] != 0 || got["unchanged"] != int(booked) {
		t.Errorf("dry run with the ledger: %v, want %d unchanged", got, booked)
	}
	if err := os.Remove(filepath.Join(w.dir, ".attendance-report-to-kimai.state.db")); err != nil {
		t.Fatal(err)
	}
	// One timesheet ends an hour early in Kimai: the record no longer matches it.
	ts := w.km.Timesheets()[0]
	body := fmt.Sprintf(`{"end": %q}`, ts.Begin.Add(time.Hour).Format("2006-01-02T15:04:05"))
	req, err := http.NewRequest(http.MethodPatch, fmt.Sprintf("%s/api/timesheets/%d", w.env["KIMAI_BASE_URL"], ts.ID), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+kimai.SandboxAdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH the timesheet: HTTP %d", resp.StatusCode)
	}
	if got := w.dryRun(file, params); got["create"] != 0 || got["update"] != 1 || got["unchanged"] != int(booked)-1 {
		t.Errorf("dry run with a new state file: %v, want 1 update and %d unchanged", got, booked-1)
	}
	before := w.kimaiWrites()
	b := step(w.mustRun(file, params), "book")
	if b.Written != 1 || b.Updated != 1 || b.Adopted != booked || w.kimaiWrites()-before != 1 {
		t.Errorf("the run: wrote %d (%d updates), adopted %d, %d Kimai writes; want 1, 1, %d, 1", b.Written, b.Updated, b.Adopted, w.kimaiWrites()-before, booked)
	}
}
