// Package step holds the pipelines' step kinds, each a component behind one small contract: a
// [Kind] declares its name and docs, whether a step of it starts a stream, and a constructor
// that compiles a step from its YAML configuration through a narrow [Compiler]; a compiled
// [Step] starts a [Run] per pipeline run, given an [Env]. Optional interfaces ([Planner],
// [Narrower], [WholeWriter], and for running records on several goroutines [Pure], [Preparer],
// [ParallelRun], [Holder]: stage.go) tell the engine what else a step does; the engine never
// asks for a step's type. A kind is one file and one row of [Kinds].
//
// The package imports the expression compiler (internal/eval) and the record codec
// (internal/record), never the engine (internal/pipeline), which implements Compiler and Env.
package step

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/state"
)

// Kind is a step kind.
type Kind struct {
	Name, Doc string
	// Source reports whether a step configured by n starts a stream (reads no records of the
	// step before it). Nil: it never does.
	Source func(n *yaml.Node) bool
	// Compile compiles a step configured by n. It returns the step and the type of the
	// records it emits (nil: none); problems go to c.Errorf, and a nil step is invalid (a
	// non-nil type still lets the steps after it be checked).
	Compile func(c Compiler, n *yaml.Node) (Step, reflect.Type)
	// Config is the Go form of the step's value (a struct with yaml tags, an expression as
	// *yaml.Node, or a map of them), from which the pipelines' JSON Schema is derived.
	Config reflect.Type
}

// Kinds is the table of step kinds, in the order the docs list them.
func Kinds() []Kind {
	return []Kind{readKind(), eachKind(), callKind(), mapKind(), filterKind(), groupKind(),
		lookupKind(), resolveKind(), writeKind(), outputKind()}
}

func always(*yaml.Node) bool { return true }

// exprType is the Config of a kind whose value is one expression.
var exprType = reflect.TypeFor[*yaml.Node]()

// Step is a compiled step. It holds no state of a run: Start makes a Run for one run.
type Step interface {
	Start(e Env) (Run, error)
}

// Run is one run of a step. For a source Process is called once with a nil record. Finish is
// called after the last record (a group emits its groups there). An error wrapped by
// [RecordFailed] fails the record and the run goes on; any other error stops the run. A Run
// that is an [io.Closer] is closed when its stream ends.
//
// The engine calls Process, Finish, Close and the emit function on one goroutine, and the
// Run's evaluator (Env.Eval) is not safe for concurrent use. (A [Pure] step's Runs are the
// exception the engine makes itself: it may start one for each goroutine of a parallel source
// and call each on its own goroutine; see stage.go.) A Run may do a record's I/O on
// goroutines of its own (a write step keeps up to its connection's concurrency requests in
// flight): the clients (Env.Client), the Ledger and the logger are safe for concurrent use,
// the rest of Env is not. Such a Run evaluates expressions on the engine's goroutine, or in an
// evaluator of each goroutine's own (Env.NewEvaluator, made on the engine's goroutine); it
// emits records and settles late outcomes (Env.Later) on the engine's goroutine, in input
// order; and it waits for its goroutines in Finish, and in Close when the stream stopped early.
type Run interface {
	Process(rec any, emit func(any) error) error
	Finish(emit func(any) error) error
}

// Conn is a connection a step calls through.
type Conn struct {
	Name string
	API  *registry.API
	// Concurrency is how many requests a write step, or a call per record, keeps in flight on
	// the connection (at least 1): the connection's concurrency:, else its API's default.
	Concurrency int
}

// Compiler is what a kind's constructor may use: its step's ID and input type, problems,
// expressions, connections and the record types.
type Compiler interface {
	ID() string
	In() reflect.Type // the records the step reads (nil: a source)
	Errorf(n *yaml.Node, format string, args ...any)
	Decode(n *yaml.Node, v any)
	Compile(n *yaml.Node, sc eval.Scope, w eval.Want) *eval.Program
	// ParamScope is the scope of expressions without records (params); RecScope adds r, the
	// input record.
	ParamScope() eval.Scope
	RecScope() eval.Scope
	// ExprMap compiles a mapping of names to expressions, in order.
	ExprMap(n *yaml.Node, sc eval.Scope, what string) ([]string, []*eval.Program, bool)
	// Operation finds the conn: and op: of a call, resolve or write step.
	Operation(n *yaml.Node, conn, op string) (*Conn, *registry.Op)
	// OpParams compiles the params: of op, checking their names and the required ones.
	OpParams(n *yaml.Node, conn *Conn, op *registry.Op, sc eval.Scope) ([]string, []*eval.Program, bool)
	Loc() *time.Location
	// Path resolves a file name against the pipeline's directory.
	Path(file string) string
	// RecordType finds a generated record type by name (kqapi.Punch) and the zone of its
	// times; known lists the names.
	RecordType(name string) (t reflect.Type, loc *time.Location, ok bool, known []string)
	// Narrowed is the fields the step's records keep, when an earlier compile narrowed them.
	Narrowed() ([]string, bool)
	// DeclareLookup lets later expressions call lookup(id, key) on records of type t;
	// DeclareResolver lets them call resolve(id, key), which gives a t.
	DeclareLookup(t reflect.Type)
	DeclareResolver(t reflect.Type)
}

