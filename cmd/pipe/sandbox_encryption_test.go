package main

import (
	"strings"
	"testing"
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
			vars, stop := runSandbox(t, "--didi-encryption", enc)
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
			if code := stop(); code != exitOK {
				t.Errorf("pipe sandbox exit %d after interrupt, want 0", code)
			}
		})
	}
}
