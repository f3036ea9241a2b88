package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/ratelimit"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/retry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
	"github.com/specpipe/specpipe/internal/step"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// RunOptions configure one [Pipeline.Run].
type RunOptions struct {
	// DryRun performs the reads but no write: each write step decides, from the Ledger (read
	// only) and the target (its existing: and find: listings), what a real run would do with
	// each record now, and sends it to DryRunOut instead, one JSON line per record with its
	// action (create, update, unchanged, reconcile or fail).
	DryRun bool
	// DryRunOut receives a dry run's writes. Nil: they are discarded (the summary still counts them).
	DryRunOut io.Writer
	// Logger logs the run's progress. Nil: nothing is logged.
	Logger *slog.Logger
	// Transport gives per-connection transport settings (clock, limiter, HTTP client, logger).
	// The pipeline's own settings (min_interval, timeout, retries) are applied on top. Nil:
	// defaults.
	Transport func(conn string, api *registry.API) transport.Config
	// Progress, when set, is called about every ProgressEvery records and at the end of each
	// stream.
	Progress func(Progress)
	// ProgressEvery is how many records pass between Progress calls (0: 10000).
	ProgressEvery int
	// Ledger records writes for exactly-once delivery (the state store). Nil: no ledger; every
	// write is sent.
	Ledger Ledger
	// Retry sends the records the ledger has as failed again, after reconciling them (pipe
	// retry). Without it a failed record with an unchanged payload fails again without a call.
	Retry bool
}

// Progress is a snapshot of a running pipeline.
type Progress struct {
	Step    string         // the step that last received a record
	Records int64          // records read by all steps so far
	Calls   map[string]int // API calls per connection so far
}

// Summary reports a run: per step what went in and out, and the API calls per connection.
type Summary struct {
	Pipeline string
	Steps    []StepSummary
	// Calls counts the HTTP requests sent per connection, retries included.
	Calls map[string]int
	// Failed lists the records that failed, in order.
	Failed []FailedRecord
	// DryRun reports whether the run was a dry run.
	DryRun   bool
	Duration time.Duration
}

// StepSummary counts the records of one step.
type StepSummary = step.Summary

// FailedRecord is one record that failed, with the reason.
type FailedRecord struct {
	Step   string
	Key    string // the write's idempotency key, when known
	Record string // the record as JSON (shortened)
	Reason string
	// Fields are the vendor's field messages for a rejected write.
	Fields []transport.FieldError
}

// maxFailedKept bounds Summary.Failed and maxFailedLogged the failures logged; the counts
// stay exact.
const (
	maxFailedKept   = 1000
	maxFailedLogged = 100
)

// FailedRecords is the number of records that failed in the run.
func (s *Summary) FailedRecords() int64 {
	var n int64
	for _, st := range s.Steps {
		n += st.Failed
	}
	return n
}

// IsConfigError reports whether err is a problem of the pipeline's configuration: a load
// error ([yamlx.Errors]) or a [ConfigError] of a run. Other errors of a run mean it could not
// proceed (auth, the vendor down after retries, a cancelled context).
func IsConfigError(err error) bool {
	if _, ok := yamlx.AsErrors(err); ok {
		return true
	}
	var ce *ConfigError
	return errors.As(err, &ce)
}

// ConfigError is a run that could not start because of its configuration (a bad base URL, a
// missing input file).
type ConfigError = step.ConfigError

// runCtx is the state of one run (one goroutine). Steps see it through their [stepEnv].
type runCtx struct {
	ctx     context.Context
	p       *Pipeline
	opts    RunOptions
	clients map[string]registry.Client
	sum     *Summary
	log     *slog.Logger
	// bindings are what every step's evaluator starts with: params, and the lookups and
	// resolvers of the steps started so far.
	bindings map[string]any
	// kept are the records of the steps a later step reads by id (from:), until it has.
	kept map[string][]any

	mu    sync.Mutex
	calls map[string]int

	records int64
	failed  int64
}

