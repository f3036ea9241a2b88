package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDemo runs `pipe demo` as the README tells a new user to, and checks what it prints: the
// sandbox's shortened kqapi interval, the run's summary, the unmapped and single-punch reports
// and some timesheets, within a minute.
func TestDemo(t *testing.T) {
	keep := t.TempDir()
	start := time.Now()
	code, out, errb := pipe(t, nil, "demo", "--day", "2026-10-15", "--kqapi-interval", "20ms", "--keep", keep)
	if code != exitOK {
		t.Fatalf("pipe demo: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errb)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("pipe demo took %v, want less than a minute", d)
	}
	for _, want := range []string{
		"shortened from the real 20s to 20ms",
		"run of attendance-to-kimai",
		"book ", // the write step's summary line
		"employee-days without a Kimai user: ",
		"days with a single punch: ",
		"days longer than any shift (max_span), not booked: ",
		"日常考勤 / 出勤",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's output has no %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`Kimai now holds (\d+) timesheets`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo does not say how many timesheets Kimai holds:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[1]); n < 90 {
		t.Errorf("Kimai holds %d timesheets after the demo day, want about 100", n)
	}
	for _, f := range []string{"attendance-to-kimai.yaml", "demo.state.db", "out/attendance-unmapped.csv", "out/attendance-single.csv", "out/attendance-long.csv"} {
		if _, err := os.Stat(filepath.Join(keep, f)); err != nil {
			t.Errorf("--keep: %v", err)
		}
	}
	if strings.Contains(out+errb, "sandbox-key") {
		t.Error("the demo printed the kqapi key")
	}
}

// TestDemoDayWithALatePunchOut: on the default day (2026-10-30) the night shift of 1101575
// worked overtime to 07:00 and punched out at 07:04, after the day boundary, so the work day's
// punches run from 07:04 to 06:23 the next morning. The demo books no 23-hour timesheet: it lists
// the day as longer than any shift.
func TestDemoDayWithALatePunchOut(t *testing.T) {
	code, out, errb := pipe(t, nil, "demo", "--kqapi-interval", "20ms")
	if code != exitOK {
		t.Fatalf("pipe demo: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errb)
	}
	if !strings.Contains(out, "days longer than any shift (max_span), not booked: 1 ") ||
		!strings.Contains(out, "[1101575 2026-10-30 3 2026-10-30T07:04:24+08:00 2026-10-31T06:23:32+08:00 23h19m8s]") {
		t.Errorf("the demo does not list 1101575's long day:\n%s", out)
	}
}

func TestDemoBadDay(t *testing.T) {
	code, _, errb := pipe(t, nil, "demo", "--day", "15/10/2026")
	if code != exitUsage || !strings.Contains(errb, "day") {
		t.Errorf("pipe demo --day 15/10/2026: exit %d, stderr %q; want a usage error naming the day", code, errb)
	}
}

// TestDemoTemporary runs pipe demo as a new user does (no --day, no --keep): it picks a day with
// punches, and prints no path of the temporary directory it removes.
func TestDemoTemporary(t *testing.T) {
	code, out, errb := pipe(t, nil, "demo", "--kqapi-interval", "20ms")
	if code != exitOK {
		t.Fatalf("pipe demo: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errb)
	}
	if !strings.Contains(out, "running pipelines/attendance-to-kimai.yaml for 2026-10-30") {
		t.Errorf("the demo did not pick the fixture's last full work day:\n%s", out)
	}
	if strings.Contains(out+errb, "specpipe-demo-") || strings.Contains(out+errb, os.TempDir()) {
		t.Errorf("the demo printed a path in the temporary directory it removes:\n%s", out)
	}
	if !strings.Contains(out, "removed at the end; --keep DIR keeps them") {
		t.Errorf("the demo does not say where its reports went:\n%s", out)
	}
}
