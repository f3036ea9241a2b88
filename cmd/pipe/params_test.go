package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestMalformedParamsFailBeforeAnyCall: the shipped pipelines' param checks stop a run with a
// malformed month or a range that ends before it starts with exit 2 and one message, before
// any call (the vendors' URLs lead nowhere: a call would be exit 3).
func TestMalformedParamsFailBeforeAnyCall(t *testing.T) {
	getenv := func(k string) string {
		switch {
		case strings.HasSuffix(k, "_BASE_URL"):
			return "http://127.0.0.1:1"
		case strings.HasSuffix(k, "_INTERVAL") || strings.HasPrefix(k, "SPECPIPE_"):
			return ""
		}
		return "x" // credentials
	}
	for _, tc := range []struct {
		file   string
		params []string
		want   string
	}{
		{"attendance-summary.yaml", []string{"month=2026-1"}, `param month: "2026-1" does not match`},
		{"attendance-to-kimai.yaml", []string{"from=2026-10-15", "to=2026-10-14"}, "param to (2026-10-14) is before param from (2026-10-15)"},
		{"attendance-report-to-kimai.yaml", []string{"from=2026-10-15", "to=2026-10-01"}, "param to (2026-10-01) is before param from (2026-10-15)"},
	} {
		args := []string{"run", filepath.Join("..", "..", "pipelines", tc.file), "--state", filepath.Join(t.TempDir(), "s.db"), "--log-format", "text"}
		for _, p := range tc.params {
			args = append(args, "--param", p)
		}
		code, out, stderr := pipe(t, getenv, args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s %v: exit %d, want 2 and one line saying %q\n%s\n%s", tc.file, tc.params, code, tc.want, out, stderr)
		}
	}
}

// TestUnknownProjectIsAConfigError: a project number Kimai does not have fails every record
// the same way; the run checks resolve("project", params.project) before the first write and
// stops with exit 2 and one message naming it, having written nothing.
func TestUnknownProjectIsAConfigError(t *testing.T) {
	sb := startSandbox(t)
	posts := countPosts(sb.Kimai)
	code, out, stderr := pipe(t, sb.Getenv, "run", filepath.Join("..", "..", "pipelines", "attendance-to-kimai.yaml"),
		"--state", filepath.Join(t.TempDir(), "s.db"), "--log-level", "error", "--log-format", "text",
		"--param", "from=2026-10-14", "--param", "to=2026-10-14", "--param", "project=NOPE")
	if code != exitUsage || strings.Count(stderr, "\n") != 1 ||
		!strings.Contains(stderr, `resolve("project", params.project): kimai.listProjects lists no item "NOPE"`) {
		t.Errorf("exit %d, want 2 and one message naming the project\n%s\n%s", code, out, stderr)
	}
	if n := countPosts(sb.Kimai) - posts; n != 0 {
		t.Errorf("%d timesheets written", n)
	}
	if testing.Verbose() {
		t.Log(stderr, out)
	}
}

// TestConfigErrorFollowsTheLogFormat: with JSON logs, a configuration error found once the run
// started (the unknown project) is a JSON line like every other, with the pipeline, the run id
// and the exit code: the log stays one format.
func TestConfigErrorFollowsTheLogFormat(t *testing.T) {
	sb := startSandbox(t)
	code, out, stderr := pipe(t, sb.Getenv, "run", filepath.Join("..", "..", "pipelines", "attendance-to-kimai.yaml"),
		"--state", filepath.Join(t.TempDir(), "s.db"), "--log-format", "json",
		"--param", "from=2026-10-14", "--param", "to=2026-10-14", "--param", "project=NOPE")
	if code != exitUsage {
		t.Fatalf("exit %d, want 2\n%s\n%s", code, out, stderr)
	}
	var stop map[string]any
	for i, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not JSON: %q", i+1, l)
		}
		if m["msg"] == "configuration error" {
			stop = m
		}
	}
	if stop == nil || stop["level"] != "ERROR" || stop["pipeline"] != "attendance-to-kimai" || stop["run_id"] == nil ||
		stop["exit_code"] != 2.0 || !strings.Contains(stop["error"].(string), `lists no item "NOPE"`) {
		t.Errorf("configuration error line: %v\n%s", stop, stderr)
	}
}
