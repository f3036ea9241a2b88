package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/specpipe/specpipe/internal/pipeline"
)

// Exit codes: the one table of them (usage prints it, exitCode maps a run onto it).
const (
	exitOK      = 0
	exitFailed  = 1   // some records failed
	exitUsage   = 2   // usage or configuration error
	exitCannot  = 3   // the run could not proceed
	exitLocked  = 4   // another run holds the lock
	exitSIGINT  = 130 // interrupted by SIGINT (128+2)
	exitSIGTERM = 143 // interrupted by SIGTERM (128+15)
)

// exitCode maps the result of a run (or a load, with a nil summary) onto the exit codes.
func exitCode(sum *pipeline.Summary, err error) int {
	switch {
	case err == nil && sum != nil && sum.FailedRecords() > 0:
		return exitFailed
	case err == nil:
		return exitOK
	case errors.As(err, new(*interrupted)):
		return interruptedCode(err)
	case pipeline.IsConfigError(err):
		return exitUsage
	}
	return exitCannot
}

// env is what a command may touch: no globals, so tests run commands in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time // the clock of today() and now() in pipelines; nil: time.Now
}

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, e *env, args []string) int
}

func commands() []command {
	return []command{
		{"demo", "[--day 2026-10-15]", "run attendance-to-kimai on the built-in sandbox and show what it booked", cmdDemo},
		{"run", "FILE [--param k=v]... [--dry-run]", "run a pipeline", cmdRun},
		{"validate", "FILE...", "check pipelines without any network call", cmdValidate},
		{"plan", "FILE [--param k=v]...", "show the calls a run will make and its estimated duration", cmdPlan},
		{"state", "[FILE]... | copy FROM TO", "checkpoints, ledger counts, lock and last runs (default: pipelines/*.yaml); copy moves a store", cmdState},
		{"unlock", "FILE [--force]", "break the run lock of a run that died (its lease expired)", cmdUnlock},
		{"failed", "FILE [--payload]", "the failed records of a pipeline with their errors", cmdFailed},
		{"retry", "FILE [--param k=v]...", "run a pipeline again, sending its failed records again", cmdRetry},
		{"call", "API.OPERATION [k=v]... [--all]", "call one operation; records as JSON lines on stdout", cmdCall},
		{"ops", "[API]", "list the operations of each API with their parameters", cmdOps},
		{"sandbox", "[--kqapi-interval 20s]", "start the kqapi, Didi and Kimai emulators on loopback", cmdSandbox},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pipe COMMAND [arguments]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %-40s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "exit codes: 0 ok, 1 some records failed, 2 usage or configuration error,")
	fmt.Fprintln(w, "            3 the run could not proceed, 4 another run holds the lock,")
	fmt.Fprintln(w, "            130/143 interrupted by SIGINT/SIGTERM")
}

// run is main without globals: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	ctx, stop := notifySignals(ctx)
	defer stop()
	e := &env{stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "pipe: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// flagSet returns a FlagSet that reports to e.stderr, with the logging flags every command takes.
func flagSet(e *env, name string) (*flag.FlagSet, *logFlags) {
	fs := flag.NewFlagSet("pipe "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	lf := &logFlags{}
	fs.StringVar(&lf.format, "log-format", "", "log format: text or json (default: text on a terminal, json otherwise)")
	fs.StringVar(&lf.level, "log-level", "info", "log level: debug, info, warn or error")
	return fs, lf
}

type logFlags struct{ format, level string }

// logger builds the slog logger the flags ask for, writing to e.stderr.
func (lf *logFlags) logger(e *env) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(lf.level)); err != nil {
		return nil, fmt.Errorf("--log-level: want debug, info, warn or error, got %q", lf.level)
	}
	format := lf.format
	if format == "" {
		format = "json"
		if isTerminal(e.stderr) {
			format = "text"
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: want text or json, got %q", format)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// parseArgs parses flags that may come after positional arguments (pipe run FILE --dry-run).
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// multiFlag collects repeated k=v flags.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func keyValues(items []string, what string) (map[string]string, error) {
	out := map[string]string{}
	for _, it := range items {
		k, v, ok := strings.Cut(it, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: want name=value", what, it)
		}
		out[k] = v
	}
	return out, nil
}

func errf(e *env, code int, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "pipe: "+format+"\n", args...)
	return code
}
