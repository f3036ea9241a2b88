package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/specpipe/specpipe/generated"
	"github.com/specpipe/specpipe/internal/memlimit"
	"github.com/specpipe/specpipe/internal/pipeline"
	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
	"github.com/specpipe/specpipe/internal/state"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// cmdValidate loads and type-checks every pipeline given, without any network call.
func cmdValidate(_ context.Context, e *env, args []string) int {
	fs, _ := flagSet(e, "validate")
	files, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) == 0 {
		return errf(e, exitUsage, "validate needs one or more pipeline files")
	}
	bad := 0
	for _, f := range files {
		if err := pipeline.Validate(f, pipeline.LoadOptions{Getenv: e.getenv, APIs: generated.APIs()}); err != nil {
			bad++
			printProblems(e, f, err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: ok\n", f)
	}
	if bad > 0 {
		fmt.Fprintf(e.stderr, "pipe validate: %d of %d pipelines have problems\n", bad, len(files))
		return exitUsage
	}
	return exitOK
}

// printProblems prints every positioned problem on its own line, or the error as it is.
func printProblems(e *env, file string, err error) {
	if es, ok := yamlx.AsErrors(err); ok {
		for _, pe := range es {
			fmt.Fprintln(e.stderr, pe.Error())
		}
		return
	}
	fmt.Fprintf(e.stderr, "%s: %v\n", file, err)
}

// loadFlags are the flags of commands that load a pipeline with parameters.
type loadFlags struct{ params multiFlag }

func (lf *loadFlags) options(e *env) (pipeline.LoadOptions, error) {
	params, err := keyValues(lf.params, "--param")
	if err != nil {
		return pipeline.LoadOptions{}, err
	}
	return pipeline.LoadOptions{Getenv: e.getenv, Params: params, APIs: generated.APIs(), Now: e.now}, nil
}

// cmdPlan prints the calls a run will make per connection and what the vendors' limits make of them.
func cmdPlan(_ context.Context, e *env, args []string) int {
	fs, _ := flagSet(e, "plan")
	var lf loadFlags
	fs.Var(&lf.params, "param", "a run parameter as name=value (repeatable)")
	var assume multiFlag
	fs.Var(&assume, "assume", "the records a step yields, as step=N (repeatable), e.g. punches=7200 or employees=120")
	files, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) != 1 {
		return errf(e, exitUsage, "plan needs one pipeline file")
	}
	counts := map[string]int{}
	kv, err := keyValues(assume, "--assume")
	if err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	for k, v := range kv {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errf(e, exitUsage, "--assume %s=%s: want a whole number of records", k, v)
		}
		counts[k] = n
	}
	opts, err := lf.options(e)
	if err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	// Plan without credentials: the plan never calls, so missing secrets are not a problem here.
	c, err := pipeline.Compile(files[0], opts)
	if err == nil {
		err = c.Check(pipeline.Binding{Params: opts.Params, Getenv: opts.Getenv})
	}
	if err != nil {
		printProblems(e, files[0], err)
		return exitUsage
	}
	p, err := c.Bind(pipeline.Binding{Params: opts.Params, Getenv: placeholderEnv(e.getenv)})
	if err != nil {
		printProblems(e, files[0], err)
		return exitUsage
	}
	plan, err := p.PlanWith(pipeline.PlanOptions{Assume: counts})
	if err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	formatPlan(e.stdout, plan)
	return exitOK
}

// placeholderEnv answers the unset credential and base-URL variables of the specs with a
// placeholder, so a plan can be made on a machine without the secrets; other variables (such as
// KQAPI_MIN_INTERVAL) keep their value or their default.
func placeholderEnv(getenv func(string) string) func(string) string {
	stand := map[string]string{}
	for _, a := range generated.APIs() {
		stand[a.BaseURLEnv] = "http://planning.invalid"
		for _, c := range a.Credentials {
			stand[c.Env] = "planning-placeholder"
		}
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return stand[k]
	}
}

