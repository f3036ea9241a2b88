package step

import "sync/atomic"

// inflight runs the I/O of a step's records on up to n goroutines at once, while the step's
// run gets its records one at a time on the run's goroutine and hands each on in the order it
// came: a reorder buffer. Process prepares a record (every expression is evaluated there, on
// the run's goroutine, with the run's evaluator) and adds it as a [job]; the job's I/O runs on
// a worker; finished jobs are settled in input order, on the run's goroutine: their counts go
// into the summary, their failures are reported through [Env.Later] and their records are
// emitted. Finish settles every job left; Close (when the stream stopped early) waits for the
// jobs in flight and settles them without emitting, so what they sent is recorded and counted.
//
// At most window jobs are pending (in flight or finished, not yet settled), and at most n
// run at once. Once a job's I/O stopped the run (an error that is not a record's failure), no
// job is started any more.
type inflight struct {
	env     Env
	window  int
	slots   chan struct{} // a token per job whose I/O runs
	pending []*job        // in input order
	stopped atomic.Bool   // a job's I/O returned an error that stops the run
	err     error         // the error that stopped the run, once settled
}

// job is one record's work.
type job struct {
	rec any
	// io is the record's I/O, run on a worker; nil: the job is done when it is added.
	io func() error
	// tally adds what the job counted to the step's summary, on the run's goroutine, in order,
	// whatever io returned; nil: nothing.
	tally func()
	// then hands the record on once io succeeded (emits it), on the run's goroutine, in order.
	then   func(emit func(any) error) error
	err    error
	done   chan struct{}
	settle func(error) error // from Env.Later
}

// newInflight keeps up to n jobs' I/O running (n < 1 is 1) and twice as many pending, so
// a slow record at the head does not idle the workers at once.
func newInflight(env Env, n int) *inflight {
	n = max(1, n)
	return &inflight{env: env, window: 2 * n, slots: make(chan struct{}, n)}
}

// add adds j after the jobs pending and starts its I/O when a worker is free. The jobs at the
// head are settled only when the window is full (and by finish), never as soon as they are
// done: when records go on, and so the order in which every later step sees them and fails
// them, depends on the records only, not on how fast each call was answered. It returns an
// error that stops the run.
func (q *inflight) add(j *job, emit func(any) error) error {
	j.settle = q.env.Later(j.rec) // first: settling emits records, which take later places
	if q.err != nil {
		return q.err
	}
	for len(q.pending) >= q.window {
		if err := q.settleHead(emit); err != nil {
			return err
		}
	}
	j.done = make(chan struct{})
	if j.io == nil {
		close(j.done)
		q.pending = append(q.pending, j)
		return nil
	}
	q.slots <- struct{}{} // a worker is free
	if q.stopped.Load() {
		// A job in flight stopped the run: nothing more is sent. The jobs before it go on,
		// and its error stops the run.
		<-q.slots
		return q.finish(emit)
	}
	if err := q.env.Stopped(); err != nil {
		// The run was stopped (a signal) while j waited for a worker: j is not sent, as a
		// record after the stop is not; Close settles the jobs in flight.
		<-q.slots
		return err
	}
	q.pending = append(q.pending, j)
	go func() {
		defer close(j.done)
		defer func() { <-q.slots }()
		j.err = j.io()
		if _, failed := FailedRecord(j.err); j.err != nil && !failed {
			q.stopped.Store(true)
		}
	}()
	return nil
}

// settleHead waits for the job at the head and settles it: its counts, its failure or its
// records. emit nil: the stream stopped, nothing is emitted.
func (q *inflight) settleHead(emit func(any) error) error {
	j := q.pending[0]
	<-j.done
	q.pending[0] = nil
	q.pending = q.pending[1:]
	if j.tally != nil {
		j.tally()
	}
	err := j.err
	if err == nil && j.then != nil && emit != nil {
		err = j.then(emit)
	}
	if err = j.settle(err); err != nil && q.err == nil {
		q.err = err
	}
	return err
}

// finish settles every pending job, in order; it returns the first error that stops the run.
func (q *inflight) finish(emit func(any) error) error {
	for len(q.pending) > 0 {
		if err := q.settleHead(emit); err != nil {
			q.drain()
			return err
		}
	}
	return q.err
}

// drain waits for the jobs in flight after the stream stopped and settles them without
// emitting: what they sent is counted, and their failures listed.
func (q *inflight) drain() {
	for len(q.pending) > 0 {
		_ = q.settleHead(nil) // the run stops already; the ledger keeps any intent
	}
}
