package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestSandboxDidiEncryption: `pipe sandbox --didi-encryption aes128|aes256` exports
// DIDI_ENCRYPTION and DIDI_AES_KEY, with which pipe call reaches Didi; without them Didi refuses
// the call with errno 10003. A value other than aes128 or aes256 is a usage error.
func TestSandboxDidiEncryption(t *testing.T) {
	if code, _, stderr := pipe(t, func(string) string { return "" }, "sandbox", "--didi-encryption", "rot13"); code != exitUsage || !strings.Contains(stderr, "rot13") {
		t.Errorf("--didi-encryption rot13: exit %d, stderr %q; want a usage error naming it", code, stderr)
	}
	for _, enc := range []string{"aes128", "aes256"} {
		t.Run(enc, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			pr, pw := io.Pipe()
			done := make(chan int)
			go func() {
				done <- run(ctx, []string{"sandbox", "--kqapi-addr", "127.0.0.1:0", "--didi-addr", "127.0.0.1:0",
					"--kimai-addr", "127.0.0.1:0", "--didi-encryption", enc}, pw, io.Discard, func(string) string { return "" })
				pw.Close()
			}()
			vars := map[string]string{}
			lines := make(chan string)
			go func() {
				sc := bufio.NewScanner(pr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			deadline := time.After(10 * time.Second)
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
			if vars["DIDI_ENCRYPTION"] != enc || vars["DIDI_AES_KEY"] == "" {
				t.Errorf("exported DIDI_ENCRYPTION=%q and a DIDI_AES_KEY of %d bytes; want %s and a key", vars["DIDI_ENCRYPTION"], len(vars["DIDI_AES_KEY"]), enc)
			}
			if code, out, stderr := pipe(t, func(k string) string { return vars[k] }, "call", "didi.budgetCenterGet", "--all"); code != exitOK || strings.TrimSpace(out) == "" {
				t.Errorf("encrypted pipe call: exit %d, stdout %q, stderr %q", code, out, stderr)
			}
			clearEnv := func(k string) string {
				if k == "DIDI_ENCRYPTION" || k == "DIDI_AES_KEY" {
					return ""
				}
				return vars[k]
			}
			code, _, stderr := pipe(t, clearEnv, "call", "didi.budgetCenterGet", "--all")
			if code == exitOK || !strings.Contains(stderr, "10003") {
				t.Errorf("clear pipe call: exit %d, stderr %q; want errno 10003", code, stderr)
			}
			if strings.Contains(stderr, vars["DIDI_AES_KEY"]) {
				t.Errorf("stderr holds the key: %s", stderr)
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
		})
	}
}
