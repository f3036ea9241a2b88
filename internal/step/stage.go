package step

import "github.com/specpipe/specpipe/internal/eval"

// A source that makes its records on goroutines of its own (a JSON-lines read decodes blocks of
// lines on one goroutine per core) can also run there what the steps right after it do with
// each record when that depends on the record alone: filters, maps, and the key and order of a
// group. The engine gives such a source a stage function for its goroutines and gets each record
// back, with what the stage made of it, on its own goroutine and in input order, where it counts
// the records, lists the failures and runs the rest of the stream as before. The engine stages
// the records a step emits from its Finish (a group's groups) the same way, on goroutines of its
// own. A pipeline's outcome does not depend on whether its steps were staged.

// Pure is a step whose Run keeps nothing between records and calls no API: what it emits for a
// record depends on that record alone, it emits at most one record for each, before Process
// returns, and its Finish emits nothing. The engine may start a Run of a pure step for each
// goroutine of a [ParallelRun] and call their Process concurrently, one Run per goroutine, each
// with an evaluator of its own.
type Pure interface {
	Pure() bool
}

// ParallelRun is a source's Run that makes its records on several goroutines.
type ParallelRun interface {
	Run
	// Workers is how many goroutines ProcessStaged stages records on (0: it would use one,
	// and the engine calls Process).
	Workers() int
	// ProcessStaged is Process, calling st.Stage on goroutine w (0 <= w < Workers()) for each
	// record it makes, and on the engine's goroutine, in the order of the input, st.Ahead for
	// each of a batch of staged records and then st.Emit with each record of the batch and its
	// Staged. A Staged is the source's until Emit returns.
	ProcessStaged(st Stager) error
}

// Stager is what the engine gives a [ParallelRun].
type Stager interface {
	Stage(w int, rec any, s *Staged)
	// Ahead lets the engine start on a staged record before the records before it are
	// emitted (it reads ahead the memory the record's step will need).
	Ahead(s *Staged)
	Emit(rec any, s *Staged) error
	// Transient reports that nothing keeps a record once Emit has returned for it, so that
	// the source may make its records side by side in memory (record.Slab).
	Transient() bool
}

// Holder is a step that tells whether its Run may hold on to a record it takes after Process
// returns, other than by emitting it (a group of whole records does; a filter, a map of text
// and numbers and a group that keeps copies of fields do not). The engine tells a parallel
// source its records are transient only when every step that takes them says it holds none.
type Holder interface {
	Holds() bool
}

// Prefetcher is a [PreparedRun] that can read ahead, on the engine's goroutine, the memory
// ProcessPrepared will need for a prepared record, without changing anything (a group reads its
// index's slot and the group there), so that the misses of a batch overlap.
type Prefetcher interface {
	Prefetch(p *Prep)
}

// Staged is what a stage made of one record: how far the record went through the pure steps
// after the source, and what the step after them prepared of it.
type Staged struct {
	// Took is how many of the pure steps took the record; the last of them emitted Rec,
	// dropped it (Rec nil, Err nil) or failed it (Err, with In the record it took).
	Took int
	Rec  any
	Err  error
	In   any
	// Prepared reports that the step after the pure steps (a [Preparer]) prepared Rec into
	// Prep, or failed it in PrepErr.
	Prepared bool
	Prep     Prep
	PrepErr  error
}

// Reset clears s for the next record, keeping the buffer of its Prep.
func (s *Staged) Reset() {
	*s = Staged{Prep: Prep{buf: s.Prep.buf[:0]}}
}

// Preparer is a step whose work on a record starts with a part that depends on the record
// alone (a group's key and order, an output's JSON line), which the engine may run on the
// goroutines of a parallel source or of a burst (the records a step's Finish emits). A step that
// prepares makes no API call for a prepared record.
type Preparer interface {
	// Prepares reports whether the step prepares records (a step may not, as configured).
	Prepares() bool
	// Prepare computes that part of rec into p, with the goroutine's own evaluator. An error
	// fails the record as Process would.
	Prepare(ev *eval.Evaluator, rec any, p *Prep) error
}

// PreparedRun is the Run of a [Preparer]: ProcessPrepared is Process of a record that Prepare
// prepared (p is the caller's again once it returns).
type PreparedRun interface {
	Run
	ProcessPrepared(rec any, p *Prep, emit func(any) error) error
}
