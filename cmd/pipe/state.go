package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/specpipe/specpipe/generated"
	"github.com/specpipe/specpipe/internal/pipeline"
	"github.com/specpipe/specpipe/internal/state"
)

// cmdState prints what the state store knows of pipelines: checkpoints, ledger counts, the
// lock holder and the last runs. Without a file it shows every pipelines/*.yaml.
func cmdState(ctx context.Context, e *env, args []string) int {
	if len(args) > 0 && args[0] == "copy" {
		return cmdStateCopy(ctx, e, args[1:])
	}
	fs, _ := flagSet(e, "state")
	statePath := fs.String("state", "", stateFlagDoc)
	runs := fs.Int("runs", 5, "how many of the last runs to show")
	files, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) == 0 {
		files, _ = filepath.Glob(filepath.Join("pipelines", "*.yaml"))
		if len(files) == 0 {
			return errf(e, exitUsage, "state needs a pipeline file (there is no pipelines/*.yaml here)")
		}
	}
	code := exitOK
	for i, f := range files {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		if c := showState(ctx, e, f, *statePath, *runs); c > code {
			code = c
		}
	}
	return code
}

func showState(ctx context.Context, e *env, file, statePath string, nRuns int) int {
	o, err := pipeline.ReadOutline(file, pipeline.LoadOptions{Getenv: e.getenv, APIs: generated.APIs()})
	if err != nil {
		printProblems(e, file, err)
		return exitUsage
	}
	path := statePathOf(e, statePath, file)
	fmt.Fprintf(e.stdout, "pipeline %s (%s, state %s)\n", o.Name, file, state.ShownLocation(path))
	store, code := openExisting(ctx, e, path)
	if store == nil {
		return code
	}
	defer store.Close()
	st, err := store.Stats(ctx, o.Name)
	if err != nil {
		return errf(e, exitCannot, "%v", err)
	}
	if len(st.Checkpoints) == 0 {
		fmt.Fprintln(e.stdout, "  checkpoints: none")
	} else {
		var cps []string
		for k, v := range st.Checkpoints {
			cps = append(cps, k+"="+v)
		}
		fmt.Fprintf(e.stdout, "  checkpoints: %s\n", strings.Join(slices.Sorted(slices.Values(cps)), ", "))
	}
	if in := o.Incremental; in != nil {
		fmt.Fprintf(e.stdout, "  incremental: up to %s, at most %d days a run, re-reading %d\n", in.Until.Format(time.DateOnly), in.MaxDays, in.RereadDays)
	}
	fmt.Fprintf(e.stdout, "  ledger: %d done, %d pending (outcome unknown), %d failed\n", st.Done, st.Pending, st.Failed)
	fmt.Fprintf(e.stdout, "  lock: %s\n", describeLock(st.Lock, time.Now()))
	rs, err := store.Runs(ctx, o.Name, nRuns)
	if err != nil {
		return errf(e, exitCannot, "%v", err)
	}
	if len(rs) == 0 {
		fmt.Fprintln(e.stdout, "  runs: none")
		return exitOK
	}
	fmt.Fprintln(e.stdout, "  last runs:")
	for _, r := range rs {
		end := "running, or died"
		if !r.Finished.IsZero() {
			end = "took " + r.Finished.Sub(r.Started).Round(time.Millisecond).String()
		}
		if r.DryRun {
			fmt.Fprintf(e.stdout, "    #%d %s pid %d on %s, %s: dry run: read %d, would write %d, unchanged %d, would fail %d\n",
				r.ID, r.Started.Format(time.RFC3339), r.PID, r.Host, end, r.Read, r.Written, r.Skipped, r.Failed)
		} else {
			fmt.Fprintf(e.stdout, "    #%d %s pid %d on %s, %s: read %d, written %d, skipped %d, failed %d\n",
				r.ID, r.Started.Format(time.RFC3339), r.PID, r.Host, end, r.Read, r.Written, r.Skipped, r.Failed)
		}
		if r.Error != "" {
			fmt.Fprintf(e.stdout, "      error: %s\n", r.Error)
		}
	}
	return exitOK
}

// openExisting opens the state store at path to read it; a state file must exist (reading
// commands do not create one) and may be read-only. It returns nil and the exit code when
// there is none.
func openExisting(ctx context.Context, e *env, path string) (*state.DB, int) {
	if _, err := os.Stat(path); err != nil && !state.IsPostgres(path) {
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintln(e.stdout, "  no state yet: the pipeline has not run")
			return nil, exitOK
		}
		return nil, errf(e, exitCannot, "state %s: %v", state.ShownLocation(path), err)
	}
	store, err := openStateToRead(ctx, e, path)
	if err != nil {
		return nil, errf(e, exitCannot, "open state: %v", err)
	}
	return store, exitOK
}

