package pipeline

import (
	"strings"
	"testing"

	"github.com/specpipe/specpipe/internal/state"
)

// TestWriteKeyRepeatsInRun: two records of one run with the same write key are not one write
// and a silent drop (the second was skipped or kept as "unchanged" by the entry the first had
// just made, and the run exited 0): the second fails, naming both records' keys and places.
func TestWriteKeyRepeatsInRun(t *testing.T) {

	for _, onChange := range []string{"keep", "update"} {
		t.Run(onChange, func(t *testing.T) {
			s := newSandbox(t)
			o := s.runOpts()
			lg := &memLedger{entries: map[string]state.Entry{}}
			o.Ledger = lg
			rows := sheetsRows + `{"key": "a", "user": 5, "activity": 1, "begin": "2026-10-14T10:00:00+08:00", "end": "2026-10-14T11:00:00+08:00"}` + "\n"
			sum := mustRun(t, sheetsPipeline(t, s, rows, onChange), o)
			if got := stepCounts(sum.Steps[1]); got != [3]int64{2, 0, 1} {
				t.Errorf("written, skipped, failed = %v, want 2, 0, 1 (%+v)", got, sum.Failed)
			}
			if len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Reason, `"a"`) || !strings.Contains(sum.Failed[0].Reason, "record 1") {
				t.Errorf("failures %+v, want the third record failed naming key \"a\" and the first record with it", sum.Failed)
			}
			// pipe failed lists it; the first record's entry stays done.
			if e := lg.entries["sheets|book|a (repeated in a run)"]; e.Status != state.StatusFailed || !strings.Contains(e.Error, "record 3") {
				t.Errorf("ledger entry of the repeat: %+v, want failed naming record 3", e)
			}
			if e := lg.entries["sheets|book|a"]; e.Status != state.StatusDone {
				t.Errorf("ledger entry of a: %+v, want done", e)
			}
			if n := len(s.kimai.Timesheets()); n != 2 {
				t.Errorf("Kimai holds %d timesheets, want 2", n)
			}
		})
	}
}
