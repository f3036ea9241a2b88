package pipeline

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/emulator/emukit"
	kimaiemu "github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/state"
)

// sheetsRows are two timesheets to book; the second user books with activity a2.
const sheetsRows = `{"key": "a", "user": 3, "activity": 1, "begin": "2026-10-14T09:00:00+08:00", "end": "2026-10-14T18:00:00+08:00"}
{"key": "b", "user": 4, "activity": 1, "begin": "2026-10-14T08:30:00+08:00", "end": "2026-10-14T17:30:00+08:00"}
`

// sheetsPipeline books rows as Kimai timesheets with a find (and an update when onChange is
// update).
func sheetsPipeline(t *testing.T, s *sandbox, rows, onChange string) *Pipeline {
	t.Helper()
	_, tmp := writePipeline(t, "")
	in := filepath.Join(tmp, "rows.jsonl")
	writeFile(t, in, rows)
	path, _ := writePipeline(t, `
name: sheets
timezone: Asia/Shanghai
connections:
  kimai: {api: kimai, base_url: "${KIMAI_URL}", token: "${KIMAI_TOKEN}"}
steps:
  - id: rows
    read: {file: "`+in+`", fields: {key: string, user: int, activity: int, begin: datetime, end: datetime}}
  - id: book
    write:
      conn: kimai
      op: createTimesheet
      key: r.key
      params: {user: r.user, project: 1, activity: r.activity, begin: r.begin, end: r.end, description: '"sheet " + r.key'}
      find:
        op: listTimesheets
        params: {user: string(r.user), begin: r.begin - duration("1m"), end: r.begin + duration("1m")}
        match: item.description == "sheet " + r.key
      on_change: `+onChange+`
      update:
        op: updateTimesheet
        params: {id: int(target), end: r.end}
`)
	return mustLoad(t, path, s.loadOpts())
}

// kimaiCalls counts the Kimai journal's requests by "METHOD path-prefix".
func kimaiCalls(s *sandbox) map[string]int {
	n := map[string]int{}
	for _, e := range s.kimai.Journal.Entries() {
		switch {
		case e.Method == http.MethodPost && e.Path == "/api/timesheets":
			n["create"]++
		case e.Method == http.MethodPatch && strings.HasPrefix(e.Path, "/api/timesheets/"):
			n["update"]++
		case e.Method == http.MethodGet && e.Path == "/api/timesheets":
			n["find"]++
		}
	}
	return n
}

func setStatus(lg *memLedger, key string, st state.Status) {
	e := lg.entries["sheets|book|"+key]
	e.Status = st
	lg.entries["sheets|book|"+key] = e
}

// crashedCreate makes key's entry what a run killed after the create's intent leaves.
func crashedCreate(lg *memLedger, key string) {
	e := lg.entries["sheets|book|"+key]
	e.Status, e.TargetID = state.StatusIntent, ""
	lg.entries["sheets|book|"+key] = e
}

func stepCounts(st StepSummary) [3]int64 { return [3]int64{st.Written, st.Skipped, st.Failed} }

