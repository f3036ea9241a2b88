package pipeline

import (
	"errors"
	"fmt"
	"sync"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/step"
)

// staging runs, on the goroutines of a parallel source (step.ParallelRun) or of a burst (the
// records a step emits from its Finish, a group's groups), the pure steps right after the step
// that emits and the preparation of the step after them (step.Preparer), and replays on the
// run's goroutine, in the order of the records, what a stream of one goroutine does: the counts,
// the progress, the failures in their places, and the rest of the stream.
type staging struct {
	rc       *runCtx
	k        int        // the index of the step that emits the records
	pure     []*stepDef // steps k+1 .. k+len(pure)
	workers  [][]step.Run
	outs     []collector
	emitTo   []func(any) error // outs[w].emit, made once (a method value per call allocates)
	prep     step.Preparer     // the step after the pure ones, nil when it does not prepare
	prepRun  step.PreparedRun
	prefetch step.Prefetcher // prepRun, when it reads ahead
	prepEvs  []*eval.Evaluator
	// prepEmit is the emit of the preparer's Run, next the handler of the step after the pure
	// ones (when it does not prepare).
	prepEmit func(any) error
	next     func(any) error
	// transient reports that no step that takes the records holds them (step.Holder): the
	// pure steps and the preparer, which emits records of its own.
	transient bool
}

// collector takes the one record a pure step emits for a record.
type collector struct {
	rec any
	n   int
}

func (c *collector) emit(rec any) error {
	c.rec = rec
	c.n++
	return nil
}

// errManyOut is a pure step that emitted more than one record for a record.
var errManyOut = errors.New("emitted more than one record for one record")

// newStaging sets up the staging, on n goroutines, of what step k of stream [i, j) emits (runs
// are the stream's Runs, emits their emit functions and handlers their record handlers); nil
// when no step after it can be staged.
func (rc *runCtx) newStaging(i, k, j, n int, runs []step.Run, emits, handlers []func(any) error) (*staging, error) {
	if rc.p.steps[k].kept {
		return nil, nil
	}
	sg := &staging{rc: rc, k: k}
	m := k + 1
	for ; m < j; m++ {
		s := rc.p.steps[m]
		if p, ok := s.impl.(step.Pure); !ok || !p.Pure() || s.kept {
			break
		}
		sg.pure = append(sg.pure, s)
	}
	if m < j {
		p, isPrep := rc.p.steps[m].impl.(step.Preparer)
		pr, isRun := runs[m-i].(step.PreparedRun)
		if isPrep && isRun && p.Prepares() {
			sg.prep, sg.prepRun, sg.prepEmit = p, pr, emits[m-i]
			sg.prefetch, _ = pr.(step.Prefetcher)
		}
	}
	if len(sg.pure) == 0 && sg.prep == nil {
		return nil, nil
	}
	sg.transient = sg.prep != nil && !holds(sg.prep)
	for _, s := range sg.pure {
		sg.transient = sg.transient && !holds(s.impl)
	}
	sg.outs = make([]collector, n)
	for w := range n {
		sg.emitTo = append(sg.emitTo, sg.outs[w].emit)
		var wr []step.Run
		for x, s := range sg.pure {
			r, err := s.impl.Start(&stepEnv{id: s.id, ctx: rc.stepContext(s.id), ev: rc.evaluator(), sum: &rc.sum.Steps[k+1+x], rc: rc})
			if err != nil {
				sg.workers = append(sg.workers, wr)
				sg.close()
				return nil, fmt.Errorf("step %s: %w", s.id, err)
			}
			wr = append(wr, r)
		}
		sg.workers = append(sg.workers, wr)
		if sg.prep != nil {
			sg.prepEvs = append(sg.prepEvs, rc.evaluator())
		}
	}
	sg.next = handlers[m-i]
	return sg, nil
}

// sourceStaging is the staging of the parallel source of stream [i, j), nil when its source
// does not make records in parallel or nothing after it can be staged.
func (rc *runCtx) sourceStaging(i, j int, runs []step.Run, emits, handlers []func(any) error) (*staging, step.ParallelRun, error) {
	src, ok := runs[0].(step.ParallelRun)
	if !ok || src.Workers() < 1 || rc.opts.serial {
		return nil, nil, nil
	}
	sg, err := rc.newStaging(i, i, j, src.Workers(), runs, emits, handlers)
	return sg, src, err
}

// holds reports whether step s may hold the records it takes (a step that does not say may).
func holds(s any) bool {
	h, ok := s.(step.Holder)
	return !ok || h.Holds()
}

// Transient reports that nothing keeps a record once Emit has returned for it.
func (sg *staging) Transient() bool { return sg.transient }

// close closes the goroutines' Runs.
func (sg *staging) close() {
	for _, wr := range sg.workers {
		for _, r := range wr {
			closeRun(r)
		}
	}
}