// cmdFailed lists the failed records of a pipeline with their errors (the vendor's field
// messages included), and the writes whose outcome is unknown.
func cmdFailed(ctx context.Context, e *env, args []string) int {
	fs, _ := flagSet(e, "failed")
	statePath := fs.String("state", "", stateFlagDoc)
	payload := fs.Bool("payload", false, "show the payload of each failed write")
	files, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) != 1 {
		return errf(e, exitUsage, "failed needs one pipeline file")
	}
	o, err := pipeline.ReadOutline(files[0], pipeline.LoadOptions{Getenv: e.getenv, APIs: generated.APIs()})
	if err != nil {
		printProblems(e, files[0], err)
		return exitUsage
	}
	store, code := openExisting(ctx, e, statePathOf(e, *statePath, files[0]))
	if store == nil {
		return code
	}
	defer store.Close()
	failed, err := store.Failed(ctx, o.Name)
	if err != nil {
		return errf(e, exitCannot, "%v", err)
	}
	pending, err := store.Pending(ctx, o.Name, "")
	if err != nil {
		return errf(e, exitCannot, "%v", err)
	}
	fmt.Fprintf(e.stdout, "%s: %d failed records\n", o.Name, len(failed))
	for _, en := range failed {
		printEntry(e.stdout, en, *payload)
	}
	if len(pending) > 0 {
		fmt.Fprintf(e.stdout, "%d writes whose outcome is unknown (the next run reconciles them):\n", len(pending))
		for _, en := range pending {
			printEntry(e.stdout, en, *payload)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintln(e.stdout, retryHint(files[0], o.Incremental))
	}
	return exitOK
}

// retryHint tells how to send the failed records of file again. A retry reads its records
// again and sends the failed ones it meets, so it must cover their days: an incremental
// pipeline run without its day params reads only the days after its checkpoint, which are not
// the days that failed.
func retryHint(file string, in *pipeline.Incremental) string {
	switch {
	case in == nil:
		return "fix the cause, then: pipe retry " + file
	case in.Param != "":
		return fmt.Sprintf("fix the cause, then send them again with the days they failed on: pipe retry %s --param %s=DAY "+
			"(without --param a retry reads only the days after the checkpoint)", file, in.Param)
	}
	return fmt.Sprintf("fix the cause, then send them again with the days they failed on: pipe retry %s --param %s=DAY --param %s=DAY "+
		"(without --param a retry reads only the days after the checkpoint)", file, in.From, in.To)
}

func printEntry(w io.Writer, en state.Entry, payload bool) {
	attempts := fmt.Sprintf("%d attempts", en.Attempts)
	if en.Attempts == 1 {
		attempts = "1 attempt"
	}
	fmt.Fprintf(w, "  %s key %s (%s, last %s)\n", en.Step, en.Key, attempts, en.Updated.Format(time.RFC3339))
	if en.Error != "" {
		fmt.Fprintf(w, "    error: %s\n", en.Error)
	}
	if en.TargetID != "" {
		fmt.Fprintf(w, "    target: %s\n", en.TargetID)
	}
	if payload && len(en.Payload) > 0 {
		fmt.Fprintf(w, "    payload: %s\n", en.Payload)
	}
}

// cmdRetry reruns a pipeline with its failed records allowed to be sent again: each is
// reconciled (the write step's find) and sent when the target does not have it.
func cmdRetry(ctx context.Context, e *env, args []string) int {
	return runPipeline(ctx, e, "retry", args)
}

// retryLedger is the ledger of a retry run (with [pipeline.RunOptions.Retry]): it remembers the
// keys of the failed entries the run met, for the report.
type retryLedger struct {
	pipeline.Ledger
	mu  sync.Mutex      // the writes of a step in flight call Get at once
	met map[string]bool // step + "\x00" + key
}

func (l *retryLedger) Get(ctx context.Context, pl, step, key string) (state.Entry, bool, error) {
	en, ok, err := l.Ledger.Get(ctx, pl, step, key)
	if ok && en.Status == state.StatusFailed {
		l.mu.Lock()
		l.met[step+"\x00"+key] = true
		l.mu.Unlock()
	}
	return en, ok, err
}

// reportRetry tells what became of the records that had failed before a retry run.
func reportRetry(ctx context.Context, e *env, store state.Store, name string, before []state.Entry, rl *retryLedger) {
	still, err := store.Failed(ctx, name)
	if err != nil {
		fmt.Fprintf(e.stderr, "pipe: %v\n", err)
		return
	}
	var notMet []string
	for _, en := range before {
		if !rl.met[en.Step+"\x00"+en.Key] {
			notMet = append(notMet, en.Step+" "+en.Key)
		}
	}
	fmt.Fprintf(e.stdout, "retry of %s: %d failed records before, %d met by this run, %d still failed\n",
		name, len(before), len(before)-len(notMet), len(still))
	if len(notMet) > 0 {
		fmt.Fprintf(e.stdout, "%d failed records were not met (their records were not read by this run; give --param to cover them):\n", len(notMet))
		for i, k := range notMet {
			if i == 20 {
				fmt.Fprintf(e.stdout, "  ... and %d more (pipe failed lists them)\n", len(notMet)-i)
				break
			}
			fmt.Fprintf(e.stdout, "  %s\n", k)
		}
	}
}