// countingDoer counts the requests of one connection.
type countingDoer struct {
	next transport.Doer
	rc   *runCtx
	conn string
}

func (d *countingDoer) Do(r *http.Request) (*http.Response, error) {
	d.rc.mu.Lock()
	d.rc.calls[d.conn]++
	d.rc.mu.Unlock()
	return d.next.Do(r)
}

// readLater reports whether a step from index j on reads the records of step id.
func (rc *runCtx) readLater(id string, j int) bool {
	for _, s := range rc.p.steps[j:] {
		if s.from == id {
			return true
		}
	}
	return false
}

// evaluator is a new evaluator with the run's bindings.
func (rc *runCtx) evaluator() *eval.Evaluator { return eval.NewEvaluator(maps.Clone(rc.bindings)) }

// Run runs the pipeline: it streams records through the steps, in order, and returns what
// happened. Records that fail are counted and listed in the summary, and the run goes on; an
// error means the run could not proceed (a bad connection, the vendor down after retries, a
// cancelled context), with the summary of what was done until then.
func (p *Pipeline) Run(ctx context.Context, o RunOptions) (*Summary, error) {
	start := time.Now()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DryRunOut == nil {
		o.DryRunOut = io.Discard
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 10000
	}
	rc := &runCtx{
		ctx: ctx, p: p, opts: o, log: o.Logger,
		clients: map[string]registry.Client{},
		calls:   map[string]int{},
		sum:     &Summary{Pipeline: p.Name, DryRun: o.DryRun},
	}
	rc.bindings = map[string]any{"params": p.paramValues}
	rc.kept = map[string][]any{}
	if err := rc.connect(); err != nil {
		return rc.finish(start), err
	}
	for _, s := range p.steps {
		rc.sum.Steps = append(rc.sum.Steps, StepSummary{ID: s.id, Kind: s.kind})
	}
	// Run the streams in order: a stream starts at a source step (or a step that reads an
	// earlier step's records, from:) and takes every following step that reads the records of
	// the one before it.
	for i := 0; i < len(p.steps); {
		j := i + 1
		for j < len(p.steps) && p.steps[j].in != nil && p.steps[j].from == "" {
			j++
		}
		if err := rc.stream(i, j); err != nil {
			return rc.finish(start), err
		}
		i = j
	}
	return rc.finish(start), nil
}

// connect makes the client of every connection: the transport settings the runner gives
// (clock, limiter, HTTP client, tokens) with the pipeline's own (min_interval, timeout,
// retries) on top, and a counter of its requests. It is the one place clients are made.
func (rc *runCtx) connect() error {
	// Connections without a limiter of their own share one per clock, so two connections of
	// one kqapi account still keep its calls 20 s apart (limiter keys name API and credentials).
	limiters := map[clock.Clock]ratelimit.Limiter{}
	for _, c := range rc.p.conns {
		cfg := transport.Config{}
		if rc.opts.Transport != nil {
			cfg = rc.opts.Transport(c.name, c.api)
		}
		if cfg.Clock == nil {
			cfg.Clock = clock.Real{}
		}
		if cfg.Limiter == nil && !reflect.TypeOf(cfg.Clock).Comparable() {
			cfg.Limiter = ratelimit.NewMemory(cfg.Clock)
		}
		if cfg.Limiter == nil {
			if limiters[cfg.Clock] == nil {
				limiters[cfg.Clock] = ratelimit.NewMemory(cfg.Clock)
			}
			cfg.Limiter = limiters[cfg.Clock]
		}
		if cfg.HTTPClient == nil {
			cfg.HTTPClient = &http.Client{}
		}
		cfg.HTTPClient = &countingDoer{next: cfg.HTTPClient, rc: rc, conn: c.name}
		if c.settings.Transport.Timeout > 0 {
			cfg.Timeout = c.settings.Transport.Timeout
		}
		if len(c.settings.Transport.Intervals) > 0 {
			iv := map[string]time.Duration{}
			for k, v := range cfg.Intervals {
				iv[k] = v
			}
			for k, v := range c.settings.Transport.Intervals {
				iv[k] = v
			}
			cfg.Intervals = iv
		}
		if c.retries > 0 {
			cfg.Retry = retry.Policy{MaxAttempts: c.retries, Base: cfg.Retry.Base, Max: cfg.Retry.Max, Jitter: cfg.Retry.Jitter}
		}
		if cfg.Logger == nil {
			cfg.Logger = rc.log
		}
		s := c.settings
		s.Transport = cfg
		cl, err := c.api.New(s)
		if err != nil {
			return &ConfigError{Err: fmt.Errorf("connection %s (%s): %w", c.name, c.api.Name, err)}
		}
		rc.clients[c.name] = cl
		rc.calls[c.name] = 0
	}
	return nil
}

