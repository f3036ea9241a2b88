package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// runSandbox runs `pipe sandbox ARGS` on free loopback ports, as a user would in a first shell,
// and returns the variables it exported once it printed its last line; stop interrupts it and
// returns its exit code.
func runSandbox(t *testing.T, args ...string) (vars map[string]string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"sandbox", "--kqapi-addr", "127.0.0.1:0", "--didi-addr", "127.0.0.1:0",
			"--kimai-addr", "127.0.0.1:0"}, args...), pw, io.Discard, func(string) string { return "" })
		pw.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	stop = func() int {
		cancel()
		go func() {
			for range lines {
			}
		}()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("pipe sandbox did not stop after interrupt")
			return -1
		}
	}
	vars = map[string]string{}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("pipe sandbox %s stopped before its export list was complete (exit %d)", strings.Join(args, " "), <-done)
			}
			if k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "="); ok && strings.HasPrefix(l, "export ") {
				vars[k] = v
			}
			if strings.Contains(l, "Stop with Ctrl-C") {
				return vars, stop
			}
		case <-deadline:
			stop()
			t.Fatal("pipe sandbox printed no complete export list within 10s")
		}
	}
}