// incRun runs an incremental pipeline over the days from its checkpoint.
type incRun struct {
	name       string
	in         *pipeline.Incremental
	loc        *time.Location
	checkpoint time.Time
	has        bool
	stuck      bool // a day was not settled: the checkpoint stays before it
}

// incrementalRuns returns the incremental runner of o, nil when o has no incremental: block
// or the command line gives its day params (a manual run leaves the checkpoint alone).
func incrementalRuns(o *pipeline.Outline, params map[string]string) *incRun {
	in := o.Incremental
	if in == nil {
		return nil
	}
	for _, p := range []string{in.Param, in.From, in.To} {
		if _, given := params[p]; given && p != "" {
			return nil
		}
	}
	return &incRun{name: o.Name, in: in, loc: o.Location}
}

// plan reads the checkpoint and returns the params of each run: one per day (param:) or one
// for the window (from:, to:). No runs: the pipeline is up to date.
func (r *incRun) plan(ctx context.Context, store state.Store, w io.Writer) ([]map[string]string, error) {
	v, has, err := store.Checkpoint(ctx, r.name, pipeline.CheckpointName)
	if err != nil {
		return nil, err
	}
	if has {
		if r.checkpoint, err = time.ParseInLocation(time.DateOnly, v, r.loc); err != nil {
			return nil, fmt.Errorf("the checkpoint of %s is %q, not a day", r.name, v)
		}
		r.has = true
	}
	first, last, ok := r.in.Window(r.checkpoint, r.has)
	if !ok {
		fmt.Fprintf(w, "%s: up to date (synced to %s, until %s)\n", r.name, v, r.in.Until.Format(time.DateOnly))
		return nil, nil
	}
	if r.in.Param == "" {
		return []map[string]string{{r.in.From: first.Format(time.DateOnly), r.in.To: last.Format(time.DateOnly)}}, nil
	}
	var runs []map[string]string
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		runs = append(runs, map[string]string{r.in.Param: d.Format(time.DateOnly)})
	}
	return runs, nil
}

// describe names the days of one run.
func (r *incRun) describe(params map[string]string) string {
	switch {
	case r == nil:
		return ""
	case r.in.Param != "":
		return "day " + params[r.in.Param]
	}
	return "days " + params[r.in.From] + " to " + params[r.in.To]
}

// advance moves the checkpoint to the last day of a run when every record up to it is done or
// kept as failed (see settled).
func (r *incRun) advance(ctx context.Context, store state.Store, sum *pipeline.Summary, params map[string]string, log *slog.Logger) error {
	if r.stuck {
		return nil
	}
	day := params[r.in.Param]
	if r.in.Param == "" {
		day = params[r.in.To]
	}
	ok, why, err := settled(ctx, store, r.name, sum)
	if err != nil {
		return err
	}
	if !ok {
		r.stuck = true
		log.Warn("checkpoint not advanced", "pipeline", r.name, "day", day, "reason", why)
		return nil
	}
	d, err := time.ParseInLocation(time.DateOnly, day, r.loc)
	if err != nil {
		return err
	}
	if r.has && !d.After(r.checkpoint) {
		return nil
	}
	if err := store.SetCheckpoint(ctx, r.name, pipeline.CheckpointName, day); err != nil {
		return err
	}
	r.checkpoint, r.has = d, true
	return nil
}

// settled reports whether every record of a run is done or kept as failed in the ledger, and
// no write of the pipeline has an unknown outcome; if not, why.
func settled(ctx context.Context, store state.Store, name string, sum *pipeline.Summary) (bool, string, error) {
	pending, err := store.Pending(ctx, name, "")
	if err != nil {
		return false, "", err
	}
	if len(pending) > 0 {
		return false, fmt.Sprintf("%d writes have an unknown outcome (pipe failed lists them)", len(pending)), nil
	}
	var failed int64
	for _, st := range sum.Steps {
		failed += st.Failed
	}
	if failed > int64(len(sum.Failed)) {
		return false, "more records failed than the summary lists", nil
	}
	for _, f := range sum.Failed {
		if f.Key == "" {
			return false, fmt.Sprintf("a record failed in step %s before any write: %s", f.Step, f.Reason), nil
		}
		en, ok, err := store.Get(ctx, name, f.Step, f.Key)
		if err != nil {
			return false, "", err
		}
		if !ok || en.Status != state.StatusFailed {
			return false, fmt.Sprintf("record %s of step %s failed and is not kept in the ledger: %s", f.Key, f.Step, f.Reason), nil
		}
	}
	return true, "", nil
}