func (rc *runCtx) finish(start time.Time) *Summary {
	rc.mu.Lock()
	rc.sum.Calls = make(map[string]int, len(rc.calls))
	for k, v := range rc.calls {
		rc.sum.Calls[k] = v
	}
	rc.mu.Unlock()
	rc.sum.Duration = time.Since(start)
	return rc.sum
}

// stream runs steps [i, j) as one stream.
func (rc *runCtx) stream(i, j int) error {
	runs := make([]step.Run, j-i)
	for k := i; k < j; k++ {
		s := rc.p.steps[k]
		r, err := s.impl.Start(&stepEnv{id: s.id, ev: rc.evaluator(), sum: &rc.sum.Steps[k], rc: rc})
		if err != nil {
			for _, prev := range runs[:k-i] {
				closeRun(prev)
			}
			return fmt.Errorf("step %s: %w", rc.p.steps[k].id, err)
		}
		runs[k-i] = r
	}
	defer func() {
		for _, r := range runs {
			closeRun(r)
		}
	}()
	handlers := make([]func(any) error, j-i+1)
	handlers[j-i] = func(any) error { return nil }
	emits := make([]func(any) error, j-i)
	for k := j - 1; k >= i; k-- {
		st := &rc.sum.Steps[k]
		s := rc.p.steps[k]
		run := runs[k-i]
		next := handlers[k-i+1]
		emits[k-i] = func(rec any) error {
			st.Out++
			return next(rec)
		}
		if s.kept {
			// A later step reads these records by id: keep them for its stream.
			emits[k-i] = func(rec any) error {
				st.Out++
				rc.kept[s.id] = append(rc.kept[s.id], rec)
				return next(rec)
			}
		}
		emit := emits[k-i]
		handlers[k-i] = func(rec any) error {
			st.In++
			rc.records++
			if rc.opts.Progress != nil && rc.records%int64(rc.opts.ProgressEvery) == 0 {
				rc.progress(s.id)
			}
			if err := rc.ctx.Err(); err != nil {
				return err
			}
			return rc.check(s.id, st, rec, run.Process(rec, emit))
		}
	}
	src := rc.p.steps[i]
	if src.from != "" {
		kept := rc.kept[src.from]
		if !rc.readLater(src.from, j) {
			delete(rc.kept, src.from) // no later stream reads them
		}
		for _, rec := range kept {
			if err := handlers[0](rec); err != nil {
				return err
			}
		}
	} else if err := rc.check(src.id, &rc.sum.Steps[i], nil, runs[0].Process(nil, emits[0])); err != nil {
		return err
	}
	for k := i; k < j; k++ {
		if err := rc.check(rc.p.steps[k].id, &rc.sum.Steps[k], nil, runs[k-i].Finish(emits[k-i])); err != nil {
			return err
		}
	}
	for k := i; k < j; k++ {
		st := rc.sum.Steps[k]
		rc.log.Info("step done", "step", st.ID, "kind", st.Kind, "in", st.In, "out", st.Out,
			"written", st.Written, "skipped", st.Skipped, "failed", st.Failed)
	}
	if rc.opts.Progress != nil {
		rc.progress(rc.p.steps[j-1].id)
	}
	return nil
}

