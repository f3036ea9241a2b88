package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestSandboxCommand runs `pipe sandbox` as the README says: it prints export lines, and a second
// "shell" using exactly those variables can call each API.
func TestSandboxCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"sandbox", "--kqapi-addr", "127.0.0.1:0", "--didi-addr", "127.0.0.1:0",
			"--kimai-addr", "127.0.0.1:0", "--kqapi-interval", "50ms"}, pw, io.Discard, func(string) string { return "" })
		pw.Close()
	}()
	vars := map[string]string{}
	sc := bufio.NewScanner(pr)
	deadline := time.After(10 * time.Second)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
read:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break read
			}
			if k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "="); ok && strings.HasPrefix(l, "export ") {
				vars[k] = v
			}
			if strings.Contains(l, "Stop with Ctrl-C") {
				break read
			}
		case <-deadline:
			t.Fatal("pipe sandbox printed no complete export list within 10s")
		}
	}
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
	cancel()
	go func() {
		for range lines {
		}
	}()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("pipe sandbox exit %d after interrupt, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pipe sandbox did not stop after interrupt")
	}
}
