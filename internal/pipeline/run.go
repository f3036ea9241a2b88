package pipeline

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/ratelimit"
	"github.com/specpipe/specpipe/internal/runtime/registry"
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
	// Progress, when set, is called after every API call, about every ProgressEvery records and
	// at the end of each stream, on the run's goroutine.
	Progress func(Progress)
	// ProgressEvery is how many records pass between Progress calls (0: 10000).
	ProgressEvery int
	// Ledger records writes for exactly-once delivery (the state store). Nil: no ledger; every
	// write is sent.
	Ledger Ledger
	// Retry sends the records the ledger has as failed again, after reconciling them (pipe
	// retry). Without it a failed record with an unchanged payload fails again without a call.
	Retry bool
	// Stop, when done, stops the run before the next record: the record in flight (and its
	// write) goes on with Run's context, so its outcome is recorded, and Run returns
	// context.Cause(Stop). Nil: only Run's context stops the run.
	Stop context.Context
	// serial runs every step on the run's goroutine, staging nothing (stage.go): the tests
	// compare a run with it against one without.
	serial bool
}

// Progress is a snapshot of a running pipeline.
type Progress struct {
	Step    string         // the step at work: the one making a call, or that last received a record
	Records int64          // records read by all steps so far
	Calls   map[string]int // API calls per connection so far
	// Conn is the connection of the last call, StepCalls the calls Step has made so far; At
	// is when the last call returned.
	Conn      string
	StepCalls int
	At        time.Time
	// Page is where Step's current page walk stands (Page.Of: the pages the vendor said it
	// has, 0 unknown); zero when Step walks no pages.
	Page transport.Page
}

// Summary reports a run: per step what went in and out, and the API calls per connection.
type Summary struct {
	Pipeline string
	// Params are the run's param values, in the order the pipeline declares them.
	Params []ParamValue
	Steps  []StepSummary
	// Calls counts the HTTP requests sent per connection, retries included.
	Calls map[string]int
	// Failed lists the records that failed, in order.
	Failed []FailedRecord
	// DryRun reports whether the run was a dry run.
	DryRun   bool
	Duration time.Duration
}

// ParamValue is one param of a run and its value as text (a date as 2006-01-02).
type ParamValue struct {
	Name, Value string
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
	// step is the id of the innermost step at work (see [Progress.Step]); stepCalls counts
	// the calls of each step so far.
	step      atomic.Pointer[string]
	stepCalls map[string]int
	pages     map[string]transport.Page // per step, where its page walk stands
	lastConn  string
	lastAt    time.Time

	records int64
	failed  int64
	// failedAt is, for each of sum.Failed, the place of its failure in the run's order: the
	// value of records when the failing step received the record. A write in flight fails
	// after the records behind it moved on; finish puts the list in the order a run of one
	// write at a time fails them.
	failedAt []int64
}

// working makes id the step at work while f runs.
func (rc *runCtx) working(id *string, f func() error) error {
	prev := rc.step.Swap(id)
	err := f()
	rc.step.Store(prev)
	return err
}

// stepAt is the id of the step at work ("" before the first).
func (rc *runCtx) stepAt() string {
	if id := rc.step.Load(); id != nil {
		return *id
	}
	return ""
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
		calls:   map[string]int{}, stepCalls: map[string]int{}, pages: map[string]transport.Page{},
		sum: &Summary{Pipeline: p.Name, DryRun: o.DryRun, Params: p.ParamValues()},
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
		if err := rc.stopped(); err != nil {
			return rc.finish(start), err
		}
		if err := rc.checkResolves(i, j); err != nil {
			return rc.finish(start), err
		}
		if err := rc.stream(i, j); err != nil {
			return rc.finish(start), err
		}
		i = j
	}
	return rc.finish(start), nil
}

