package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAttendanceCatchesUpAMissedDay: the shipped attendance pipeline run from cron without
// params books yesterday; when cron misses a day (the machine was off), the next run books
// both days it has not booked, and the checkpoint follows.
func TestAttendanceCatchesUpAMissedDay(t *testing.T) {
	sb := startSandbox(t)
	dir := t.TempDir()
	for _, f := range []string{"attendance-to-kimai.yaml", "mapping/accounts.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "pipelines", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, filepath.Join(dir, f), string(b))
	}
	path := filepath.Join(dir, "attendance-to-kimai.yaml")
	shanghai := time.FixedZone("CST", 8*3600)
	cron := func(day int) string { // a run at 08:00 on 2026-10-<day>
		t.Helper()
		var out, errb strings.Builder
		e := &env{stdout: &out, stderr: &errb, getenv: sb.Getenv,
			now: func() time.Time { return time.Date(2026, 10, day, 8, 0, 0, 0, shanghai) }}
		if code := runPipeline(context.Background(), e, "run", []string{path, "--log-level", "warn"}); code != exitOK {
			t.Fatalf("run on the %dth: exit %d\n%s\n%s", day, code, out.String(), errb.String())
		}
		return out.String()
	}
	booked := func() []string { // the work days Kimai holds the pipeline's timesheets of
		var days []string
		for _, s := range sb.Kimai.Timesheets() {
			f := strings.Fields(s.Description) // kqapi recordlog PERSON DAY
			if len(f) == 4 && f[1] == "recordlog" && !slices.Contains(days, f[3]) {
				days = append(days, f[3])
			}
		}
		slices.Sort(days)
		return days
	}
	out := cron(14)
	if !strings.Contains(out, "days 2026-10-13 to 2026-10-13") {
		t.Errorf("the first run did not book yesterday:\n%s", out)
	}
	if got := booked(); !slices.Equal(got, []string{"2026-10-13"}) {
		t.Fatalf("after the first run Kimai holds %v\n%s", got, out)
	}
	// No run on the 15th: the next, on the 16th, books the 14th and the 15th.
	if out := cron(16); !strings.Contains(out, "days 2026-10-14 to 2026-10-15") {
		t.Errorf("the run after a missed day:\n%s", out)
	}
	if got := booked(); !slices.Equal(got, []string{"2026-10-13", "2026-10-14", "2026-10-15"}) {
		t.Errorf("after the missed day Kimai holds %v, want the 13th to the 15th", got)
	}
	_, st, _ := pipe(t, sb.Getenv, "state", path)
	if !strings.Contains(st, "incremental=2026-10-15") {
		t.Errorf("checkpoint after catching up:\n%s", st)
	}
}
