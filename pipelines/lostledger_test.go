package pipelines_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
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
