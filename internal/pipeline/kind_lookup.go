package pipeline

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
)

func lookupKind() kind {
	return kind{name: "lookup", doc: "index the records of the step before by a key, for lookup(\"id\", key) in later steps", compile: compileLookup}
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

func compileLookup(c *compileCtx, n *yaml.Node) (stepImpl, reflect.Type) {
	var ly lookupYAML
	c.decode(n, &ly)
	if ly.Key == nil {
		c.errorf(n, "step %s: lookup: key: is required", c.id)
		return nil, nil
	}
	k := c.compile(ly.Key, c.recScope(), eval.WantAny)
	if k == nil {
		return nil, nil
	}
	vt := c.in
	if vt.Kind() == reflect.Pointer {
		vt = vt.Elem()
	}
	c.declareLookup(vt)
	return &lookupStep{id: c.id, key: k, value: vt}, nil
}

type lookupRun struct {
	l     *lookupStep
	ev    *eval.Evaluator
	index reflect.Value
}

func (ls *lookupStep) start(e *stepEnv) (stepRun, error) {
	idx := reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), ls.value))
	e.bind(eval.LookupName(ls.id), idx.Interface())
	return &lookupRun{l: ls, ev: e.ev, index: idx}, nil
}

func (r *lookupRun) process(rec any, _ func(any) error) error {
	r.ev.Set("r", rec)
	k, err := r.ev.Run(r.l.key)
	if err != nil {
		return recordFailed(err)
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

func (r *lookupRun) finish(func(any) error) error { return nil }
