package pipeline

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite internal/pipeline/testdata/*.golden")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s (-want +got):\n%s", name, d)
	}
}

// TestSummaryGroupsFailures: records that failed for one reason are one entry with a count
// and a few keys; a reason of one record shows its key and record as before.
func TestSummaryGroupsFailures(t *testing.T) {
	s := &Summary{
		Pipeline: "attendance-to-kimai",
		Params:   []ParamValue{{"from", "2026-10-15"}, {"to", "2026-10-16"}, {"project", "ATT"}},
		Steps: []StepSummary{
			{ID: "sheets", Kind: "map", In: 120, Out: 120},
			{ID: "book", Kind: "write", In: 120, Written: 6, Skipped: 1, Failed: 113},
		},
		Calls:    map[string]int{"kq": 4, "kimai": 130},
		Duration: 4*time.Minute + 5300*time.Millisecond,
	}
	const reason = `kimai.createTimesheet: 400 Bad Request: project: This value is not valid.`
	for i := range 112 {
		s.Failed = append(s.Failed, FailedRecord{Step: "book", Key: fmt.Sprintf("11002%02d/2026-10-15", i), Reason: reason})
	}
	s.Failed = append(s.Failed, FailedRecord{Step: "book", Key: "1100299/2026-10-16", Record: `{"person":"1100299"}`, Reason: "kimai.createTimesheet: 400 Bad Request: end: End date must not be earlier then start date."})
	var b strings.Builder
	s.Format(&b)
	golden(t, "summary-grouped.golden", b.String())
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		850 * time.Millisecond:                     "850ms",
		12340 * time.Millisecond:                   "12.3s",
		4*time.Minute + 5*time.Second:              "4m05s",
		time.Hour + 2*time.Minute + 20*time.Second: "1h02m",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %s, want %s", d, got, want)
		}
	}
}
