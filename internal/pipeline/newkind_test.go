package pipeline

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
	"github.com/specpipe/specpipe/internal/step"
)

// shoutKind is a step kind that only this test knows: shout: EXPR makes one record {text} per
// record, the expression's text in capitals. It is written as every kind is, from the exported
// contract of package step alone (its docs, its configuration, a constructor given a
// step.Compiler, a run given a step.Env), outside that package; TestKindFromOneFile adds it to
// the table with one row and nothing else.
func shoutKind() step.Kind {
	return step.Kind{Name: "shout", Doc: "the text of an expression in capitals", Compile: compileShout}
}

type shoutStep struct {
	prog *eval.Program
	out  reflect.Type
}

func compileShout(c step.Compiler, n *yaml.Node) (step.Step, reflect.Type) {
	p := c.Compile(n, c.RecScope(), eval.WantAny)
	if p == nil {
		return nil, nil
	}
	if p.Out.Kind() != reflect.String {
		c.Errorf(n, "step %s: shout: want text, got %s", c.ID(), eval.TypeName(p.Out))
		return nil, nil
	}
	s := &shoutStep{prog: p, out: reflect.PointerTo(record.StructOf([]string{"text"}, []reflect.Type{p.Out}))}
	return s, s.out
}

type shoutRun struct {
	s   *shoutStep
	env step.Env
}

func (s *shoutStep) Start(e step.Env) (step.Run, error) { return &shoutRun{s: s, env: e}, nil }

func (r *shoutRun) Process(rec any, emit func(any) error) error {
	r.env.Eval().Set("r", rec)
	x, err := r.env.Eval().Run(r.s.prog)
	if err != nil {
		return step.RecordFailed(err)
	}
	out := reflect.New(r.s.out.Elem())
	out.Elem().Field(0).SetString(strings.ToUpper(x.(string)))
	return emit(out.Interface())
}

func (r *shoutRun) Finish(func(any) error) error { return nil }

// TestKindFromOneFile checks that a step kind is one file and one table row: the kind above,
// written outside package step, loads (its expression type-checked against the records before it, its field read narrowing
// the read), runs (with its own evaluator and summary), plans, and is named in the problems of
// a misspelt step, with nothing of the engine edited for it.
func TestKindFromOneFile(t *testing.T) {
	path, tmp := writePipeline(t, `
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: loud
    shout: r.realname
  - id: out
    output: {file: "{{tmp}}/loud.jsonl"}
`)
	opts := testOpts()
	opts.kinds = append(step.Kinds(), shoutKind())
	p := mustLoad(t, path, opts)
	sum := mustRun(t, p, RunOptions{})
	want := []StepSummary{
		{ID: "punches", Kind: "read", In: 8, Out: 8},
		{ID: "loud", Kind: "shout", In: 8, Out: 8},
		{ID: "out", Kind: "output", In: 8, Out: 8},
	}
	if d := cmp.Diff(want, sum.Steps); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	recs := readJSONL(t, filepath.Join(tmp, "loud.jsonl"))
	if len(recs) != 8 || recs[0]["text"] != "LI LEI" {
		t.Errorf("records %v, want 8 with text LI LEI first", recs)
	}
	if got := p.steps[0].impl.(interface{ DecodedFields() []string }).DecodedFields(); !cmp.Equal(got, []string{"realname"}) {
		t.Errorf("the read decodes %v, want only realname (what shout reads)", got)
	}
	plan, err := p.Plan()
	if err != nil || len(plan.Steps) != 0 {
		t.Errorf("plan: %+v, %v; want no calls", plan, err)
	}

	bad, _ := writePipeline(t, `
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: wrong
    shout: r.atten_time
  - id: loud
    shuot: r.realname
`)
	err = Validate(bad, opts)
	for _, msg := range []string{`unknown step key "shuot" (did you mean shout`, "step wrong: shout: want text, got a time"} {
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Validate: %v, want %q", err, msg)
		}
	}
	if _, err := Load(path, testOpts()); err == nil || !strings.Contains(err.Error(), `unknown step key "shout"`) {
		t.Errorf("without the row, Load: %v; want shout unknown", err)
	}
}