// connect makes the client of every connection through the registry: the transport settings
// the runner gives (clock, limiter, HTTP client, tokens) are what the run's clients share, the
// connection's own (min_interval, timeout, retries, concurrency) go on top, and the run counts the requests.
// It is the one place clients are made.
func (rc *runCtx) connect() error {
	// Connections without a limiter of their own share one per clock, so two connections of
	// one kqapi account still keep its calls 20 s apart (limiter keys name API and credentials).
	limiters := map[clock.Clock]ratelimit.Limiter{}
	for _, c := range rc.p.conns {
		sh := registry.Shared{OnRequest: rc.counter(c.name), OnAnswer: rc.answered(c.name)}
		if rc.opts.Transport != nil {
			sh.Transport = rc.opts.Transport(c.name, c.api)
		}
		if sh.Transport.Clock == nil {
			sh.Transport.Clock = clock.Real{}
		}
		if clk := sh.Transport.Clock; sh.Transport.Limiter == nil && reflect.TypeOf(clk).Comparable() {
			if limiters[clk] == nil {
				limiters[clk] = ratelimit.NewMemory(clk)
			}
			sh.Transport.Limiter = limiters[clk]
		}
		if sh.Transport.Logger == nil {
			sh.Transport.Logger = rc.log
		}
		s := c.settings
		s.Transport.Retry.MaxAttempts = c.retries
		// The transport bounds the requests in flight by the connection's concurrency and
		// halves the bound while the vendor answers 429/503 (transport.Config.MaxInFlight).
		s.Transport.MaxInFlight = c.ref.Concurrency
		cl, err := c.api.Connect(s, sh)
		if err != nil {
			return &ConfigError{Err: fmt.Errorf("connection %s (%s): %w", c.name, c.api.Name, err)}
		}
		rc.clients[c.name] = cl
		rc.calls[c.name] = 0
	}
	return nil
}

// counter counts the requests of connection conn.
func (rc *runCtx) counter(conn string) func() {
	return func() {
		rc.mu.Lock()
		rc.calls[conn]++
		rc.mu.Unlock()
	}
}

// answered counts an answered call of connection conn for the step at work and reports
// progress.
func (rc *runCtx) answered(conn string) func() {
	return func() {
		rc.mu.Lock()
		rc.stepCalls[rc.stepAt()]++
		rc.lastConn, rc.lastAt = conn, time.Now()
		rc.mu.Unlock()
		if rc.opts.Progress != nil {
			rc.progress("")
		}
	}
}

func (rc *runCtx) finish(start time.Time) *Summary {
	rc.mu.Lock()
	rc.sum.Calls = make(map[string]int, len(rc.calls))
	for k, v := range rc.calls {
		rc.sum.Calls[k] = v
	}
	rc.mu.Unlock()
	rc.sum.Duration = time.Since(start)
	rc.sortFailed()
	return rc.sum
}

// sortFailed puts the failed records in the order of their places (see failedAt).
func (rc *runCtx) sortFailed() {
	idx := make([]int, len(rc.sum.Failed))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(rc.failedAt[a], rc.failedAt[b]) })
	sorted := make([]FailedRecord, len(idx))
	at := make([]int64, len(idx))
	for i, j := range idx {
		sorted[i], at[i] = rc.sum.Failed[j], rc.failedAt[j]
	}
	rc.sum.Failed, rc.failedAt = sorted, at
}

