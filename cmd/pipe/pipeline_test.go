package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/pipeline"
	"github.com/specpipe/specpipe/internal/state"
)

func TestValidate(t *testing.T) {
	code, out, _ := pipe(t, nil, "validate", "testdata/book.yaml")
	if code != exitOK || !strings.Contains(out, "testdata/book.yaml: ok") {
		t.Errorf("validate book.yaml: exit %d, %q", code, out)
	}
	code, _, stderr := pipe(t, nil, "validate", "testdata/book.yaml", "testdata/broken.yaml")
	if code != exitUsage {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{
		"testdata/broken.yaml:4:", // the literal secret, with its line
		"recordlgo",               // unknown operation
		"atten_tme",               // misspelt field
		"1 of 2 pipelines have problems",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("validate output lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "literal-secret") {
		t.Error("the literal secret was echoed in the error")
	}
}

func TestPlanShowsRateLimits(t *testing.T) {
	code, out, stderr := pipe(t, nil, "plan", "testdata/book.yaml")
	if code != exitOK {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"kqapi.recordlog", "rate limit account", "estimated duration"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}

func TestRunDryRunThenRunThenRerun(t *testing.T) {
	sb := startSandbox(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "state.db")
	before := len(sb.Kimai.Timesheets())

	code, out, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--dry-run", "--state", db)
	if code != exitOK {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, stderr)
	}
	if got := len(sb.Kimai.Timesheets()); got != before {
		t.Fatalf("dry run wrote %d timesheets", got-before)
	}
	if !strings.Contains(out, `"op":"kimai.createTimesheet"`) {
		t.Errorf("dry run did not print what it would send:\n%s", out)
	}

	code, out, stderr = pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", db)
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, stderr)
	}
	written := len(sb.Kimai.Timesheets()) - before
	if written < 50 {
		t.Fatalf("run wrote %d timesheets, want one per mapped person with two punches (~100)", written)
	}
	posts := func() int {
		n := 0
		for _, j := range sb.Kimai.Journal.Entries() {
			if j.Method == "POST" && j.Path == "/api/timesheets" {
				n++
			}
		}
		return n
	}
	sent := posts()
	code, out, stderr = pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", db)
	if code != exitOK {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, stderr)
	}
	if got := posts(); got != sent {
		t.Errorf("the rerun posted %d timesheets; a completed run must send no write", got-sent)
	}
	if strings.Contains(out+stderr, "sandbox-admin-token") || strings.Contains(out+stderr, "sandbox-key") {
		t.Error("a secret reached the output")
	}
}

func TestRunLockedExits4(t *testing.T) {
	sb := startSandbox(t)
	db := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	release, err := s.Lock(t.Context(), "book")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	code, _, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", db)
	if code != exitLocked || !strings.Contains(stderr, "pid") {
		t.Errorf("exit %d, stderr %q; want 4 naming the holder's pid", code, stderr)
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine("att", "", pipeline.Progress{Step: "punches", Records: 150, Calls: map[string]int{"kq": 3, "kimai": 1}},
		40*time.Second, 100*time.Second, 0)
	want := "\ratt: 150 records, 4 calls, step punches, 40s elapsed, about 1m0s left   "
	if got != want {
		t.Errorf("progressLine = %q, want %q", got, want)
	}
}

// TestPlanComparesTheAttendancePipelines: with the company's size assumed, pipe plan counts the
// kqapi calls of both attendance pipelines, so they can be compared.
func TestPlanComparesTheAttendancePipelines(t *testing.T) {
	kqCalls := func(args ...string) string {
		t.Helper()
		code, out, stderr := pipe(t, nil, append([]string{"plan"}, args...)...)
		if code != exitOK {
			t.Fatalf("plan %v: exit %d: %s", args, code, stderr)
		}
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 2 && f[0] == "kq" {
				return f[2]
			}
		}
		t.Fatalf("plan %v: no kq line:\n%s", args, out)
		return ""
	}
	month := []string{"--param", "from=2026-10-01", "--param", "to=2026-10-31"}
	// recordlog: 2 month parts (October, and 1 November for the night shift), 7440 punches → 149 pages.
	if got := kqCalls(append([]string{"../../pipelines/attendance-to-kimai.yaml", "--assume", "punches=7440"}, month...)...); got != "149" {
		t.Errorf("attendance-to-kimai, a month: %s kq calls, want 149", got)
	}
	// dayReport: 3 pages of employees, then one call per mapped employee.
	if got := kqCalls(append([]string{"../../pipelines/attendance-report-to-kimai.yaml", "--assume", "employees=120", "--assume", "mapped=113"}, month...)...); got != "116" {
		t.Errorf("attendance-report-to-kimai, a month: %s kq calls, want 116", got)
	}
	code, _, stderr := pipe(t, nil, "plan", "../../pipelines/attendance-to-kimai.yaml", "--assume", "punchs=1")
	if code != exitUsage || !strings.Contains(stderr, `no step "punchs"`) {
		t.Errorf("unknown --assume step: exit %d, %q", code, stderr)
	}
}
