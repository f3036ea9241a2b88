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
	"github.com/specpipe/specpipe/internal/yamlx"
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
	// probe, when set, is handed a command's flags by parseArgs instead of parsing them: help and
	// completion read a command's flags this way without running it.
	probe func(fs *flag.FlagSet)
	// helped is set when a command printed its help (--help): the exit code is then 0.
	helped bool
	now    func() time.Time // the clock of today() and now() in pipelines; nil: time.Now
}

// errProbed stops a command whose flags env.probe was handed.
var errProbed = errors.New("flags probed")

// command is one row of the command table; help, usage and completion are made from it.
type command struct {
	name, args, summary string
	doc                 string      // what it does, a paragraph
	argDocs             [][2]string // the positional arguments and what they are
	example             string
	hidden              bool
	run                 func(ctx context.Context, e *env, args []string) int
}

func commands() []command {
	return []command{
		{name: "demo", args: "[--day DAY] [--keep DIR]", summary: "run attendance-to-kimai on the built-in sandbox and show what it booked",
			doc: "Starts the kqapi, Didi and Kimai emulators in this process, runs pipelines/attendance-to-kimai.yaml for one\n" +
				"day of the sandbox's company (by default the last work day of its punches) and prints the run's summary, the\n" +
				"employees without a Kimai user, the days with a single punch and a few of the timesheets it created.\n" +
				"State and reports go to a temporary directory that is removed at the end, unless --keep names one.",
			example: "pipe demo --day 2026-10-15 --keep /tmp/demo", run: cmdDemo},
		{name: "run", args: "FILE [--param k=v]... [--dry-run]", summary: "run a pipeline",
			doc: "Runs a pipeline: reads, transforms and writes, with every write keyed in the state store so that a rerun\n" +
				"writes nothing twice. Logs go to stderr (JSON lines unless stderr is a terminal), the summary to stdout.\n" +
				"An incremental pipeline run without its day parameters runs the days since its checkpoint.",
			argDocs: [][2]string{{"FILE", "the pipeline file"}},
			example: "pipe run pipelines/attendance-to-kimai.yaml --param from=2026-10-15 --param to=2026-10-15", run: cmdRun},
		{name: "validate", args: "FILE...", summary: "check pipelines without any network call",
			doc:     "Loads and type-checks each pipeline (steps, expressions, operations and their parameters) without any\nnetwork call or secret, and prints every problem of a file with its line and column.",
			argDocs: [][2]string{{"FILE...", "one or more pipeline files"}},
			example: "pipe validate pipelines/*.yaml", run: cmdValidate},
		{name: "plan", args: "FILE [--param k=v]... [--assume STEP=N]...", summary: "show the calls a run will make and its estimated duration",
			doc:     "Counts the calls a run makes per connection and the least time the vendors' rate limits make them take.\nNo call is made and no secret is needed; --assume tells it how many records a step yields.",
			argDocs: [][2]string{{"FILE", "the pipeline file"}},
			example: "pipe plan pipelines/attendance-to-kimai.yaml --param from=2026-10-01 --param to=2026-10-31 --assume punches=7440", run: cmdPlan},
		{name: "state", args: "[FILE]... | copy FROM TO", summary: "checkpoints, ledger counts, lock and last runs (default: pipelines/*.yaml); copy moves a store",
			doc:     "Shows what the state store holds for each pipeline: its checkpoint, the written records, the run lock\nand the last runs. `pipe state copy FROM TO` copies a store (SQLite file or PostgreSQL URL) to another.",
			argDocs: [][2]string{{"FILE...", "pipeline files (default: pipelines/*.yaml)"}, {"FROM TO", "with copy: the store to copy and where to"}},
			example: "pipe state pipelines/attendance-to-kimai.yaml", run: cmdState},
		{name: "unlock", args: "FILE [--force]", summary: "break the run lock of a run that died (its lease expired)",
			doc:     "Breaks the run lock a pipeline's run left behind when it died. Without --force only a lock whose lease\nhas expired is broken.",
			argDocs: [][2]string{{"FILE", "the pipeline file"}},
			example: "pipe unlock pipelines/attendance-to-kimai.yaml", run: cmdUnlock},
		{name: "failed", args: "FILE [--payload]", summary: "the failed records of a pipeline with their errors",
			doc:     "Lists the records whose write failed in the pipeline's runs, with the vendor's error; --payload adds what\nwas sent.",
			argDocs: [][2]string{{"FILE", "the pipeline file"}},
			example: "pipe failed pipelines/attendance-to-kimai.yaml", run: cmdFailed},
		{name: "retry", args: "FILE [--param k=v]...", summary: "run a pipeline again, sending its failed records again",
			doc:     "Runs a pipeline again like pipe run, and sends the records that failed before again (a plain run skips\nthem).",
			argDocs: [][2]string{{"FILE", "the pipeline file"}},
			example: "pipe retry pipelines/attendance-to-kimai.yaml --param from=2026-10-15 --param to=2026-10-15", run: cmdRetry},
		{name: "call", args: "API.OPERATION [k=v]... [--all]", summary: "call one operation; records as JSON lines on stdout",
			doc: "Calls one operation of an API with parameters name=value (JSON for lists and objects) and prints its\n" +
				"records as JSON lines. Base URL and credentials come from the environment variables the spec names\n" +
				"(see pipe ops API). A paged operation returns its first page unless --all is given; then the paging\n" +
				"parameters are set by the pager.",
			argDocs: [][2]string{{"API.OPERATION", "the operation, e.g. kqapi.recordlog (pipe ops lists them)"}, {"k=v...", "its parameters"}},
			example: "pipe call kqapi.recordlog start=2026-10-15 end=2026-10-15 --min-interval account=1s", run: cmdCall},
		{name: "ops", args: "[API | API.OPERATION]", summary: "list the operations of each API, or show one whole",
			doc: "Lists the operations of each API (or of one) with their parameters; given API.OPERATION, shows that\n" +
				"operation whole: its parameters, the type of its records with every field, and how it pages.",
			argDocs: [][2]string{{"API", "kqapi, didi or kimai"}, {"API.OPERATION", "one operation, e.g. didi.budgetCenterGet"}},
			example: "pipe ops didi.budgetCenterGet", run: cmdOps},
		{name: "sandbox", args: "[--kqapi-interval 20s]", summary: "start the kqapi, Didi and Kimai emulators on loopback",
			doc:     "Starts the emulators of the three vendors on loopback and prints the export lines of their base URLs and\ncredentials, then serves until interrupted.",
			example: "pipe sandbox --kqapi-interval 1s", run: cmdSandbox},
		{name: "version", summary: "the module version and VCS revision this binary was built from",
			doc: "Prints the module version and the VCS revision (and whether the tree was modified) from the build\n" +
				"information; `go build` and `go install` in a clone record the revision, `go run` and `go test` do not.",
			example: "pipe version", run: cmdVersion},
		{name: "help", args: "[COMMAND]", summary: "help about a command", doc: "Prints the help of a command: what it does, its arguments, its flags and an example.",
			argDocs: [][2]string{{"COMMAND", "a command"}}, example: "pipe help run", run: cmdHelp},
		{name: "completion", args: "bash|zsh|fish", summary: "print a shell completion script",
			doc: "Prints a completion script for the shell: commands, flags, pipeline files, step ids and API.OPERATION\n" +
				"names complete with TAB.",
			argDocs: [][2]string{{"bash|zsh|fish", "the shell"}},
			example: "source <(pipe completion bash)   # or: pipe completion fish > ~/.config/fish/completions/pipe.fish", run: cmdCompletion},
		{name: "__complete", hidden: true, run: cmdComplete},
	}
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		if !c.hidden {
			names = append(names, c.name)
		}
	}
	return names
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pipe COMMAND [arguments]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  %-10s %-44s %s\n", c.name, c.args, c.summary)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "pipe help COMMAND (or pipe COMMAND --help) tells more about a command.")
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
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	case "-version", "--version":
		return cmdVersion(ctx, e, args[1:])
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "pipe: unknown command %q%s\n\n", args[0], didYouMean(args[0], commandNames()))
		usage(stderr)
		return exitUsage
	}
	code := c.run(ctx, e, args[1:])
	if e.helped {
		return exitOK
	}
	return code
}