// stream runs steps [i, j) as one stream.
func (rc *runCtx) stream(i, j int) error {
	runs := make([]step.Run, j-i)
	for k := i; k < j; k++ {
		s := rc.p.steps[k]
		r, err := s.impl.Start(&stepEnv{id: s.id, ctx: rc.stepContext(s.id), ev: rc.evaluator(), sum: &rc.sum.Steps[k], rc: rc})
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
			if err := rc.took(s.id, st); err != nil {
				return err
			}
			return rc.check(s.id, st, rec, rc.working(&s.id, func() error { return run.Process(rec, emit) }))
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
	} else {
		source := func() error { return runs[0].Process(nil, emits[0]) }
		sg, par, err := rc.sourceStaging(i, j, runs, emits, handlers)
		if err != nil {
			return err
		}
		if sg != nil {
			defer sg.close()
			source = func() error { return par.ProcessStaged(sg) }
		}
		if err := rc.check(src.id, &rc.sum.Steps[i], nil, rc.working(&src.id, source)); err != nil {
			return err
		}
	}
	for k := i; k < j; k++ {
		if err := rc.finishStep(i, k, j, runs, emits, handlers); err != nil {
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

// finishStep finishes step k of stream [i, j) (runs are the stream's Runs, emits their emit
// functions and handlers their record handlers), staging the records it emits when steps after
// it can be staged.
func (rc *runCtx) finishStep(i, k, j int, runs []step.Run, emits, handlers []func(any) error) error {
	s := rc.p.steps[k]
	emit := emits[k-i]
	var b *burst
	if k > i && !rc.opts.serial {
		n := runtime.GOMAXPROCS(0)
		sg, err := rc.newStaging(i, k, j, n, runs, emits, handlers)
		if err != nil {
			return err
		}
		if sg != nil {
			b = newBurst(sg, n)
			defer b.close()
			emit = b.emit
		}
	}
	if err := rc.check(s.id, &rc.sum.Steps[k], nil, rc.working(&s.id, func() error { return runs[k-i].Finish(emit) })); err != nil {
		return err
	}
	if b != nil {
		return b.flush()
	}
	return nil
}

// took counts a record that step id takes (st its summary), reports progress, and returns the
// error that stops the run before the step processes it.
func (rc *runCtx) took(id string, st *StepSummary) error {
	st.In++
	rc.records++
	if rc.opts.Progress != nil && rc.records%int64(rc.opts.ProgressEvery) == 0 {
		rc.progress(id)
	}
	return rc.stopped()
}

// stopped is the error that stops the run before the next record: Run's context done, or
// RunOptions.Stop.
func (rc *runCtx) stopped() error {
	if err := rc.ctx.Err(); err != nil {
		return err
	}
	if rc.opts.Stop != nil && rc.opts.Stop.Err() != nil {
		return context.Cause(rc.opts.Stop)
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
	return rc.checkAt(id, st, rec, err, rc.records)
}

// checkAt is check of a record the step received when the run's records counted at.
func (rc *runCtx) checkAt(id string, st *StepSummary, rec any, err error, at int64) error {
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
	// The list keeps the first maxFailedKept places: a late failure may take the place of
	// the last one listed.
	i := len(rc.sum.Failed)
	if i == maxFailedKept {
		i = 0
		for j, a := range rc.failedAt {
			if a > rc.failedAt[i] {
				i = j
			}
		}
		if rc.failedAt[i] <= at {
			return nil
		}
	}
	f := FailedRecord{Step: id, Record: recordJSON(rec), Reason: reason.Error(), Key: step.WriteKey(reason)}
	var ae *transport.APIError
	if errors.As(reason, &ae) {
		f.Fields = ae.Fields
	}
	if i == len(rc.sum.Failed) {
		rc.sum.Failed, rc.failedAt = append(rc.sum.Failed, f), append(rc.failedAt, at)
	} else {
		rc.sum.Failed[i], rc.failedAt[i] = f, at
	}
	return nil
}

// progress reports the run's progress; stepID is the step that received a record ("": the
// step at work).
func (rc *runCtx) progress(stepID string) {
	rc.mu.Lock()
	calls := maps.Clone(rc.calls)
	if stepID == "" {
		stepID = rc.stepAt()
	}
	pr := Progress{Step: stepID, Records: rc.records, Calls: calls, Conn: rc.lastConn, StepCalls: rc.stepCalls[stepID], At: rc.lastAt, Page: rc.pages[stepID]}
	rc.mu.Unlock()
	rc.opts.Progress(pr)
}

// stepContext is the context of step id's I/O: its page walks tell the run where they stand.
func (rc *runCtx) stepContext(id string) context.Context {
	if rc.opts.Progress == nil {
		return rc.ctx
	}
	return transport.WithPageTrace(rc.ctx, func(pg transport.Page) {
		rc.mu.Lock()
		rc.pages[id] = pg
		rc.mu.Unlock()
		rc.progress(id)
	})
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

// ParamValues are the bound pipeline's params and their values as text, in declaration order.
func (p *Pipeline) ParamValues() []ParamValue {
	out := make([]ParamValue, len(p.params))
	for i, pr := range p.params {
		out[i] = ParamValue{Name: pr.name, Value: paramText(pr)}
	}
	return out
}

// FailureGroup is the failed records of one step that failed for one reason.
type FailureGroup struct {
	Step, Reason string
	Count        int
	// Examples are the group's first few failed records.
	Examples []FailedRecord
}

// maxExamples bounds the examples of a [FailureGroup].
const maxExamples = 3

// FailureGroups groups the failed records kept by step and reason, in the order each group's
// first record failed.
func (s *Summary) FailureGroups() []FailureGroup {
	var out []FailureGroup
	at := map[[2]string]int{}
	for _, f := range s.Failed {
		k := [2]string{f.Step, f.Reason}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, FailureGroup{Step: f.Step, Reason: f.Reason})
		}
		g := &out[i]
		g.Count++
		if len(g.Examples) < maxExamples {
			g.Examples = append(g.Examples, f)
		}
	}
	return out
}

// header is the summary's first line: what ran, with which params, and how long it took.
func (s *Summary) header() string {
	title := "run"
	if s.DryRun {
		title = "dry run"
	}
	h := title + " of " + s.Pipeline
	if len(s.Params) > 0 {
		var ps []string
		for _, p := range s.Params {
			ps = append(ps, p.Name+"="+p.Value)
		}
		h += " (" + strings.Join(ps, " ") + ")"
	}
	return h + " in " + humanDuration(s.Duration)
}

// humanDuration shows a run's duration to a reader: 850ms, 12.3s, 4m05s, 1h02m.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// Format writes the summary as a table: per step, records in, out, written, skipped and failed;
// then the API calls per connection and the failed records, one entry per step and reason.
func (s *Summary) Format(w io.Writer) {
	fmt.Fprintln(w, s.header())
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
		for _, n := range slices.Sorted(maps.Keys(s.Calls)) {
			fmt.Fprintf(w, "  %-20s %d\n", n, s.Calls[n])
		}
	}
	if len(s.Failed) == 0 {
		return
	}
	fmt.Fprintf(w, "failed records:\n")
	for _, g := range s.FailureGroups() {
		if g.Count == 1 {
			f := g.Examples[0]
			key := ""
			if f.Key != "" {
				key = " key " + f.Key
			}
			fmt.Fprintf(w, "  %s%s: %s\n", f.Step, key, f.Reason)
			if f.Record != "" {
				fmt.Fprintf(w, "    record %s\n", f.Record)
			}
			continue
		}
		fmt.Fprintf(w, "  %s: %d records: %s\n", g.Step, g.Count, g.Reason)
		var ex []string
		for _, f := range g.Examples {
			if f.Key != "" {
				ex = append(ex, f.Key)
			} else if f.Record != "" {
				ex = append(ex, f.Record)
			}
		}
		if len(ex) > 0 {
			more := ""
			if g.Count > len(ex) {
				more = fmt.Sprintf(", and %d more", g.Count-len(ex))
			}
			fmt.Fprintf(w, "    e.g. %s%s\n", strings.Join(ex, "; "), more)
		}
	}
	if n := s.FailedRecords(); n > int64(len(s.Failed)) {
		fmt.Fprintf(w, "  (%d more failed records are counted, not listed)\n", n-int64(len(s.Failed)))
	}
}