// Stage runs the pure steps on rec, and prepares what they emit, on goroutine w.
func (sg *staging) Stage(w int, rec any, s *step.Staged) {
	s.Rec = rec
	c := &sg.outs[w]
	for k, r := range sg.workers[w] {
		s.Took = k + 1
		c.rec, c.n = nil, 0
		err := r.Process(s.Rec, sg.emitTo[w])
		switch {
		case err == nil && c.n > 1:
			err = fmt.Errorf("step %s: %w", sg.pure[k].id, errManyOut)
			fallthrough
		case err != nil:
			s.Err, s.In, s.Rec = err, s.Rec, nil
			return
		case c.n == 0:
			s.Rec = nil
			return
		}
		s.Rec = c.rec
	}
	c.rec = nil
	if sg.prep != nil {
		s.Prepared = true
		s.PrepErr = sg.prep.Prepare(sg.prepEvs[w], s.Rec, &s.Prep)
	}
}

// Ahead reads ahead for a record staged into s, when its preparer can.
func (sg *staging) Ahead(s *step.Staged) {
	if sg.prefetch != nil && s.Prepared && s.PrepErr == nil {
		sg.prefetch.Prefetch(&s.Prep)
	}
}

// Emit does on the run's goroutine what the stream does with the record rec the step emitted,
// which was staged into s.
func (sg *staging) Emit(rec any, s *step.Staged) error {
	rc := sg.rc
	rc.sum.Steps[sg.k].Out++
	for k, p := range sg.pure {
		if k == s.Took {
			break
		}
		st := &rc.sum.Steps[sg.k+1+k]
		if err := rc.took(p.id, st); err != nil {
			return err
		}
		if k == s.Took-1 {
			if s.Err != nil {
				return rc.check(p.id, st, s.In, s.Err)
			}
			if s.Rec == nil {
				return nil
			}
		}
		st.Out++
	}
	if !s.Prepared {
		return sg.next(s.Rec)
	}
	m := sg.k + 1 + len(sg.pure)
	p, st := rc.p.steps[m], &rc.sum.Steps[m]
	if err := rc.took(p.id, st); err != nil {
		return err
	}
	if s.PrepErr != nil {
		return rc.check(p.id, st, s.Rec, s.PrepErr)
	}
	// A prepared record makes no API call: the step at work stays the one that emitted it.
	return rc.check(p.id, st, s.Rec, sg.prepRun.ProcessPrepared(s.Rec, &s.Prep, sg.prepEmit))
}

// burstSize is how many records a burst stages at a time.
const burstSize = 1024

// burst stages the records a step emits from its Finish (a group's groups) in batches, on
// goroutines of its own, started with the first full batch.
type burst struct {
	sg    *staging
	n     int // goroutines
	work  chan *batch
	queue []*batch // dispatched, in order, not yet replayed
	free  []*batch
	cur   *batch
	wg    sync.WaitGroup
}

type batch struct {
	recs   []any
	staged []step.Staged
	done   chan struct{}
}

func newBurst(sg *staging, n int) *burst { return &burst{sg: sg, n: n} }

// emit takes a record the step emits.
func (b *burst) emit(rec any) error {
	if b.cur == nil {
		if k := len(b.free); k > 0 {
			b.cur, b.free = b.free[k-1], b.free[:k-1]
		} else {
			b.cur = &batch{}
		}
	}
	b.cur.recs = append(b.cur.recs, rec)
	if len(b.cur.recs) < burstSize {
		return nil
	}
	return b.dispatch()
}

// dispatch hands the current batch to the goroutines, and replays the oldest batches while
// more than two per goroutine are out.
func (b *burst) dispatch() error {
	bt := b.cur
	b.cur = nil
	if b.work == nil {
		b.work = make(chan *batch, 2*b.n+1)
		for w := range b.n {
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				for bt := range b.work {
					for x, rec := range bt.recs {
						b.sg.Stage(w, rec, &bt.staged[x])
					}
					close(bt.done)
				}
			}()
		}
	}
	if n := len(bt.recs); cap(bt.staged) >= n {
		bt.staged = bt.staged[:n] // reset when they were replayed
	} else {
		bt.staged = make([]step.Staged, n)
	}
	bt.done = make(chan struct{})
	b.queue = append(b.queue, bt)
	b.work <- bt
	for len(b.queue) > 2*b.n {
		if err := b.replayOldest(); err != nil {
			return err
		}
	}
	return nil
}

// flush stages what is left and replays every batch.
func (b *burst) flush() error {
	if b.cur != nil && len(b.cur.recs) > 0 {
		if err := b.dispatch(); err != nil {
			return err
		}
	}
	for len(b.queue) > 0 {
		if err := b.replayOldest(); err != nil {
			return err
		}
	}
	return nil
}

func (b *burst) replayOldest() error {
	bt := b.queue[0]
	b.queue = b.queue[1:]
	<-bt.done
	for x := range bt.staged {
		b.sg.Ahead(&bt.staged[x])
	}
	for x, rec := range bt.recs {
		err := b.sg.Emit(rec, &bt.staged[x])
		bt.staged[x].Reset()
		bt.recs[x] = nil
		if err != nil {
			return err
		}
	}
	bt.recs = bt.recs[:0]
	b.free = append(b.free, bt)
	return nil
}

// close stops the goroutines, once they have staged what they were given.
func (b *burst) close() {
	if b.work != nil {
		close(b.work)
		b.wg.Wait()
	}
	b.sg.close()
}
