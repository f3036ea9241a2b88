package pipeline

import (
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/step"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// stepDef is one compiled step: its place in the pipeline and its kind's step.
type stepDef struct {
	id   string
	kind string
	pos  yamlx.Pos
	in   reflect.Type // the type of the records it reads (nil: a source)
	out  reflect.Type // the type of the records it emits (nil: emits none)
	impl step.Step
	// from is the earlier step whose records it reads (from:), instead of the step before's;
	// such a step starts a stream.
	from string
	// kept reports whether a later step reads its records by id: a run keeps them.
	kept bool
}

// loadSteps decodes and compiles the steps in order; each step sees the record type of the step
// before it.
func (l *loader) loadSteps(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		l.d.Errorf(n, "steps: want a list of steps")
		return
	}
	ids := map[string]bool{}
	var prev *stepDef
	for _, sn := range n.Content {
		s := l.loadStep(sn, prev, ids)
		if s == nil {
			// Keep checking later steps; they cannot know their input type.
			prev = &stepDef{kind: "invalid"}
			continue
		}
		l.p.steps = append(l.p.steps, s)
		prev = s
	}
}

func (l *loader) loadStep(n *yaml.Node, prev *stepDef, ids map[string]bool) *stepDef {
	if n.Kind != yaml.MappingNode {
		l.d.Errorf(n, "a step is a mapping with id: and one of %s", strings.Join(l.kindNames(), ", "))
		return nil
	}
	s := &stepDef{pos: l.d.At(n)}
	var kindKey, kindVal, fromVal *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "id":
			s.id = v.Value
			if !step.ValidIdent(s.id) {
				l.d.Errorf(v, "step id %q: an id is letters, digits and _", s.id)
			} else if ids[s.id] {
				l.d.Errorf(v, "step id %q is used twice", s.id)
			}
			ids[s.id] = true
		case "doc":
		case "from":
			fromVal = v
		default:
			if !slices.Contains(l.kindNames(), k.Value) {
				l.d.Errorf(k, "unknown step key %q%s", k.Value, eval.NearestText(k.Value, append([]string{"id", "doc", "from"}, l.kindNames()...), "keys"))
				continue
			}
			if kindKey != nil {
				l.d.Errorf(k, "a step has one kind: %s and %s both given", kindKey.Value, k.Value)
				continue
			}
			kindKey, kindVal = k, v
		}
	}
	if s.id == "" {
		l.d.Errorf(n, "a step needs an id:")
	}
	if kindKey == nil {
		l.d.Errorf(n, "step %s: no kind: give one of %s", s.id, strings.Join(l.kindNames(), ", "))
		return nil
	}
	s.kind = kindKey.Value
	k := l.kind(s.kind)
	source := k.Source != nil && k.Source(kindVal)
	switch {
	case fromVal != nil && source:
		l.d.Errorf(fromVal, "step %s: from: a %s step starts a stream of its own; from: is for a step that reads records", s.id, s.kind)
		return nil
	case fromVal != nil:
		from := l.earlier(fromVal, s.id, ids)
		if from == nil {
			return nil
		}
		from.kept = true
		s.from, s.in = from.id, from.out
	case !source:
		switch {
		case prev == nil:
			l.d.Errorf(kindKey, "step %s: a %s step reads the records of the step before it, and it is the first step (start with read or call)", s.id, s.kind)
			return nil
		case prev.kind == "invalid":
			return nil
		case prev.out == nil:
			l.d.Errorf(kindKey, "step %s: the step before it (%s, a %s step) emits no records; start a new stream with read or call", s.id, prev.id, prev.kind)
			return nil
		}
		s.in = prev.out
	}
	before := len(l.d.Errs)
	s.impl, s.out = k.Compile(&compileCtx{l: l, id: s.id, in: s.in, node: kindVal}, kindVal)
	if s.impl == nil || len(l.d.Errs) > before {
		// Later steps are still checked when this one's record type is known (a filter's,
		// an output's and a write's are those of their input).
		s.impl = nil
		if s.out == nil {
			return nil
		}
	}
	return s
}

// earlier finds the step a from: names: an earlier step that emits records. nil when there is
// none (reported), or it is invalid (reported where it is).
func (l *loader) earlier(n *yaml.Node, id string, ids map[string]bool) *stepDef {
	var names []string
	for _, s := range l.p.steps {
		if s.id == n.Value {
			if s.out == nil {
				l.d.Errorf(n, "step %s: from: step %s (a %s step) emits no records", id, s.id, s.kind)
				return nil
			}
			return s
		}
		if s.out != nil {
			names = append(names, s.id)
		}
	}
	if ids[n.Value] && n.Value != id {
		return nil // an earlier step with problems of its own
	}
	l.d.Errorf(n, "step %s: from: no earlier step %q%s", id, n.Value, eval.NearestText(n.Value, names, "steps"))
	return nil
}
