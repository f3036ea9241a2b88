package state

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/state/statetest"
)

// The helper process: tests re-execute the test binary with -test.run=TestHelperProcess and
// these variables set, so that several processes share one state file.
const (
	envHelper = "SPECPIPE_STATE_HELPER" // what to do: reserve, lock-exit, lock-hold
	envDB     = "SPECPIPE_STATE_DB"     // the state store's location
	envN      = "SPECPIPE_STATE_N"      // reserve: how many slots
	envStart  = "SPECPIPE_STATE_START"  // reserve: Unix nanoseconds to wait for before reserving
)

// Parameters shared by the tests and the helper.
const (
	helperPipeline = "helper-pipeline"
	helperRateKey  = "kqapi:acct"
	helperInterval = 50 * time.Millisecond
)

// TestHelperProcess is not a test: it is the body of the helper processes.
func TestHelperProcess(t *testing.T) {
	what := os.Getenv(envHelper)
	if what == "" {
		t.Skip("helper process for other tests")
	}
	if err := helper(what, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func helper(what string, stdin io.Reader, stdout io.Writer) error {
	ctx := context.Background()
	s, err := OpenLocation(ctx, os.Getenv(envDB))
	if err != nil {
		return err
	}
	switch what {
	case "reserve":
		n, err := strconv.Atoi(os.Getenv(envN))
		if err != nil {
			return err
		}
		start, err := strconv.ParseInt(os.Getenv(envStart), 10, 64)
		if err != nil {
			return err
		}
		time.Sleep(time.Until(time.Unix(0, start))) // start together with the other helpers
		for range n {
			slot, err := s.Reserve(ctx, helperRateKey, helperInterval, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, slot.UnixNano())
		}
	case "lock-exit":
		if _, err := s.Lock(ctx, helperPipeline); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "locked")
		os.Exit(0) // dies holding the lock
	case "lock-hold":
		release, err := s.Lock(ctx, helperPipeline)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "locked")
		io.Copy(io.Discard, stdin) // hold until the test closes stdin
		if err := release(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown helper %q", what)
	}
	return s.Close()
}

// helperCmd returns the command running the helper what on the state file db.
func helperCmd(t *testing.T, what, db string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelper+"="+what, envDB+"="+db)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	return cmd
}

// newDB returns the location of a new store of backend b, created and migrated, so that
// helper processes do not race to create it.
func newDB(t *testing.T, b statetest.Backend) string {
	t.Helper()
	path := b.New(t)
	s, err := OpenLocation(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// startHelper starts the helper what and waits for its first line of output, which must be want.
// It returns the command and the pipe to its stdin.
func startHelper(t *testing.T, what, db, want string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := helperCmd(t, what, db)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(line); got != want {
		t.Fatalf("helper %s printed %q, want %q", what, got, want)
	}
	return cmd, stdin
}
