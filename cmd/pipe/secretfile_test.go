//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/kimai"
)

// secretFilePipeline is book.yaml's Kimai part with the token read from path.
func secretFilePipeline(t *testing.T, path string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "users.yaml")
	writeTestFile(t, p, `name: users
connections:
  kimai:
    api: kimai
    token: ${file:`+path+`}
steps:
  - id: users
    call: {conn: kimai, op: listUsers}
`)
	return p
}

// TestTokenFileWithSecondLine: a token file with an embedded newline is a configuration error
// (exit 2) that names the file and never shows its contents, not a call retried as a network
// error; nothing is sent. secretfile.Read gives that error; the engine must use it for
// ${file:...}.
func TestTokenFileWithSecondLine(t *testing.T) {
	sb := startSandbox(t)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte(kimai.SandboxAdminToken+"\nsecond-line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	seen := len(sb.Kimai.Journal.Entries())
	code, out, stderr := pipe(t, sb.Getenv, "run", secretFilePipeline(t, tok), "--state", filepath.Join(t.TempDir(), "state.db"))
	if strings.Contains(out+stderr, kimai.SandboxAdminToken) || strings.Contains(out+stderr, "second-line") {
		t.Errorf("the token file's contents reached the output:\n%s\n%s", out, stderr)
	}
	if got := len(sb.Kimai.Journal.Entries()) - seen; got != 0 {
		t.Errorf("%d requests reached Kimai with a two-line token", got)
	}
	if code != exitUsage || !strings.Contains(out+stderr, tok) {
		t.Errorf("exit %d, want %d naming %s\n%s\n%s", code, exitUsage, tok, out, stderr)
	}
}

// TestTokenFileDevZero: ${file:/dev/zero} is refused at once (secretfile.Read reads at most
// 64 KiB + 1) as a configuration error.
func TestTokenFileDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	sb := startSandbox(t)
	start := time.Now()
	code, out, stderr := pipe(t, sb.Getenv, "run", secretFilePipeline(t, "/dev/zero"), "--state", filepath.Join(t.TempDir(), "state.db"))
	if code != exitUsage || !strings.Contains(out+stderr, "/dev/zero") || time.Since(start) > 10*time.Second {
		t.Errorf("exit %d after %v, want %d at once naming /dev/zero\n%s\n%s", code, time.Since(start), exitUsage, out, stderr)
	}
}