// Env is what one run of a step may use: the run's context and options, its own evaluator
// (params and the lookups and resolvers of the steps before), its summary, the clients.
type Env interface {
	Context() context.Context
	ID() string
	Pipeline() string
	Eval() *eval.Evaluator
	Summary() *Summary
	Log() *slog.Logger
	Client(conn string) registry.Client
	// Bind binds name for the expressions of the steps that start after this one.
	Bind(name string, v any)
	// NewEvaluator is an evaluator of expressions without records (params).
	NewEvaluator() *eval.Evaluator
	// Fail counts and lists a failed record of a source and lets the run go on.
	Fail(err error) error
	// Later is called in Process for rec, the record being processed, when its outcome comes
	// after Process returned (a write in flight). The function it returns settles that
	// outcome: a failure ([RecordFailed]) is counted and listed with rec, in the place rec had
	// in the run (so the list is as a run of one write at a time would list it), and nil is
	// returned; any other error is returned (it stops the run).
	Later(rec any) func(error) error
	// Stopped is the error that stops the run before its next record (a signal), nil while
	// it goes on: a step that waited for a worker starts no new write once it is set.
	Stopped() error
	Ledger() Ledger // nil: no ledger
	DryRun() (bool, io.Writer)
	Retry() bool
}

// Summary counts the records of one step.
type Summary struct {
	ID, Kind string
	In       int64 // records received (for a read or call that starts a stream: records read)
	Out      int64 // records emitted
	Written  int64 // writes sent (or, in a dry run, that would be sent)
	Updated  int64 // of Written, updates of what an earlier write made
	Skipped  int64 // writes skipped because the ledger has them
	Adopted  int64 // records without a ledger entry found in the target (existing:) and adopted
	Failed   int64 // records that failed
}

// Ledger is the seam for exactly-once writes; a [state.Store] is one. A write step asks Get
// before sending; Intend is recorded before the call, Done or Fail after it.
//
// What a write step does with the entry it gets:
//
//   - none: the write is sent;
//   - [state.StatusDone] with the same payload hash: skipped; with another hash: left
//     (on_change: keep) or updated through the step's update operation (on_change: update);
//   - [state.StatusIntent]: an earlier call's outcome is unknown; it is reconciled before
//     anything is sent: the step's find lists the target, one match is adopted (Done with its
//     ID), none is sent again, several fail the record naming their IDs. Without find the
//     record fails;
//   - [state.StatusFailed] with the same payload hash: the record fails again without a call,
//     unless the run is a retry (Env.Retry, pipe retry); with another hash, or in a retry, it
//     is reconciled and sent.
//
// Implementations must be safe for concurrent use: the writes of a step in flight at once (its
// connection's concurrency) call it from their own goroutines, never two for one key at once.
// The pipeline name, step ID and the record's idempotency key identify an entry.
type Ledger interface {
	Get(ctx context.Context, pipeline, step, key string) (state.Entry, bool, error)
	Intend(ctx context.Context, e state.Entry) error
	Done(ctx context.Context, pipeline, step, key, targetID, payloadHash string) error
	Fail(ctx context.Context, pipeline, step, key string, payload []byte, msg string) error
}

var _ Ledger = state.Store(nil)

// Planner is a step that counts its calls for a plan, and says how many records it passes
// on. A step that is not a planner passes on an unknown number of records, unless assumed.
type Planner interface {
	Plan(ps *PlanState) (*PlanStep, error)
}

