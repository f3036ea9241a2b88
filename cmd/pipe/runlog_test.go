//go:build unix

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONRunLog: with JSON logs a run is JSON lines only, each naming the pipeline and the run:
// one when it starts (params, days, state, version), its summary, and one when it ends (exit
// code, counts, duration in seconds). Cron's `>> log 2>&1` makes stdout the log stream too:
// then no text table is mixed in.
func TestJSONRunLog(t *testing.T) {
	sb := startSandbox(t)
	db := filepath.Join(t.TempDir(), "state.db")
	logPath := filepath.Join(t.TempDir(), "run.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pipeBinary(t), "run", "testdata/book.yaml", "--state", db, "--log-format", "json")
	for _, v := range sb.Env() {
		cmd.Env = append(cmd.Env, v.Name+"="+v.Value)
	}
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	f.Close()
	b, _ := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, b)
	}
	byMsg := map[string]map[string]any{}
	for i, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not JSON: %q", i+1, l)
		}
		if m["pipeline"] != "book" || m["run_id"] == nil {
			t.Errorf("line %d lacks the pipeline or the run id: %s", i+1, l)
		}
		byMsg[m["msg"].(string)] = m
	}
	start, sum, end := byMsg["run started"], byMsg["summary"], byMsg["run finished"]
	if start == nil || sum == nil || end == nil {
		t.Fatalf("want run started, summary and run finished lines:\n%s", b)
	}
	if p, _ := start["params"].(map[string]any); p["day"] != "2026-10-14" || start["days"] != "2026-10-14" ||
		start["state"] != db || start["version"] == "" {
		t.Errorf("run started: %v", start)
	}
	if steps, _ := sum["steps"].([]any); len(steps) != 8 {
		t.Errorf("summary steps: %v", sum["steps"])
	}
	if _, ok := sum["duration_s"].(float64); !ok {
		t.Errorf("summary duration: %v, want seconds", sum["duration_s"])
	}
	if end["exit_code"] != 0.0 || end["written"].(float64) == 0 || end["failed"] != 0.0 {
		t.Errorf("run finished: %v", end)
	}
	if _, ok := end["duration_s"].(float64); !ok {
		t.Errorf("run finished duration: %v, want seconds", end["duration_s"])
	}
}
