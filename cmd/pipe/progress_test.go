package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/pipeline"
	"github.com/specpipe/specpipe/internal/runtime/transport"
)

// TestHeartbeatLogsWhatTheRunDoes: a run logs a progress line at every heartbeat (30 s by
// default) naming the step at work, its connection and calls, and when the next call goes.
func TestHeartbeatLogsWhatTheRunDoes(t *testing.T) {
	sb := startSandbox(t)
	getenv := func(k string) string {
		if k == "SPECPIPE_PROGRESS_EVERY" {
			return "20ms"
		}
		return sb.Getenv(k)
	}
	b, err := os.ReadFile("testdata/book.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(b), "min_interval: {account: 30ms}", "min_interval: {account: 80ms}", 1)
	path := filepath.Join(t.TempDir(), "book.yaml")
	writeTestFile(t, path, src)
	code, out, stderr := pipe(t, getenv, "run", path, "--log-format", "json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	var beats int
	var kq map[string]any
	for _, l := range strings.Split(stderr, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) != nil || m["msg"] != "progress" {
			continue
		}
		beats++
		if m["step"] == "punches" && m["conn"] == "kq" && m["step_calls"].(float64) > 0 {
			kq = m
		}
	}
	if beats < 3 || kq == nil {
		t.Fatalf("%d progress lines, none while punches calls kq:\n%s", beats, stderr)
	}
	// The sandbox's day has about 240 punches: recordlog's 50 a page make 5 pages, and kqapi
	// says so (totalpage), so the line counts pages of a known total.
	if d, _ := kq["doing"].(string); !strings.Contains(d, "step punches (kq recordlog: page ") || !strings.Contains(d, " of 5") ||
		kq["next_call_in_s"] == nil || kq["pages"] != 5.0 {
		t.Errorf("progress line: %v", kq)
	}
}

// TestProgressPages: the progress line names the operation and the page of its walk, of the
// pages the vendor said it has, and the time left grows with the pages the plan could not know.
func TestProgressPages(t *testing.T) {
	pg := &progress{name: "att", start: time.Now(), estimate: 60 * time.Second,
		intervals: map[string]time.Duration{"kq": 20 * time.Second, "kimai": 0},
		steps: map[string]pipeline.PlanStep{
			"punches": {ID: "punches", Conn: "kq", Op: "kqapi.recordlog", Calls: 1, Paged: true, PageSize: 50},
			"book":    {ID: "book", Conn: "kimai", Op: "kimai.createTimesheet", PerRecord: true},
		}}
	calls := map[string]int{"kq": 14, "kimai": 2}
	tests := []struct {
		name string
		pr   pipeline.Progress
		want string
	}{
		{"page of a known total: 39 calls beyond the plan at 20s",
			pipeline.Progress{Step: "punches", Conn: "kq", StepCalls: 12, Page: transport.Page{N: 12, Of: 40}, Calls: calls},
			"\ratt: 0 records, 16 calls, step punches (kq recordlog: page 12 of 40, next call in 14s), 10s elapsed, about 13m50s left   "},
		{"page of an unknown total",
			pipeline.Progress{Step: "punches", Conn: "kq", StepCalls: 3, Page: transport.Page{N: 3}, Calls: calls},
			"\ratt: 0 records, 16 calls, step punches (kq recordlog: page 3, next call in 14s), 10s elapsed, about 1m30s left   "},
		{"a step without pages counts calls",
			pipeline.Progress{Step: "book", Conn: "kimai", StepCalls: 2, Calls: calls},
			"\ratt: 0 records, 16 calls, step book (kimai createTimesheet: call 2, next call in 14s), 10s elapsed, about 50s left   "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, op, _ := strings.Cut(pg.steps[tt.pr.Step].Op, ".")
			got := progressLine(pg.name, op, tt.pr, 10*time.Second, pg.estimated(tt.pr), 14*time.Second)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("progress line (-want +got):\n%s", d)
			}
		})
	}
}

// TestTermLineClearsBeforeOutput: output to the terminal clears the progress line first.
func TestTermLineClearsBeforeOutput(t *testing.T) {
	var b strings.Builder
	line := &termLine{w: &b}
	w := line.through(&b)
	pg := &progress{name: "att", start: time.Now(), intervals: map[string]time.Duration{"kq": 20 * time.Second}, line: line}
	pg.update(pipeline.Progress{Step: "punches", Conn: "kq", StepCalls: 12, At: time.Now(), Calls: map[string]int{"kq": 12}})
	w.Write([]byte("a log line\n"))
	w.Write([]byte("another\n"))
	got := b.String()
	want := "\r\x1b[K\ratt: 0 records, 12 calls, step punches (kq call 12, next call in 20s), 0s elapsed   \r\x1b[Ka log line\nanother\n"
	if got != want {
		t.Errorf("terminal got %q, want %q", got, want)
	}
}
