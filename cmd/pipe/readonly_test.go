//go:build unix

package main

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestStateReadsReadOnlyFile: pipe state and pipe failed read a state file the user may read but
// not write (an operator's account looking at the service's state), without changing it. As
// root, whom file modes do not stop, the test runs pipe as nobody.
func TestStateReadsReadOnlyFile(t *testing.T) {
	sb := startSandbox(t)
	dir, err := os.MkdirTemp("", "specpipe-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	db := filepath.Join(dir, "state.db")
	if code, _, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", db); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	bin := filepath.Join(dir, "pipe")
	data, err := os.ReadFile(pipeBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	book, err := filepath.Abs("testdata/book.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Skipf("running as root without a nobody user: %v", err)
		}
		uid, _ := strconv.Atoi(nobody.Uid)
		gid, _ := strconv.Atoi(nobody.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// nobody reads the file and the directory, and writes neither.
		if err := os.Chmod(db, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Dir(book)); err != nil {
			t.Fatal(err)
		}
	} else {
		if err := os.Chmod(db, 0o400); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
	}
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"state", book, "--state", db}, {"failed", book, "--state", db}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("pipe %s on a read-only state file: %v\n%s", args[0], err, out)
			continue
		}
		if args[0] == "state" && !strings.Contains(string(out), "last runs:") {
			t.Errorf("pipe state on a read-only state file does not show the runs:\n%s", out)
		}
	}
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Error("reading the read-only state file changed it")
	}
	if fi, err := os.Stat(db); err == nil && os.Geteuid() == 0 && fi.Mode().Perm() != 0o644 {
		t.Errorf("the read-only state file's mode became %04o", fi.Mode().Perm())
	}
}
