package step

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
)

func lookupKind() Kind {
	return Kind{Name: "lookup", Doc: "index the records of the step before by a key, for lookup(\"id\", key) in later steps", Compile: compileLookup, Config: reflect.TypeFor[lookupYAML]()}
}

// lookupStep indexes the records of the step before it by a key, for lookup("id", key) and
// has_key("id", key) in later steps. The first record of a key wins. Keys are compared as text.
type lookupStep struct {
	id    string
	key   *eval.Program
	value reflect.Type // the indexed record type (pointers are indexed by their value)
}

type lookupYAML struct {
	Key *yaml.Node `yaml:"key"`
}

func compileLookup(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	var ly lookupYAML
	c.Decode(n, &ly)
	if ly.Key == nil {
		c.Errorf(n, "step %s: lookup: key: is required", c.ID())
		return nil, nil
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
	return &lookupStep{id: c.ID(), key: k, value: vt}, nil
}

type lookupRun struct {
	l     *lookupStep
	ev    *eval.Evaluator
	index reflect.Value
}

func (ls *lookupStep) Start(e Env) (Run, error) {
	idx := reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), ls.value))
	e.Bind(eval.LookupName(ls.id), idx.Interface())
	return &lookupRun{l: ls, ev: e.Eval(), index: idx}, nil
}

func (r *lookupRun) Process(rec any, _ func(any) error) error {
	r.ev.Set("r", rec)
	k, err := r.ev.Run(r.l.key)
	if err != nil {
		return RecordFailed(err)
	}
	ks := fmt.Sprint(k)
	kv := reflect.ValueOf(ks)
	if r.index.MapIndex(kv).IsValid() {
		return nil
	}
	v := reflect.ValueOf(rec)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	r.index.SetMapIndex(kv, v)
	return nil
}

func (r *lookupRun) Finish(func(any) error) error { return nil }
