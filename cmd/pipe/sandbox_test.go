package main

import (
	"strings"
	"testing"
)

// TestSandboxCommand runs `pipe sandbox` as the README says: it prints export lines, and a second
// "shell" using exactly those variables can call each API.
func TestSandboxCommand(t *testing.T) {
	vars, stop := runSandbox(t, "--kqapi-interval", "50ms")
	for _, k := range []string{"KQAPI_BASE_URL", "KQAPI_ACCOUNT", "KQAPI_KEY", "DIDI_BASE_URL", "DIDI_CLIENT_ID",
		"DIDI_CLIENT_SECRET", "DIDI_SIGN_KEY", "DIDI_COMPANY_ID", "KIMAI_BASE_URL", "KIMAI_TOKEN"} {
		if vars[k] == "" {
			t.Errorf("pipe sandbox did not export %s", k)
		}
	}
	getenv := func(k string) string { return vars[k] }
	for _, args := range [][]string{
		{"call", "kimai.ping"},
		{"call", "didi.budgetCenterGet", "--all"},
		{"call", "kqapi.getDepartment", "--min-interval", "account=100ms"},
	} {
		code, out, stderr := pipe(t, getenv, args...)
		if code != exitOK || strings.TrimSpace(out) == "" {
			t.Errorf("pipe %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, stderr)
		}
	}
	if code := stop(); code != exitOK {
		t.Errorf("pipe sandbox exit %d after interrupt, want 0", code)
	}
}

// TestSandboxKimaiOptions: `pipe sandbox --kimai-fixture head-office --kimai-meta-field NAME`
// serves the head-office Kimai (the token's owner works in Europe/Berlin) with the custom field
// registered, so a timesheet's field can be set and read back; an unregistered name stays 404, and
// an unknown fixture is a usage error naming the choices.
func TestSandboxKimaiOptions(t *testing.T) {
	if code, _, stderr := pipe(t, nil, "sandbox", "--kimai-fixture", "branch-office"); code != exitUsage || !strings.Contains(stderr, "head-office") {
		t.Errorf("--kimai-fixture branch-office: exit %d, stderr %q; want a usage error naming the fixtures", code, stderr)
	}
	vars, stop := runSandbox(t, "--kimai-fixture", "head-office", "--kimai-meta-field", "specpipe_key")
	defer stop()
	getenv := func(k string) string { return vars[k] }
	if code, out, stderr := pipe(t, getenv, "call", "kimai.getMe"); code != exitOK || !strings.Contains(out, `"Europe/Berlin"`) {
		t.Fatalf("pipe call kimai.getMe: exit %d, stdout %q, stderr %q; want the Berlin admin", code, out, stderr)
	}
	code, out, stderr := pipe(t, getenv, "call", "kimai.createTimesheet", "project=1", "activity=1",
		"begin=2026-10-15T09:00:00+02:00", "end=2026-10-15T17:00:00+02:00", "description=sandbox")
	id, _, _ := strings.Cut(strings.TrimPrefix(out, `{"id":`), ",")
	if code != exitOK || !strings.HasPrefix(out, `{"id":`) || id == "" {
		t.Fatalf("pipe call kimai.createTimesheet: exit %d, stdout %q, stderr %q; want a timesheet", code, out, stderr)
	}
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"specpipe_key", true}, {"unregistered", false}} {
		code, out, stderr := pipe(t, getenv, "call", "kimai.setTimesheetMeta", "id="+id, "name="+tc.name, "value=k1")
		if (code == exitOK) != tc.ok {
			t.Errorf("setTimesheetMeta %s: exit %d, stdout %q, stderr %q; want success %v", tc.name, code, out, stderr, tc.ok)
		}
		if tc.ok && !strings.Contains(out, `"specpipe_key"`) {
			t.Errorf("setTimesheetMeta %s: the timesheet does not show the field: %s", tc.name, out)
		}
	}
}
