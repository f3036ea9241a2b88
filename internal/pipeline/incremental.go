package pipeline

import (
	"reflect"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// Incremental is a pipeline's incremental: block: a cron job syncs the days from its checkpoint
// (the last day fully synced) up to Until, at most MaxDays new days a run, and reads the last
// RereadDays days before the checkpoint again (late punches and corrections arrive days
// later). The runner (pipe run) sets the pipeline's date params to the days of the window and
// advances the checkpoint once every record up to a day is done or kept as failed.
type Incremental struct {
	// Param is a date param set to each day of the window in turn, one run per day; empty
	// when From and To are used.
	Param string
	// From and To are date params set to the window's first and last day, for one run over
	// the whole window; empty when Param is used.
	From, To string
	// Until is the last day to sync (midnight in the pipeline's zone; default yesterday).
	Until time.Time
	// Start is the first day to sync when there is no checkpoint yet (default Until).
	Start time.Time
	// MaxDays bounds the new days of one run (default 31).
	MaxDays int
	// RereadDays are the days up to the checkpoint read again (default 0).
	RereadDays int
}

// CheckpointName is the name of an incremental pipeline's checkpoint in the state store; its
// value is the last day fully synced, as 2006-01-02.
const CheckpointName = "incremental"

// Incremental returns the pipeline's incremental: block, nil when it has none.
func (p *Pipeline) Incremental() *Incremental { return p.incremental }

// Outline is what a runner needs of a pipeline before it binds it to run: its name, zone and
// incremental: block.
type Outline struct {
	Name        string
	Location    *time.Location
	Incremental *Incremental // nil when the pipeline has no incremental: block
}

// ReadOutline compiles the pipeline at path and checks it as [Validate] does (no secrets, no
// param needs a value), and returns its outline.
func ReadOutline(path string, opts LoadOptions) (*Outline, error) {
	c, err := Compile(path, opts)
	if err != nil {
		return nil, err
	}
	if err := c.Check(Binding{Params: opts.Params, Getenv: opts.Getenv, ReadFile: opts.ReadFile}); err != nil {
		return nil, err
	}
	return c.Outline(), nil
}

// Outline is the compiled pipeline's outline.
func (c *Compiled) Outline() *Outline {
	return &Outline{Name: c.p.Name, Location: c.p.loc, Incremental: c.p.incremental}
}

// Window returns the days a run syncs: from RereadDays before the day after the checkpoint
// (from Start, without a checkpoint) to at most MaxDays new days, and not past Until. ok is
// false when there is nothing to sync.
func (in *Incremental) Window(checkpoint time.Time, has bool) (first, last time.Time, ok bool) {
	first, next := in.Start, in.Start
	if has {
		next = checkpoint.AddDate(0, 0, 1)
		first = next.AddDate(0, 0, -in.RereadDays)
	}
	last = next.AddDate(0, 0, in.MaxDays-1)
	if last.After(in.Until) {
		last = in.Until
	}
	if first.After(last) {
		return first, last, false
	}
	return first, last, true
}

type incrementalYAML struct {
	Param      string     `yaml:"param"`
	From       string     `yaml:"from"`
	To         string     `yaml:"to"`
	Until      *yaml.Node `yaml:"until"`
	Start      *yaml.Node `yaml:"start"`
	MaxDays    *int       `yaml:"max_days"`
	RereadDays int        `yaml:"reread_days"`
}

// loadIncremental reads the incremental: block; the params it names must be declared dates.
func (l *loader) loadIncremental(n *yaml.Node) {
	if n == nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		l.d.Errorf(n, "incremental: want a mapping such as {param: day, max_days: 31, reread_days: 3}")
		return
	}
	var iy incrementalYAML
	l.d.Decode(n, &iy)
	in := &Incremental{Param: iy.Param, From: iy.From, To: iy.To, MaxDays: 31, RereadDays: iy.RereadDays}
	ok := true
	switch {
	case iy.Param != "" && (iy.From != "" || iy.To != ""):
		l.d.Errorf(n, "incremental: give param: (one run per day) or from: and to: (one run for the window), not both")
		ok = false
	case iy.Param == "" && (iy.From == "" || iy.To == ""):
		l.d.Errorf(n, "incremental: param: (a date param set to each day) or from: and to: (date params set to the first and last day) is required")
		ok = false
	}
	for _, key := range []string{"param", "from", "to"} {
		vn := yamlx.ValueNode(n, key)
		if vn == nil || vn.Value == "" {
			continue
		}
		var pr *param
		for _, p := range l.p.params {
			if p.name == vn.Value {
				pr = p
			}
		}
		switch {
		case pr == nil:
			l.d.Errorf(vn, "incremental: %s: the pipeline declares no param %q", key, vn.Value)
			ok = false
		case pr.typ != "date":
			l.d.Errorf(vn, "incremental: %s: param %s has type %s, want date", key, vn.Value, pr.typ)
			ok = false
		}
	}
	if iy.MaxDays != nil {
		if *iy.MaxDays < 1 {
			l.d.Errorf(yamlx.ValueNode(n, "max_days"), "incremental: max_days: want at least 1, got %d", *iy.MaxDays)
			ok = false
		}
		in.MaxDays = *iy.MaxDays
	}
	if iy.RereadDays < 0 {
		l.d.Errorf(yamlx.ValueNode(n, "reread_days"), "incremental: reread_days: want 0 or more, got %d", iy.RereadDays)
		ok = false
	}
	untilNode := iy.Until
	if untilNode == nil {
		untilNode = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "today() - duration('24h')", Line: n.Line, Column: n.Column}
	}
	until, uok := l.dayValue(untilNode, "until")
	in.Until, in.Start = until, until
	if iy.Start != nil {
		start, sok := l.dayValue(iy.Start, "start")
		in.Start = start
		uok = uok && sok
	}
	if ok && uok {
		l.p.incremental = in
	}
}

// dayValue evaluates an expression without records to a day (midnight in the pipeline's zone).
func (l *loader) dayValue(n *yaml.Node, what string) (time.Time, bool) {
	prog := l.c.Compile(n, eval.Scope{}, eval.WantAny)
	if prog == nil {
		return time.Time{}, false
	}
	if prog.Out != reflect.TypeFor[time.Time]() {
		l.d.Errorf(n, "incremental: %s: the expression is %s, want a time", what, eval.TypeName(prog.Out))
		return time.Time{}, false
	}
	out, err := eval.NewEvaluator(map[string]any{}).Run(prog)
	if err != nil {
		l.d.Errorf(n, "incremental: %s: %v", what, eval.UnwrapError(err))
		return time.Time{}, false
	}
	y, m, d := out.(time.Time).In(l.p.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, l.p.loc), true
}