func closeRun(r step.Run) {
	if c, ok := r.(io.Closer); ok {
		c.Close()
	}
}

// check turns a record's failure into a counted, listed failure; other errors stop the run.
func (rc *runCtx) check(id string, st *StepSummary, rec any, err error) error {
	if err == nil {
		return nil
	}
	reason, ok := step.FailedRecord(err)
	if !ok {
		return err
	}
	st.Failed++
	rc.failed++
	switch {
	case rc.failed <= maxFailedLogged:
		rc.log.Warn("record failed", "step", id, "err", reason)
	case rc.failed == maxFailedLogged+1:
		rc.log.Warn("more records failed; the summary counts them", "logged", maxFailedLogged)
	}
	if len(rc.sum.Failed) < maxFailedKept {
		f := FailedRecord{Step: id, Record: recordJSON(rec), Reason: reason.Error(), Key: step.WriteKey(reason)}
		var ae *transport.APIError
		if errors.As(reason, &ae) {
			f.Fields = ae.Fields
		}
		rc.sum.Failed = append(rc.sum.Failed, f)
	}
	return nil
}

func (rc *runCtx) progress(stepID string) {
	rc.mu.Lock()
	calls := make(map[string]int, len(rc.calls))
	for k, v := range rc.calls {
		calls[k] = v
	}
	rc.mu.Unlock()
	rc.opts.Progress(Progress{Step: stepID, Records: rc.records, Calls: calls})
}

// recordJSON shows a record in a failure report.
func recordJSON(rec any) string {
	if rec == nil {
		return ""
	}
	b, err := json.Marshal(record.Map(rec))
	if err != nil {
		return fmt.Sprintf("%v", rec)
	}
	const max = 500
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// Format writes the summary as a table: per step, records in, out, written, skipped and failed;
// then the API calls per connection and the failed records.
func (s *Summary) Format(w io.Writer) {
	title := "run"
	if s.DryRun {
		title = "dry run"
	}
	fmt.Fprintf(w, "%s of %s (%s)\n", title, s.Pipeline, s.Duration.Round(time.Millisecond))
	written, skipped := "written", "skipped"
	if s.DryRun {
		written, skipped = "would write", "unchanged"
	}
	fmt.Fprintf(w, "  %-20s %-8s %10s %10s %10s %10s %10s\n", "step", "kind", "in", "out", written, skipped, "failed")
	for _, st := range s.Steps {
		fmt.Fprintf(w, "  %-20s %-8s %10d %10d %10d %10d %10d\n", st.ID, st.Kind, st.In, st.Out, st.Written, st.Skipped, st.Failed)
	}
	for _, st := range s.Steps {
		if s.DryRun && st.Kind == "write" {
			fmt.Fprintf(w, "step %s would create %d, update %d, leave %d unchanged; %d would fail\n", st.ID, st.Written-st.Updated, st.Updated, st.Skipped, st.Failed)
		}
		if st.Adopted > 0 {
			fmt.Fprintf(w, "warning: step %s: %d records had no ledger entry but exist in the target: adopted, not written again (was the state file lost, replaced or new?)\n", st.ID, st.Adopted)
		}
	}
	if len(s.Calls) > 0 {
		fmt.Fprintf(w, "API calls:\n")
		names := make([]string, 0, len(s.Calls))
		for k := range s.Calls {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %-20s %d\n", n, s.Calls[n])
		}
	}
	if len(s.Failed) > 0 {
		fmt.Fprintf(w, "failed records:\n")
		for _, f := range s.Failed {
			key := ""
			if f.Key != "" {
				key = " key " + f.Key
			}
			fmt.Fprintf(w, "  %s%s: %s\n", f.Step, key, f.Reason)
			if f.Record != "" {
				fmt.Fprintf(w, "    record %s\n", f.Record)
			}
		}
	}
}
