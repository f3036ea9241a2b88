package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/sandbox"
)

// pipe runs the command in-process and returns its exit code, stdout and stderr.
func pipe(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	code := run(context.Background(), args, &out, &errb, getenv)
	return code, out.String(), errb.String()
}

func startSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{KQAPIInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"call"}, exitUsage, "call needs API.OPERATION"},
		{[]string{"call", "nosuch.op"}, exitUsage, `unknown API "nosuch"`},
		{[]string{"call", "kqapi.recordlgo"}, exitUsage, "did you mean recordlog"},
		{[]string{"call", "kqapi.recordlog", "strat=2026-10-01"}, exitUsage, `unknown parameter "strat"`},
		{[]string{"call", "kqapi.getDepartment"}, exitUsage, "KQAPI_ACCOUNT"},
		{[]string{"ops", "nosuch"}, exitUsage, `unknown API "nosuch"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := pipe(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.inStderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.inStderr)
			}
		})
	}
}

func TestOpsListsEveryOperation(t *testing.T) {
	code, out, _ := pipe(t, nil, "ops", "kqapi")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, op := range []string{"recordlog", "getDepartment", "addDepartment", "updateDepartment", "getEmployee",
		"getUserDetail", "addEmployee", "updateEmployee", "layoffEmployee", "syncEmployee", "removeEmployee",
		"reCheck", "Apply", "applyType", "applyRecord", "Report", "dayReport", "getDevice"} {
		if !strings.Contains(out, "kqapi."+op+" ") {
			t.Errorf("pipe ops kqapi does not list %s", op)
		}
	}
}

// TestOpsBaseURL: pipe ops says where an API lives, and that a self-hosted one has no default.
func TestOpsBaseURL(t *testing.T) {
	for _, tc := range []struct{ api, want string }{
		{"kqapi", "  base URL http://yun.kqapi.com (env KQAPI_BASE_URL); credentials:"},
		{"kimai", "  base URL from KIMAI_BASE_URL (required: self-hosted, no default); credentials:"},
	} {
		code, out, _ := pipe(t, nil, "ops", tc.api)
		if code != exitOK || !strings.Contains(out, "\n"+tc.want) {
			t.Errorf("pipe ops %s: exit %d, want a line starting %q in:\n%.300s", tc.api, code, tc.want, out)
		}
	}
}

func TestCallAgainstSandbox(t *testing.T) {
	sb := startSandbox(t)
	code, out, stderr := pipe(t, sb.Getenv, "call", "kqapi.getEmployee", "--all", "--min-interval", "account=40ms")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 120 {
		t.Errorf("getEmployee --all printed %d records, want the fixture's 120", len(lines))
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("not JSON: %q", lines[0])
	}
	if first["account"] == "" || first["realname"] == "" {
		t.Errorf("first record %v lacks account or realname", first)
	}
	if strings.Contains(out+stderr, "sandbox-key") {
		t.Error("the API key appeared in the output")
	}
}

func TestCallVendorErrorExit3(t *testing.T) {
	sb := startSandbox(t)
	getenv := func(k string) string {
		if k == "KQAPI_KEY" {
			return "wrong-key"
		}
		return sb.Getenv(k)
	}
	code, _, stderr := pipe(t, getenv, "call", "kqapi.getDepartment")
	if code != exitCannot || !strings.Contains(stderr, "kqapi.getDepartment: vendor code 0") {
		t.Errorf("exit %d, stderr %q; want exit 3 naming the operation and the vendor code", code, stderr)
	}
	if strings.Contains(stderr, "wrong-key") {
		t.Error("the key appeared in the error")
	}
}

// TestLogDurations: a duration in a log line is human in text ("20s") and seconds in JSON, with
// the _s suffix of the run's other durations (slog alone writes nanoseconds).
func TestLogDurations(t *testing.T) {
	for _, tc := range []struct{ format, want string }{
		{"text", "vendor=20s configured=125ms"},
		{"json", `"vendor_s":20,"configured_s":0.125`},
	} {
		var b strings.Builder
		lf := &logFlags{format: tc.format, level: "info"}
		log, err := lf.logger(&env{stderr: &b})
		if err != nil {
			t.Fatal(err)
		}
		log.Warn("rate limit shortened below the vendor's", "vendor", 20*time.Second, "configured", 125*time.Millisecond)
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("%s log: %q, want %q in it", tc.format, b.String(), tc.want)
		}
	}
}
