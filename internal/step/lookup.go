package step

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/yamlx"
)

func lookupKind() Kind {
	return Kind{Name: "lookup", Doc: "index the records of the step before by a key, for lookup(\"id\", key) in later steps; a repeated key stops the run unless on_duplicate: first or last", Compile: compileLookup, Config: reflect.TypeFor[lookupYAML]()}
}

// lookupStep indexes the records of the step before it by a key, for lookup("id", key) and
// has_key("id", key) in later steps. Keys are compared as text.
//
// A key that repeats is a data error by default (on_duplicate: error): a mapping table with two
// rows for one account is ambiguous, and keeping either row silently books hours to someone
// chosen by file order. The run stops (exit 2) naming the key and both records' positions in
// the lookup's input, before any later step has used the index. on_duplicate: first keeps the
// first record of the key, last the last one (a table whose later rows correct earlier ones).
type lookupStep struct {
	id          string
	key         *eval.Program
	value       reflect.Type // the indexed record type (pointers are indexed by their value)
	onDuplicate string       // error, first or last
}

type lookupYAML struct {
	Key         *yaml.Node `yaml:"key"`
	OnDuplicate string     `yaml:"on_duplicate" enum:"error,first,last"`
}

func compileLookup(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	var ly lookupYAML
	c.Decode(n, &ly)
	if ly.Key == nil {
		c.Errorf(n, "step %s: lookup: key: is required", c.ID())
		return nil, nil
	}
	onDup := cmp.Or(ly.OnDuplicate, "error")
	if !slices.Contains([]string{"error", "first", "last"}, onDup) {
		c.Errorf(yamlx.ValueNode(n, "on_duplicate"), "step %s: lookup: on_duplicate: want error, first or last, got %q", c.ID(), ly.OnDuplicate)
	}
	k := c.Compile(ly.Key, c.RecScope(), eval.WantAny)
	if k == nil {
		return nil, nil
	}
	vt := c.In()
	if vt.Kind() == reflect.Pointer {
		vt = vt.Elem()
	}
	c.DeclareLookup(vt)
	return &lookupStep{id: c.ID(), key: k, value: vt, onDuplicate: onDup}, nil
}

type lookupRun struct {
	l     *lookupStep
	ev    *eval.Evaluator
	index reflect.Value
	n     int            // records received so far
	at    map[string]int // on_duplicate: error: the position (1-based) of each key's record
}

func (ls *lookupStep) Start(e Env) (Run, error) {
	idx := reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), ls.value))
	e.Bind(eval.LookupName(ls.id), idx.Interface())
	r := &lookupRun{l: ls, ev: e.Eval(), index: idx}
	if ls.onDuplicate == "error" {
		r.at = map[string]int{}
	}
	return r, nil
}

func (r *lookupRun) Process(rec any, _ func(any) error) error {
	r.n++
	r.ev.Set("r", rec)
	k, err := r.ev.Run(r.l.key)
	if err != nil {
		return RecordFailed(err)
	}
	ks := fmt.Sprint(k)
	kv := reflect.ValueOf(ks)
	if r.index.MapIndex(kv).IsValid() {
		switch r.l.onDuplicate {
		case "first":
			return nil
		case "error":
			return &ConfigError{Err: fmt.Errorf("step %s: lookup: key %q repeats: records %d and %d of the step's input both have it; "+
				"fix the data, or say on_duplicate: first or last to keep one", r.l.id, ks, r.at[ks], r.n)}
		}
	}
	if r.at != nil {
		r.at[ks] = r.n
	}
	v := reflect.ValueOf(rec)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	r.index.SetMapIndex(kv, v)
	return nil
}

func (r *lookupRun) Finish(func(any) error) error { return nil }