func TestReconcile(t *testing.T) {
	for _, tc := range []struct {
		name string
		// prepare runs after a first, clean run of the rows; it changes the ledger or Kimai.
		prepare    func(t *testing.T, s *sandbox, lg *memLedger)
		onChange   string
		rows       string // the second run's rows (default sheetsRows)
		want       [3]int64
		wantCalls  map[string]int // Kimai calls of the second run
		wantSheets int
		wantReason string // in the second run's first failure
		retry      bool   // the second run is a retry (RunOptions.Retry)
	}{{
		name:       "a completed run is not written again",
		prepare:    func(*testing.T, *sandbox, *memLedger) {},
		want:       [3]int64{0, 2, 0},
		wantCalls:  map[string]int{},
		wantSheets: 2,
	}, {
		name: "an intent whose write arrived is adopted, nothing is sent",
		prepare: func(_ *testing.T, _ *sandbox, lg *memLedger) {
			crashedCreate(lg, "a")
			crashedCreate(lg, "b")
		},
		want:       [3]int64{0, 2, 0},
		wantCalls:  map[string]int{"find": 2},
		wantSheets: 2,
	}, {
		name: "an intent whose write never arrived is sent",
		prepare: func(_ *testing.T, _ *sandbox, lg *memLedger) {
			delete(lg.entries, "sheets|book|b")
			lg.entries["sheets|book|c"] = state.Entry{Pipeline: "sheets", Step: "book", Key: "c", Status: state.StatusIntent}
		},
		rows:       sheetsRows + `{"key": "c", "user": 5, "activity": 1, "begin": "2026-10-14T10:00:00+08:00", "end": "2026-10-14T11:00:00+08:00"}` + "\n",
		want:       [3]int64{2, 1, 0},
		wantCalls:  map[string]int{"find": 1, "create": 2},
		wantSheets: 4,
	}, {
		name: "several matches fail the record, naming them",
		prepare: func(t *testing.T, s *sandbox, lg *memLedger) {
			crashedCreate(lg, "a")
			begin := time.Date(2026, 10, 14, 9, 0, 0, 0, mustZone(t, "Asia/Shanghai"))
			end := begin.Add(9 * time.Hour)
			if _, err := s.kimai.AddTimesheet(kimaiemu.Timesheet{ID: 777, User: 3, Project: 1, Activity: 1, Begin: begin, End: &end, Description: "sheet a"}); err != nil {
				t.Fatal(err)
			}
		},
		want:       [3]int64{0, 1, 1},
		wantCalls:  map[string]int{"find": 1},
		wantSheets: 3,
		wantReason: "matches 2 objects",
	}, {
		name:       "a changed record is left (on_change: keep)",
		prepare:    func(*testing.T, *sandbox, *memLedger) {},
		rows:       strings.Replace(sheetsRows, "18:00", "19:00", 1),
		want:       [3]int64{0, 2, 0},
		wantCalls:  map[string]int{},
		wantSheets: 2,
	}, {
		name:       "a changed record is updated (on_change: update)",
		onChange:   "update",
		prepare:    func(*testing.T, *sandbox, *memLedger) {},
		rows:       strings.Replace(sheetsRows, "18:00", "19:00", 1),
		want:       [3]int64{1, 1, 0},
		wantCalls:  map[string]int{"update": 1},
		wantSheets: 2,
	}, {
		name:     "an update whose outcome is unknown is sent again",
		onChange: "update",
		prepare: func(_ *testing.T, _ *sandbox, lg *memLedger) {
			setStatus(lg, "a", state.StatusIntent) // a run sent the update of a and died
		},
		want:       [3]int64{1, 1, 0},
		wantCalls:  map[string]int{"update": 1},
		wantSheets: 2,
	}, {
		name: "a failed record waits for pipe retry",
		prepare: func(_ *testing.T, _ *sandbox, lg *memLedger) {
			setStatus(lg, "b", state.StatusFailed)
		},
		want:       [3]int64{0, 1, 1},
		wantCalls:  map[string]int{},
		wantSheets: 2,
		wantReason: "pipe retry",
	}, {
		name: "a record to retry is reconciled first",
		prepare: func(_ *testing.T, _ *sandbox, lg *memLedger) {
			setStatus(lg, "b", state.StatusFailed)
		},
		retry:      true,
		want:       [3]int64{0, 2, 0},
		wantCalls:  map[string]int{"find": 1},
		wantSheets: 2,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			onChange := tc.onChange
			if onChange == "" {
				onChange = "keep"
			}
			lg := &memLedger{entries: map[string]state.Entry{}}
			o := s.runOpts()
			o.Ledger = lg
			first := mustRun(t, sheetsPipeline(t, s, sheetsRows, onChange), o)
			if got := stepCounts(first.Steps[1]); got != [3]int64{2, 0, 0} {
				t.Fatalf("first run: written, skipped, failed = %v, want 2, 0, 0 (%+v)", got, first.Failed)
			}
			targetA := lg.entries["sheets|book|a"].TargetID
			tc.prepare(t, s, lg)
			before := s.kimai.Journal.Len()
			rows := tc.rows
			if rows == "" {
				rows = sheetsRows
			}
			o.Retry = tc.retry
			sum := mustRun(t, sheetsPipeline(t, s, rows, onChange), o)
			if got := stepCounts(sum.Steps[1]); got != tc.want {
				t.Errorf("second run: written, skipped, failed = %v, want %v (%+v)", got, tc.want, sum.Failed)
			}
			calls := map[string]int{}
			for _, e := range s.kimai.Journal.Entries()[before:] {
				switch {
				case e.Method == http.MethodPost && e.Path == "/api/timesheets":
					calls["create"]++
				case e.Method == http.MethodPatch:
					calls["update"]++
				case e.Method == http.MethodGet && e.Path == "/api/timesheets":
					calls["find"]++
				}
			}
			if d := cmp.Diff(tc.wantCalls, calls); d != "" {
				t.Errorf("Kimai calls of the second run (-want +got):\n%s", d)
			}
			if n := len(s.kimai.Timesheets()); n != tc.wantSheets {
				t.Errorf("Kimai holds %d timesheets, want %d", n, tc.wantSheets)
			}
			if tc.wantReason != "" && (len(sum.Failed) == 0 || !strings.Contains(sum.Failed[0].Reason, tc.wantReason)) {
				t.Errorf("failures %+v, want a reason with %q", sum.Failed, tc.wantReason)
			}
			for _, k := range []string{"a", "b"} {
				e := lg.entries["sheets|book|"+k]
				if tc.wantReason == "" && e.Status != state.StatusDone {
					t.Errorf("entry %s: status %s, want done", k, e.Status)
				}
			}
			if tc.wantReason == "" && lg.entries["sheets|book|a"].TargetID != targetA {
				t.Errorf("entry a: target %s, want %s (the object made by the first run)", lg.entries["sheets|book|a"].TargetID, targetA)
			}
			if tc.wantReason == "matches 2 objects" && len(sum.Failed) > 0 && (!strings.Contains(sum.Failed[0].Reason, targetA) || !strings.Contains(sum.Failed[0].Reason, "777") || lg.entries["sheets|book|a"].Status != state.StatusFailed) {
				t.Errorf("several matches: reason %q, entry %+v; want both IDs named and the entry failed", sum.Failed[0].Reason, lg.entries["sheets|book|a"])
			}
		})
	}
}