// didYouMean suggests the nearest of candidates to s, or says nothing.
func didYouMean(s string, candidates []string) string {
	if near := yamlx.NearestN(s, candidates, 3); len(near) > 0 {
		return " (did you mean " + strings.Join(near, ", ") + "?)"
	}
	return ""
}

// flags is a command's FlagSet; parseArgs reports its errors and prints its help.
type flags struct {
	*flag.FlagSet
	e   *env
	cmd string
}

// flagSet returns the flags of command name, with the logging flags every command takes.
func flagSet(e *env, name string) (*flags, *logFlags) {
	fs := flag.NewFlagSet("pipe "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parseArgs reports
	fs.Usage = func() {}
	lf := &logFlags{}
	fs.StringVar(&lf.format, "log-format", "", "log format: text or json (default: text on a terminal, json otherwise)")
	fs.StringVar(&lf.level, "log-level", "info", "log level: debug, info, warn or error")
	return &flags{FlagSet: fs, e: e, cmd: name}, lf
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
		opts.ReplaceAttr = durationSeconds
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: want text or json, got %q", format)
}

// durationSeconds makes a duration in a JSON log line seconds, named with an _s suffix like the
// run's own duration_s ("vendor":20000000000, slog's nanoseconds, becomes "vendor_s":20); text
// logs keep slog's "20s".
func durationSeconds(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key+"_s", seconds(a.Value.Duration()))
	}
	return a
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// parseArgs parses flags that may come after positional arguments (pipe run FILE --dry-run). On
// --help it prints the command's help to stdout; on a bad flag it says what is wrong on stderr, with
// the nearest flag names. Everything after "--" is positional.
func parseArgs(fs *flags, args []string) ([]string, error) {
	if fs.e.probe != nil {
		fs.e.probe(fs.FlagSet)
		return nil, errProbed
	}
	var pos []string
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			fs.e.helped = true
			c, _ := lookupCommand(strings.Fields(fs.cmd)[0])
			printHelp(fs.e.stdout, c, fs.FlagSet)
			return nil, err
		case err != nil:
			fmt.Fprintf(fs.e.stderr, "pipe %s: %v%s\n", fs.cmd, err, flagHint(fs.FlagSet, err))
			fmt.Fprintf(fs.e.stderr, "see pipe help %s\n", strings.Fields(fs.cmd)[0])
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagHint suggests the nearest flags to an unknown one.
func flagHint(fs *flag.FlagSet, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: ")
	if !ok {
		return ""
	}
	name = strings.TrimLeft(name, "-")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	near := yamlx.NearestN(name, names, 3)
	if len(near) == 0 {
		return ""
	}
	for i := range near {
		near[i] = "--" + near[i]
	}
	return " (did you mean " + strings.Join(near, ", ") + "?)"
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