func formatPlan(w io.Writer, p *pipeline.Plan) {
	fmt.Fprintf(w, "plan for %s\n\nsteps:\n", p.Pipeline)
	for _, s := range p.Steps {
		line := fmt.Sprintf("  %-14s %-8s", s.ID, s.Kind)
		if s.Op != "" {
			calls := fmt.Sprintf("%d call(s)", s.Calls)
			if s.PerRecord {
				calls = "one call per record"
			}
			if s.Paged {
				calls += fmt.Sprintf(", +1 per %d records (paged)", s.PageSize)
			}
			line += fmt.Sprintf(" %s via %s: %s", s.Op, s.Conn, calls)
		}
		if s.Note != "" {
			line += " — " + s.Note
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, "\nconnections:")
	for _, c := range p.Conns {
		more := ""
		if c.PerRecord {
			more = " + calls that depend on the records"
		}
		fmt.Fprintf(w, "  %-8s %-6s %d known call(s)%s", c.Name, c.API, c.Calls, more)
		if c.Interval > 0 {
			fmt.Fprintf(w, "; rate limit %s: one call per %v → at least %v", c.Limit, c.Interval, c.Wait)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nestimated duration: at least %v (the known calls under the rate limits)\n", p.Estimated)
}

// cmdRun runs a pipeline: from a shell, or from cron.
func cmdRun(ctx context.Context, e *env, args []string) int { return runPipeline(ctx, e, "run", args) }

// runPipeline runs a pipeline for pipe run and pipe retry (which sends its failed records again).
// An incremental pipeline run without its day params given runs the days from its checkpoint
// (see [pipeline.Incremental]) and advances the checkpoint.
func runPipeline(ctx context.Context, e *env, cmd string, args []string) int {
	fs, logf := flagSet(e, cmd)
	var lf loadFlags
	fs.Var(&lf.params, "param", "a run parameter as name=value (repeatable)")
	dry := fs.Bool("dry-run", false, "perform the reads but no write; print what each write would send (JSON lines)")
	statePath := fs.String("state", "", stateFlagDoc)
	files, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) != 1 {
		return errf(e, exitUsage, "%s needs one pipeline file", cmd)
	}
	if logf.format == "" {
		logf.format = "json"
		if isTerminal(e.stderr) {
			logf.format = "text"
		}
	}
	oneStream := logf.format == "json" && sameFile(e.stdout, e.stderr)
	// On a terminal the progress line is cleared before anything else is written.
	var line *termLine
	if isTerminal(e.stderr) {
		line = &termLine{w: e.stderr}
		te := *e
		te.stderr = line.through(e.stderr)
		if isTerminal(e.stdout) {
			te.stdout = line.through(e.stdout)
		}
		e = &te
	}
	logger, err := logf.logger(e)
	if err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	r := &runner{e: e, file: files[0], retry: cmd == "retry", dry: *dry, log: logger,
		jsonLogs: logf.format == "json", oneStream: oneStream, line: line, heartbeat: defaultHeartbeat}
	if r.opts, err = lf.options(e); err != nil {
		return r.errf(exitUsage, "%v", err)
	}
	// The heap peaks at about 1.5x what the run holds, not twice (internal/memlimit).
	defer memlimit.Follow(ctx, e.getenv)()
	if v := e.getenv("SPECPIPE_PROGRESS_EVERY"); v != "" {
		if r.heartbeat, err = time.ParseDuration(v); err != nil || r.heartbeat <= 0 {
			return r.errf(exitUsage, "SPECPIPE_PROGRESS_EVERY=%s: want a duration such as 30s", v)
		}
	}
	return r.run(ctx, *statePath)
}

// errf reports what stops the run, in the format of its logs: a JSON line with JSON logs (see
// logStop), text otherwise.
func (r *runner) errf(code int, format string, args ...any) int {
	if !r.jsonLogs {
		return errf(r.e, code, format, args...)
	}
	logStop(r.log, code, r.file, fmt.Errorf(format, args...))
	return code
}

// problems reports the problems of err (positioned ones each on its own line) that stop the run
// with code, in the format of its logs.
func (r *runner) problems(code int, err error) int {
	if !r.jsonLogs {
		printProblems(r.e, r.file, err)
		return code
	}
	logStop(r.log, code, r.file, err)
	return code
}

// logStop logs err, which stops a run with code, as JSON lines, so that a log of JSON lines
// stays one: one line per positioned problem (with its file, line and column), else one, each
// with the logger's pipeline and run id once they are known, the file and the exit code. The
// message says what kind of stop it is.
func logStop(log *slog.Logger, code int, file string, err error) {
	msg := "run could not proceed"
	switch code {
	case exitUsage:
		msg = "configuration error"
	case exitLocked:
		msg = "locked"
	case exitSIGINT, exitSIGTERM:
		msg = "interrupted"
	}
	if es, ok := yamlx.AsErrors(err); ok {
		for _, pe := range es {
			f := pe.Pos.File
			if f == "" {
				f = file
			}
			log.Error(msg, "error", pe.Error(), "file", f, "line", pe.Pos.Line, "col", pe.Pos.Col, "exit_code", code)
		}
		return
	}
	log.Error(msg, "error", err.Error(), "file", file, "exit_code", code)
}

// sameFile reports whether a and b are one open file (cron's >> log 2>&1).
func sameFile(a, b io.Writer) bool {
	fa, ok := a.(*os.File)
	fb, ok2 := b.(*os.File)
	if !ok || !ok2 {
		return false
	}
	sa, err := fa.Stat()
	if err != nil {
		return false
	}
	sb, err := fb.Stat()
	return err == nil && os.SameFile(sa, sb)
}

// runner is one pipe run (or pipe retry) of a pipeline: compile it once, take its lock, find
// the windows to run, and bind and run it per window, with a run record around it all. Each
// phase is a method; run calls them in order.
type runner struct {
	e     *env
	file  string
	opts  pipeline.LoadOptions
	retry bool
	dry   bool
	log   *slog.Logger
	// jsonLogs: the logs are JSON lines, and so is each summary (a "summary" line). oneStream:
	// stdout is the log file too, so the text table is left out (one stream, one format).
	jsonLogs, oneStream bool
	// line is the terminal's progress line (nil: stderr is no terminal); heartbeat is how often
	// a run logs what it is doing.
	line      *termLine
	heartbeat time.Duration

	compiled *pipeline.Compiled
	outline  *pipeline.Outline
	store    state.Store
	inc      *incRun
	rl       *retryLedger
	failed   []state.Entry // a retry's failed records before it
	sum      state.RunSummary
}

func (r *runner) run(ctx context.Context, statePath string) int {
	if code, ok := r.compile(); !ok {
		return code
	}
	r.log = r.log.With("pipeline", r.outline.Name)
	loc := statePathOf(r.e, statePath, r.file)
	store, err := openState(ctx, r.e, loc)
	if err != nil {
		return r.errf(exitCannot, "open state: %v", err)
	}
	defer store.Close()
	r.store = store
	release, code, ok := r.lock(ctx)
	if !ok {
		return code
	}
	defer release()
	if code, ok := r.retryPlan(ctx); !ok {
		return code
	}
	windows, code, ok := r.windows(ctx)
	if !ok {
		return code
	}
	bound := make([]*pipeline.Pipeline, len(windows))
	for i, w := range windows {
		if bound[i], err = r.compiled.Bind(r.binding(w)); err != nil {
			return r.problems(exitUsage, err)
		}
	}
	r.warnLostLedger(ctx)
	runID, err := store.StartRun(ctx, r.outline.Name)
	if err != nil {
		return r.errf(exitCannot, "record the run: %v", err)
	}
	start := time.Now()
	r.log = r.log.With("run_id", runID)
	r.log.Info("run started", paramAttrs(bound[0].ParamValues()), "days", daysOf(bound),
		"state", shownState(loc), "version", version(), "dry_run", r.dry, "retry", r.retry)
	r.sum.DryRun = r.dry
	code = r.runWindows(ctx, windows, bound)
	r.finish(ctx, runID)
	attrs := []any{"exit_code", code, "read", r.sum.Read, "written", r.sum.Written,
		"skipped", r.sum.Skipped, "failed", r.sum.Failed, "duration_s", seconds(time.Since(start))}
	if r.sum.Error != "" {
		attrs = append(attrs, "error", r.sum.Error)
	}
	r.log.Info("run finished", attrs...)
	return code
}

// paramAttrs are a run's params as one log group.
func paramAttrs(ps []pipeline.ParamValue) slog.Attr {
	var as []any
	for _, p := range ps {
		as = append(as, slog.String(p.Name, p.Value))
	}
	return slog.Group("params", as...)
}

// daysOf is the days the runs cover, from their date params: "2026-10-14", or
// "2026-10-13 to 2026-10-15"; empty without date params.
func daysOf(ps []*pipeline.Pipeline) string {
	var first, last string
	for _, p := range ps {
		for _, v := range p.ParamValues() {
			if _, err := time.Parse(time.DateOnly, v.Value); err != nil {
				continue
			}
			if first == "" || v.Value < first {
				first = v.Value
			}
			last = max(last, v.Value)
		}
	}
	if first == last {
		return first
	}
	return first + " to " + last
}

// shownState is the state location as a log shows it: a PostgreSQL URL without its user and
// password.
func shownState(loc string) string {
	if !strings.HasPrefix(loc, "postgres://") && !strings.HasPrefix(loc, "postgresql://") {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "postgres://(an invalid URL)"
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

// version is specpipe's version from the build info: the module version, or the VCS revision
// of a build from a checkout.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && (v == "" || v == "(devel)") {
			v = s.Value
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return v
}

// seconds is a duration in a JSON line: seconds, to the millisecond.
func seconds(d time.Duration) float64 { return d.Round(time.Millisecond).Seconds() }

// compile compiles the pipeline once and checks its params (without the secrets).
func (r *runner) compile() (int, bool) {
	c, err := pipeline.Compile(r.file, r.opts)
	if err == nil {
		err = c.Check(r.binding(nil))
	}
	if err != nil {
		return r.problems(exitUsage, err), false
	}
	r.compiled, r.outline = c, c.Outline()
	return exitOK, true
}

// binding is the command line's params with a window's on top.
func (r *runner) binding(window map[string]string) pipeline.Binding {
	params := r.opts.Params
	if window != nil {
		params = map[string]string{}
		for k, v := range r.opts.Params {
			params[k] = v
		}
		for k, v := range window {
			params[k] = v
		}
	}
	return pipeline.Binding{Params: params, Getenv: r.opts.Getenv, ReadFile: r.opts.ReadFile}
}

// lock takes the pipeline's run lock; release gives it back.
func (r *runner) lock(ctx context.Context) (release func(), code int, ok bool) {
	rel, err := r.store.Lock(ctx, r.outline.Name)
	if err != nil {
		var le *state.LockedError
		if errors.As(err, &le) {
			return nil, r.errf(exitLocked, "%v", err), false
		}
		return nil, r.errf(exitCannot, "lock %s: %v", r.outline.Name, err), false
	}
	return func() {
		if err := rel(); err != nil {
			r.log.Warn("release lock", "pipeline", r.outline.Name, "err", err.Error())
		}
	}, exitOK, true
}

// retryPlan reads the failed records a retry sends again; without any there is nothing to do.
func (r *runner) retryPlan(ctx context.Context) (int, bool) {
	if !r.retry {
		return exitOK, true
	}
	failed, err := r.store.Failed(ctx, r.outline.Name)
	if err != nil {
		return r.errf(exitCannot, "%v", err), false
	}
	if len(failed) == 0 {
		fmt.Fprintf(r.e.stdout, "%s: no failed records to retry\n", r.outline.Name)
		return exitOK, false
	}
	r.failed = failed
	r.rl = &retryLedger{Ledger: r.store, met: map[string]bool{}}
	return exitOK, true
}

// windows returns the params of each run: the incremental windows from the checkpoint, or one
// run with the command line's params.
func (r *runner) windows(ctx context.Context) ([]map[string]string, int, bool) {
	r.inc = incrementalRuns(r.outline, r.opts.Params)
	if r.inc == nil {
		return []map[string]string{nil}, exitOK, true
	}
	runs, err := r.inc.plan(ctx, r.store, r.e.stdout)
	if err != nil {
		return nil, r.errf(exitCannot, "%v", err), false
	}
	if len(runs) == 0 {
		return nil, exitOK, false
	}
	return runs, exitOK, true
}

// runWindows binds and runs the pipeline once per window, advancing an incremental pipeline's
// checkpoint after each, and stops at the first run that cannot proceed.
func (r *runner) runWindows(ctx context.Context, windows []map[string]string, bound []*pipeline.Pipeline) int {
	var lg pipeline.Ledger = r.store
	if r.rl != nil {
		lg = r.rl
	}
	// A signal stops the run before its next record (ctx, as RunOptions.Stop); the record in
	// flight and its write go on with ioCtx, which outlives the signal by signalGrace, so their
	// outcome is recorded in the ledger.
	ioCtx, cancelIO := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelIO()
	stopIO := context.AfterFunc(ctx, func() { time.AfterFunc(signalGrace, cancelIO) })
	defer stopIO()
	limiter := state.NewLimiter(r.store, clock.Real{})
	code := exitOK
	for i, w := range windows {
		if context.Cause(ctx) != nil {
			return r.stopped(ctx, context.Cause(ctx))
		}
		p := bound[i]
		if len(windows) > 1 || r.inc != nil {
			if r.oneStream {
				r.log.Info("window", "window", i+1, "of", len(windows), "days", r.inc.describe(w))
			} else {
				fmt.Fprintf(r.e.stdout, "%s (%d of %d): %s\n", p.Name, i+1, len(windows), r.inc.describe(w))
			}
		}
		if err := p.CheckTargets(ctx, r.store); err != nil {
			r.sum.Error = err.Error()
			return r.errf(exitUsage, "%s: %v", r.file, err)
		}
		sum, err := r.runOnce(ioCtx, p, pipeline.RunOptions{
			Stop:      ctx,
			DryRun:    r.dry,
			DryRunOut: r.e.stdout,
			Logger:    r.log,
			Ledger:    lg,
			Retry:     r.retry,
			Transport: func(conn string, api *registry.API) transport.Config {
				return transport.Config{Logger: r.log, Limiter: limiter, Tokens: r.store}
			},
		})
		if err := p.RecordTargets(context.WithoutCancel(ctx), r.store, sum); err != nil {
			r.log.Warn("record the target", "pipeline", p.Name, "err", err.Error())
		}
		if sum != nil {
			for _, s := range sum.Steps {
				r.sum.Read += int(s.In)
				r.sum.Written += int(s.Written)
				r.sum.Skipped += int(s.Skipped)
				r.sum.Failed += int(s.Failed)
			}
		}
		if err != nil && errors.As(err, new(*interrupted)) {
			return r.stopped(ctx, err)
		}
		if err != nil {
			r.sum.Error = err.Error()
			return r.problems(exitCode(sum, err), err)
		}
		code = max(code, exitCode(sum, nil))
		if r.inc != nil && !r.dry {
			if err := r.inc.advance(ctx, r.store, sum, w, r.log); err != nil {
				r.log.Warn("checkpoint", "pipeline", p.Name, "err", err.Error())
			}
		}
	}
	return code
}

// stopped reports a run a signal stopped (err is its *interrupted, or the context's cause).
func (r *runner) stopped(ctx context.Context, err error) int {
	if !errors.As(err, new(*interrupted)) {
		err = context.Cause(ctx)
	}
	r.sum.Error = err.Error()
	return r.errf(exitCode(nil, err), "%s: %v; what was written is recorded, the next run goes on from there", r.outline.Name, err)
}

// signalGrace is how long the call in flight (a write, and the ledger's record of it) may
// go on after a signal stopped the run.
const signalGrace = 10 * time.Second

// interrupted is the cause of a run's context that a signal stopped.
type interrupted struct{ sig os.Signal }

func (e *interrupted) Error() string { return "interrupted by " + signalName(e.sig) }

func signalName(s os.Signal) string {
	if s == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

// interruptedCode is the exit code of a run err says a signal stopped: 128 plus the signal's
// number, as a shell reports it.
func interruptedCode(err error) int {
	var ie *interrupted
	if errors.As(err, &ie) && ie.sig == syscall.SIGTERM {
		return exitSIGTERM
	}
	return exitSIGINT
}

// notifySignals returns a context cancelled at the first SIGINT or SIGTERM, with an
// *interrupted cause; a second signal has its default effect (the process ends at once).
// stop releases the signals.
func notifySignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			cancel(&interrupted{sig: s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// finish records the end of the run, and reports what a retry did.
func (r *runner) finish(ctx context.Context, runID int64) {
	if err := r.store.FinishRun(context.WithoutCancel(ctx), runID, r.sum); err != nil {
		r.log.Warn("record the end of the run", "err", err.Error())
	}
	if r.retry {
		reportRetry(ctx, r.e, r.store, r.outline.Name, r.failed, r.rl)
	}
}

// runOnce runs a bound pipeline once and prints its summary: the text table on stdout unless
// stdout is the JSON log stream, and a "summary" JSON line with JSON logs.
func (r *runner) runOnce(ctx context.Context, p *pipeline.Pipeline, ro pipeline.RunOptions) (*pipeline.Summary, error) {
	e := r.e
	pg := newProgress(p, r.line)
	ro.Progress = pg.update
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		pg.heartbeat(r.log, r.heartbeat, stop)
	}()
	sum, err := p.Run(ctx, ro)
	close(stop)
	<-done
	if r.line != nil {
		r.line.clear()
	}
	if sum != nil && !r.oneStream {
		sum.Format(e.stdout)
	}
	if sum != nil && r.jsonLogs {
		r.log.Info("summary", summaryAttrs(sum)...)
	}
	return sum, err
}

// summaryAttrs are a run's summary as the attributes of a JSON line.
func summaryAttrs(s *pipeline.Summary) []any {
	steps := make([]map[string]any, len(s.Steps))
	for i, st := range s.Steps {
		steps[i] = map[string]any{"id": st.ID, "kind": st.Kind, "in": st.In, "out": st.Out,
			"written": st.Written, "skipped": st.Skipped, "failed": st.Failed}
	}
	var failed []map[string]any
	for _, g := range s.FailureGroups() {
		var ex []string
		for _, f := range g.Examples {
			if f.Key != "" {
				ex = append(ex, f.Key)
			} else {
				ex = append(ex, f.Record)
			}
		}
		failed = append(failed, map[string]any{"step": g.Step, "reason": g.Reason, "records": g.Count, "examples": ex})
	}
	return []any{paramAttrs(s.Params), "dry_run", s.DryRun, "duration_s", seconds(s.Duration),
		"steps", steps, "calls", s.Calls, "failed_records", s.FailedRecords(), "failures", failed}
}

// stateFlagDoc documents the --state flag.
const stateFlagDoc = "state store: a file, or a postgres:// URL shared by several hosts (default: $SPECPIPE_STATE, else " + defaultStateFile + " beside the pipeline file)"

// defaultStateFile is the state database of the pipelines of one directory. They share it, so
// that pipelines sharing an account also share its rate clock and cached tokens.
const defaultStateFile = ".specpipe.state.db"

// defaultStatePath is the state database of the pipeline file's directory.
func defaultStatePath(file string) string {
	return filepath.Join(filepath.Dir(file), defaultStateFile)
}
