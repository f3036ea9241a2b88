package pipeline

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	kimaiemu "github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/state"
)

// TestConnectionConcurrency: a connection's concurrency is its API's default (the spec's
// concurrency) unless it sets its own, 1 to 64; anything else is an error at the value.
func TestConnectionConcurrency(t *testing.T) {
	tests := []struct {
		name, api, setting string
		want               int
		wantErr            []string
	}{
		{name: "kimai default", api: "kimai", want: 4},
		{name: "kqapi default", api: "kqapi", want: 1},
		{name: "didi default", api: "didi", want: 1},
		{name: "override", api: "kimai", setting: "concurrency: 16", want: 16},
		{name: "lowest", api: "kimai", setting: "concurrency: 1", want: 1},
		{name: "highest", api: "kimai", setting: "concurrency: 64", want: 64},
		{name: "zero", api: "kimai", setting: "concurrency: 0",
			wantErr: []string{`6:18: connection c: concurrency: want the requests a write step keeps in flight, 1 to 64 (kimai's default is 4), got "0"`}},
		{name: "too many", api: "kimai", setting: "concurrency: 65",
			wantErr: []string{`6:18: connection c: concurrency: want the requests a write step keeps in flight, 1 to 64 (kimai's default is 4), got "65"`}},
		{name: "not a number", api: "kimai", setting: "concurrency: four",
			wantErr: []string{`6:18: connection c: concurrency: want the requests a write step keeps in flight, 1 to 64 (kimai's default is 4), got "four"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "timezone: Asia/Shanghai\nconnections:\n  c:\n    api: " + tt.api + "\n    base_url: http://127.0.0.1:1\n"
			if tt.setting != "" {
				src += "    " + tt.setting + "\n"
			}
			src += "steps:\n  - id: rows\n    read: {file: x.jsonl, fields: {a: string}}\n"
			path, _ := writePipeline(t, src)
			o := testOpts()
			if tt.wantErr != nil {
				if d := cmp.Diff(tt.wantErr, loadErrors(t, path, o, false)); d != "" {
					t.Errorf("errors (-want +got):\n%s", d)
				}
				return
			}
			c, err := Compile(path, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.p.conns[0].ref.Concurrency; got != tt.want {
				t.Errorf("concurrency %d, want %d", got, tt.want)
			}
		})
	}
}

// TestConcurrentWritesKeepOrder: a write step keeps up to its connection's concurrency
// creates in flight (never more), and what it hands on, its failures and the ledger are those
// of one write at a time: the records in input order, the rejected ones listed in input
// order, every record written once.
func TestConcurrentWritesKeepOrder(t *testing.T) {
	const n = 40
	var rows strings.Builder
	var wantOut, wantFailed []string
	begin := time.Date(2026, 10, 14, 0, 0, 0, 0, mustZone(t, "Asia/Shanghai"))
	for i := range n {
		key := fmt.Sprintf("k%02d", i)
		activity := 1
		if i%7 == 3 {
			activity = 9999 // Kimai rejects it: no such activity
			wantFailed = append(wantFailed, key)
		} else {
			wantOut = append(wantOut, key)
		}
		b := begin.Add(time.Duration(i) * 30 * time.Minute)
		fmt.Fprintf(&rows, `{"key": %q, "activity": %d, "begin": %q, "end": %q}`+"\n", key, activity,
			b.Format(time.RFC3339), b.Add(20*time.Minute).Format(time.RFC3339))
	}
	for _, c := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			ki, err := kimaiemu.New(kimaiemu.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var inFlight, peak atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					now := inFlight.Add(1)
					defer inFlight.Add(-1)
					for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
					}
					time.Sleep(5 * time.Millisecond) // so that writes overlap
				}
				ki.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			_, tmp := writePipeline(t, "")
			in := filepath.Join(tmp, "rows.jsonl")
			writeFile(t, in, rows.String())
			path, _ := writePipeline(t, fmt.Sprintf(`
name: conc
timezone: Asia/Shanghai
connections:
  kimai: {api: kimai, base_url: %q, token: "${KIMAI_TOKEN}", concurrency: %d}
steps:
  - id: rows
    read: {file: %q, fields: {key: string, activity: int, begin: datetime, end: datetime}}
  - id: book
    write:
      conn: kimai
      op: createTimesheet
      key: r.key
      params: {user: 3, project: 1, activity: r.activity, begin: r.begin, end: r.end, description: '"sheet " + r.key'}
  - id: out
    output: {file: "{{tmp}}/out.jsonl", fields: {key: r.key}}
`, srv.URL, c, in))
			o := testOpts()
			o.Getenv = func(k string) string { return map[string]string{"KIMAI_TOKEN": "sandbox-admin-token"}[k] }
			p := mustLoad(t, path, o)
			lg := &memLedger{entries: map[string]state.Entry{}}
			sum := mustRun(t, p, RunOptions{Ledger: lg})
			if got := stepCounts(sum.Steps[1]); got != [3]int64{int64(len(wantOut)), 0, int64(len(wantFailed))} {
				t.Errorf("written, skipped, failed = %v, want %d, 0, %d", got, len(wantOut), len(wantFailed))
			}
			var failed []string
			for _, f := range sum.Failed {
				failed = append(failed, f.Key)
			}
			if d := cmp.Diff(wantFailed, failed); d != "" {
				t.Errorf("failed keys (-want +got):\n%s", d)
			}
			var out []string
			for _, m := range readJSONL(t, filepath.Join(filepath.Dir(path), "out.jsonl")) {
				out = append(out, m["key"].(string))
			}
			if d := cmp.Diff(wantOut, out); d != "" {
				t.Errorf("records handed on (-want +got):\n%s", d)
			}
			if got := peak.Load(); got > int32(c) || (c > 1 && got < 2) {
				t.Errorf("%d creates in flight at most, want up to %d (and more than one)", got, c)
			}
			if got := len(ki.Timesheets()); got != len(wantOut) {
				t.Errorf("Kimai holds %d timesheets, want %d", got, len(wantOut))
			}
			for k, calls := range callsByKey(lg.calls) {
				if calls[0] != "get" || calls[1] != "intend" || len(calls) != 3 {
					t.Errorf("ledger calls of %s: %v, want get, intend, then done or fail", k, calls)
				}
			}
		})
	}
}
