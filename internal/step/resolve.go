package step

import (
	"fmt"
	"reflect"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/yamlx"
)

func resolveKind() Kind {
	return Kind{Name: "resolve", Doc: "turn a business key into an ID through a list call, cached for the run: resolve(\"id\", key)",
		Source: always, Compile: compileResolve, Config: reflect.TypeFor[resolveYAML]()}
}

// resolveStep turns business keys into IDs through a list call made once per run: resolve("id",
// key) in a later expression gives the value expression of the item whose key expression equals
// key. Keys are compared as text. A key that no item has fails the record (never guess an ID).
type resolveStep struct {
	id     string
	conn   *Conn
	op     *registry.Op
	names  []string
	params []*eval.Program
	key    *eval.Program
	value  *eval.Program
}

type resolveYAML struct {
	Conn   string     `yaml:"conn"`
	Op     string     `yaml:"op"`
	Params *yaml.Node `yaml:"params"`
	Key    *yaml.Node `yaml:"key"`
	Value  *yaml.Node `yaml:"value"`
}

func compileResolve(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	var ry resolveYAML
	c.Decode(n, &ry)
	conn, op := c.Operation(n, ry.Conn, ry.Op)
	if op == nil {
		return nil, nil
	}
	if op.Write {
		c.Errorf(yamlx.ValueNode(n, "op"), "step %s: resolve needs a list operation, and %s.%s changes data", c.ID(), conn.API.Name, op.Name)
		return nil, nil
	}
	names, progs, ok := c.OpParams(ry.Params, conn, op, c.ParamScope())
	isc := c.ParamScope().With("item", op.Record)
	if ry.Key == nil {
		c.Errorf(n, "step %s: resolve: key: is required (the business key of a listed item, e.g. item.number)", c.ID())
		return nil, nil
	}
	key := c.Compile(ry.Key, isc, eval.WantAny)
	valNode := ry.Value
	if valNode == nil {
		valNode = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "item.id", Line: n.Line, Column: n.Column}
	}
	val := c.Compile(valNode, isc, eval.WantAny)
	if !ok || key == nil || val == nil {
		return nil, nil
	}
	c.DeclareResolver(val.Out)
	return &resolveStep{id: c.ID(), conn: conn, op: op, names: names, params: progs, key: key, value: val}, nil
}

// plan counts the one list call.
func (rs *resolveStep) Plan(st *PlanState) (*PlanStep, error) {
	st.Records, st.Known = 0, false
	return &PlanStep{Conn: rs.conn.Name, Op: rs.conn.API.Name + "." + rs.op.Name, Calls: 1, Paged: rs.op.Paged,
		PageSize: rs.op.PageSize, Note: "once, when a record first needs it"}, nil
}

type resolveRun struct{}

func (resolveRun) Process(any, func(any) error) error { return nil }
func (resolveRun) Finish(func(any) error) error       { return nil }

// NoItemError is a resolve of a key that the resolver's list call lists no item of.
type NoItemError struct {
	Resolver, Op, Key string
}

func (e *NoItemError) Error() string {
	return fmt.Sprintf("resolve %s: %s lists no item with key %q", e.Resolver, e.Op, e.Key)
}

func (rs *resolveStep) Start(e Env) (Run, error) {
	var index map[string]reflect.Value
	vt := rs.value.Out
	ft := eval.ResolverFuncType(vt)
	errType := reflect.TypeFor[error]()
	fail := func(err error) []reflect.Value {
		return []reflect.Value{reflect.Zero(vt), reflect.ValueOf(&err).Elem().Convert(errType)}
	}
	load := func() error {
		ev := e.NewEvaluator()
		params, err := EvalParams(ev, rs.names, rs.params)
		if err != nil {
			return err
		}
		index = map[string]reflect.Value{}
		for item, err := range e.Client(rs.conn.Name).Call(e.Context(), rs.op.Name, params, rs.op.Paged) {
			if err != nil {
				return fmt.Errorf("resolve %s: %s.%s: %w", rs.id, rs.conn.API.Name, rs.op.Name, err)
			}
			ev.Set("item", item)
			k, err := ev.Run(rs.key)
			if err != nil {
				return err
			}
			v, err := ev.Run(rs.value)
			if err != nil {
				return err
			}
			ks := fmt.Sprint(k)
			if _, dup := index[ks]; !dup {
				index[ks] = reflect.ValueOf(v)
			}
		}
		return nil
	}
	// The workers of a write step call it from their own evaluators: one call at a time loads
	// the index and reads it.
	var mu sync.Mutex
	fn := reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		mu.Lock()
		defer mu.Unlock()
		if index == nil {
			if err := load(); err != nil {
				index = nil
				return fail(err)
			}
		}
		key := args[0].String()
		v, ok := index[key]
		if !ok {
			return fail(&NoItemError{Resolver: rs.id, Op: rs.conn.API.Name + "." + rs.op.Name, Key: key})
		}
		return []reflect.Value{v, reflect.Zero(errType)}
	})
	e.Bind(eval.ResolverName(rs.id), fn.Interface())
	return resolveRun{}, nil
}