// TestUpdateChangesTarget checks that on_change: update changes the object and the ledger's hash.
func TestUpdateChangesTarget(t *testing.T) {
	s := newSandbox(t)
	lg := &memLedger{entries: map[string]state.Entry{}}
	o := s.runOpts()
	o.Ledger = lg
	mustRun(t, sheetsPipeline(t, s, sheetsRows, "update"), o)
	hash := lg.entries["sheets|book|a"].PayloadHash
	mustRun(t, sheetsPipeline(t, s, strings.Replace(sheetsRows, "18:00", "19:00", 1), "update"), o)
	e := lg.entries["sheets|book|a"]
	if e.PayloadHash == hash || e.Status != state.StatusDone {
		t.Errorf("entry after the update: %+v; want done with a new hash", e)
	}
	var end string
	for _, ts := range s.kimai.Timesheets() {
		if ts.Description == "sheet a" && ts.End != nil {
			end = ts.End.In(mustZone(t, "Asia/Shanghai")).Format("15:04")
		}
	}
	if end != "19:00" {
		t.Errorf("Kimai's timesheet a ends at %q, want 19:00", end)
	}
	// Unchanged now: a third run sends nothing.
	before := kimaiCalls(s)
	sum := mustRun(t, sheetsPipeline(t, s, strings.Replace(sheetsRows, "18:00", "19:00", 1), "update"), o)
	if d := cmp.Diff(before, kimaiCalls(s)); d != "" || sum.Steps[1].Skipped != 2 {
		t.Errorf("third run: skipped %d, Kimai calls changed (-before +after):\n%s", sum.Steps[1].Skipped, d)
	}
}

// TestUnknownOutcome: a write whose answer is lost is reconciled at once; a write that failed
// with a 502 (not processed) is left as an intent and sent by the next run.
func TestUnknownOutcome(t *testing.T) {
	for _, tc := range []struct {
		fault            emukit.FaultKind
		want             [3]int64 // first run
		wantStatus       state.Status
		wantSecondCreate int
	}{
		{emukit.FaultDropAfter, [3]int64{2, 0, 0}, state.StatusDone, 0},
		{emukit.Fault5xx, [3]int64{1, 0, 1}, state.StatusIntent, 1},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			s := newSandbox(t)
			lg := &memLedger{entries: map[string]state.Entry{}}
			o := s.runOpts()
			o.Ledger = lg
			// a's create fails (b's may be in flight beside it).
			s.kimai.Faults.Only(postWith(`"sheet a"`))
			s.kimai.Faults.Queue(tc.fault)
			sum := mustRun(t, sheetsPipeline(t, s, sheetsRows, "keep"), o)
			if got := stepCounts(sum.Steps[1]); got != tc.want {
				t.Errorf("first run: written, skipped, failed = %v, want %v (%+v)", got, tc.want, sum.Failed)
			}
			if st := lg.entries["sheets|book|a"].Status; st != tc.wantStatus {
				t.Errorf("entry a: %s, want %s", st, tc.wantStatus)
			}
			created := kimaiCalls(s)["create"]
			sum = mustRun(t, sheetsPipeline(t, s, sheetsRows, "keep"), o)
			if n := kimaiCalls(s)["create"] - created; n != tc.wantSecondCreate {
				t.Errorf("second run sent %d creates, want %d", n, tc.wantSecondCreate)
			}
			if n := len(s.kimai.Timesheets()); n != 2 || sum.Steps[1].Failed != 0 {
				t.Errorf("Kimai holds %d timesheets (want 2); second run failures %+v", n, sum.Failed)
			}
		})
	}
}

// postWith matches the POST requests whose body holds text (the body stays for the handler).
func postWith(text string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		if r.Method != http.MethodPost || r.Body == nil {
			return false
		}
		b, err := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		return err == nil && bytes.Contains(b, []byte(text))
	}
}