// PlanStep is one step that calls an API.
type PlanStep struct {
	ID, Kind  string
	Conn, Op  string // connection name and "api.operation"
	Calls     int    // calls known before the run (for a paged list, the first page)
	PerRecord bool   // one call per record of the step before (fan-out or write)
	Paged     bool   // every page is fetched: one more call per PageSize records
	PageSize  int
	Note      string
}

// PlanState is what a plan knows of the stream while it walks the steps.
type PlanState struct {
	ID      string // the step being planned
	Records int    // the records of the current stream, when known
	Known   bool
	Assume  map[string]int // --assume: records per step ID
	Params  any
}

// Assumed is the count --assume gives for the step's records.
func (st *PlanState) Assumed() (int, bool) {
	n, ok := st.Assume[st.ID]
	return n, ok
}

// AssumeCount makes an assumed count the stream's.
func (st *PlanState) AssumeCount() {
	if n, ok := st.Assumed(); ok {
		st.Records, st.Known = n, true
	}
}

// Evaluator evaluates expressions without records (params).
func (st *PlanState) Evaluator() *eval.Evaluator {
	return eval.NewEvaluator(map[string]any{"params": st.Params})
}

// pages is the pages of n records, size a page (at least one call).
func pages(n, size int) int {
	if size <= 0 {
		return 1
	}
	return max(1, (n+size-1)/size)
}

// Narrower is a step whose records can be narrowed, once every expression is compiled, to the
// fields expressions read: it prepares its run and returns the fields to keep (ok false: all
// of them).
type Narrower interface {
	Narrow(u Usage) (keep []string, ok bool)
}

// Usage is what the expressions of a pipeline read, for narrowers.
type Usage interface {
	Used(name string) bool
	UsedUnder(parent, name string) bool
	// WholeHolds reports whether some whole-record output writes records that contain
	// values of t.
	WholeHolds(t reflect.Type) bool
	// Final reports whether the records are narrowed already (the second compile):
	// narrowers prepare their run and keep what they have.
	Final() bool
}

// WholeWriter is a step that writes whole records of a type (an output without fields:): the
// records that contain them keep every field.
type WholeWriter interface {
	WholeRecords() reflect.Type
}

// ConfigError is a run that could not start because of its configuration (a bad base URL, a
// missing input file), or that stopped because its data cannot be used as it is (a lookup key
// that repeats): what a person must fix (exit 2).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// recordError fails one record; the run goes on.
type recordError struct {
	err error
}

func (e *recordError) Error() string { return e.err.Error() }
func (e *recordError) Unwrap() error { return e.err }

// RecordFailed wraps err so that it fails one record and the run goes on.
func RecordFailed(err error) error { return &recordError{err: err} }

// FailedRecord reports whether err fails one record, and its reason.
func FailedRecord(err error) (reason error, ok bool) {
	var re *recordError
	if errors.As(err, &re) {
		return re.err, true
	}
	return nil, false
}

// writeError is a failed write, with its idempotency key.
type writeError struct {
	key string
	err error
}

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// WriteKey is the idempotency key of a failed write, "" when err is not one.
func WriteKey(err error) string {
	var we *writeError
	if errors.As(err, &we) {
		return we.key
	}
	return ""
}

// EvalParams evaluates compiled parameters into the map a registry client takes.
func EvalParams(ev *eval.Evaluator, names []string, progs []*eval.Program) (map[string]any, error) {
	m := make(map[string]any, len(names))
	for i, p := range progs {
		v, err := ev.Run(p)
		if err != nil {
			return nil, err
		}
		m[names[i]] = v
	}
	return m, nil
}

// ValidIdent reports whether s is a name of letters, digits and _ (not starting with a digit).
func ValidIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}

// FieldType is the Go type of a declared field or param type (string, int, float, bool, date,
// datetime, duration).
func FieldType(name string) (reflect.Type, bool) {
	switch name {
	case "string":
		return reflect.TypeFor[string](), true
	case "int":
		return reflect.TypeFor[int](), true
	case "float":
		return reflect.TypeFor[float64](), true
	case "bool":
		return reflect.TypeFor[bool](), true
	case "date", "datetime":
		return reflect.TypeFor[time.Time](), true
	case "duration":
		return reflect.TypeFor[time.Duration](), true
	}
	return nil, false
}

// FieldTypeNames lists the declared types FieldType knows, sorted.
func FieldTypeNames() []string {
	names := []string{"string", "int", "float", "bool", "date", "datetime", "duration"}
	slices.Sort(names)
	return names
}
