package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"time"

	"github.com/specpipe/specpipe/generated"
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
	return pipeline.LoadOptions{Getenv: e.getenv, Params: params, APIs: generated.APIs()}, nil
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
	if err := pipeline.Validate(files[0], opts); err != nil {
		printProblems(e, files[0], err)
		return exitUsage
	}
	opts.Getenv = placeholderEnv(e.getenv)
	p, err := pipeline.Load(files[0], opts)
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
	retry := cmd == "retry"
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
	logger, err := logf.logger(e)
	if err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	opts, err := lf.options(e)
	if err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	outline, err := pipeline.ReadOutline(files[0], opts)
	if err != nil {
		printProblems(e, files[0], err)
		return exitUsage
	}
	store, err := state.Open(ctx, statePathOf(*statePath, files[0]))
	if err != nil {
		return errf(e, exitCannot, "open state: %v", err)
	}
	defer store.Close()
	release, err := store.Lock(ctx, outline.Name)
	if err != nil {
		var le *state.LockedError
		if errors.As(err, &le) {
			return errf(e, exitLocked, "%v", err)
		}
		return errf(e, exitCannot, "lock %s: %v", outline.Name, err)
	}
	defer func() {
		if err := release(); err != nil {
			logger.Warn("release lock", "pipeline", outline.Name, "err", err.Error())
		}
	}()
	var failedBefore []state.Entry
	if retry {
		if failedBefore, err = store.Failed(ctx, outline.Name); err != nil {
			return errf(e, exitCannot, "%v", err)
		}
		if len(failedBefore) == 0 {
			fmt.Fprintf(e.stdout, "%s: no failed records to retry\n", outline.Name)
			return exitOK
		}
	}
	inc := incrementalRuns(outline, opts.Params)
	var runs []map[string]string // the params of each run
	if inc != nil {
		if runs, err = inc.plan(ctx, store, e.stdout); err != nil {
			return errf(e, exitCannot, "%v", err)
		}
		if len(runs) == 0 {
			return exitOK
		}
	} else {
		runs = []map[string]string{nil}
	}
	runID, err := store.StartRun(ctx, outline.Name)
	if err != nil {
		return errf(e, exitCannot, "record the run: %v", err)
	}
	limiter := store.Limiter(clock.Real{})
	var lg pipeline.Ledger = store
	var rl *retryLedger
	if retry {
		rl = &retryLedger{Ledger: store, met: map[string]bool{}}
		lg = rl
	}
	rs := state.RunSummary{}
	code := exitOK
	for i, extra := range runs {
		ro := opts
		if extra != nil {
			ro.Params = map[string]string{}
			for k, v := range opts.Params {
				ro.Params[k] = v
			}
			for k, v := range extra {
				ro.Params[k] = v
			}
		}
		p, err := pipeline.Load(files[0], ro)
		if err != nil {
			printProblems(e, files[0], err)
			code = exitUsage
			break
		}
		if len(runs) > 1 || inc != nil {
			fmt.Fprintf(e.stdout, "%s (%d of %d): %s\n", p.Name, i+1, len(runs), inc.describe(extra))
		}
		sum, err := runOnce(ctx, e, p, pipeline.RunOptions{
			DryRun:    *dry,
			DryRunOut: e.stdout,
			Logger:    logger,
			Ledger:    lg,
			Retry:     retry,
			Transport: func(conn string, api *registry.API) transport.Config {
				return transport.Config{Logger: logger, Limiter: limiter, Tokens: store}
			},
		})
		if sum != nil {
			for _, s := range sum.Steps {
				rs.Read += int(s.In)
				rs.Written += int(s.Written)
				rs.Skipped += int(s.Skipped)
				rs.Failed += int(s.Failed)
			}
		}
		if err != nil {
			rs.Error = err.Error()
			printProblems(e, files[0], err)
			code = exitCode(sum, err)
			break
		}
		code = max(code, exitCode(sum, nil))
		if inc != nil && !*dry {
			if err := inc.advance(ctx, store, sum, extra, logger); err != nil {
				logger.Warn("checkpoint", "pipeline", p.Name, "err", err.Error())
			}
		}
	}
	if ferr := store.FinishRun(context.WithoutCancel(ctx), runID, rs); ferr != nil {
		logger.Warn("record the end of the run", "err", ferr.Error())
	}
	if retry {
		reportRetry(ctx, e, store, outline.Name, failedBefore, rl)
	}
	return code
}

// runOnce runs a loaded pipeline once and prints its summary.
func runOnce(ctx context.Context, e *env, p *pipeline.Pipeline, ro pipeline.RunOptions) (*pipeline.Summary, error) {
	if ro.DryRun {
		ro.Ledger = nil // a dry run reads the ledger's world but records nothing
	}
	if isTerminal(e.stderr) {
		start := time.Now()
		var estimate time.Duration
		if plan, err := p.Plan(); err == nil {
			estimate = plan.Estimated
		}
		ro.Progress = func(pr pipeline.Progress) {
			fmt.Fprint(e.stderr, progressLine(p.Name, pr, time.Since(start), estimate))
		}
	}
	sum, err := p.Run(ctx, ro)
	if ro.Progress != nil {
		fmt.Fprintln(e.stderr)
	}
	if sum != nil {
		sum.Format(e.stdout)
	}
	return sum, err
}

// stateFlagDoc documents the --state flag.
const stateFlagDoc = "state database (default: " + defaultStateFile + " beside the pipeline file)"

// defaultStateFile is the state database of the pipelines of one directory. They share it, so
// that pipelines sharing an account also share its rate clock and cached tokens.
const defaultStateFile = ".specpipe.state.db"

// statePathOf is the state database of the pipeline file: the flag, or the directory's.
func statePathOf(flag, file string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(filepath.Dir(file), defaultStateFile)
}

// progressLine is the terminal's one-line progress: records done, API calls, elapsed time and, for a
// rate-limited run, the time left by the plan's estimate.
func progressLine(name string, pr pipeline.Progress, elapsed, estimate time.Duration) string {
	calls := 0
	for _, n := range pr.Calls {
		calls += n
	}
	line := fmt.Sprintf("\r%s: %d records, %d calls, step %s, %v elapsed", name, pr.Records, calls, pr.Step, elapsed.Round(time.Second))
	if estimate > 0 {
		left := estimate - elapsed
		if left < 0 {
			left = 0
		}
		line += fmt.Sprintf(", about %v left", left.Round(time.Second))
	}
	return line + "   "
}
