package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/pipeline"
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
	if d, _ := kq["doing"].(string); !strings.Contains(d, "step punches (kq call ") || kq["next_call_in_s"] == nil {
		t.Errorf("progress line: %v", kq)
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
