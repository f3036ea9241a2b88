package pipeline

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/specpipe/specpipe/internal/step"
)

// Plan is what a run will call, per step and per connection, and what the vendors' rate limits
// make of it, computed before anything is sent.
type Plan struct {
	Pipeline string
	Steps    []PlanStep
	Conns    []PlanConn
	// Estimated is the least time the run's known calls take under the rate limits.
	Estimated time.Duration
}

// PlanStep is one step that calls an API.
type PlanStep = step.PlanStep

// PlanConn sums the calls of one connection.
type PlanConn struct {
	Name, API string
	Calls     int           // calls known before the run
	PerRecord bool          // some calls depend on the number of records
	Interval  time.Duration // the longest minimum interval between calls (rate limits)
	Limit     string        // the rate limit's name
	Wait      time.Duration // Calls × Interval: each call takes a slot of the limit (the first may wait for an earlier run's call)
}

// PlanOptions tune a plan.
type PlanOptions struct {
	// Assume gives the number of records a step yields, by step ID, for the steps whose count
	// depends on the data (a paged call, a read, a filter, a group): with it, per-page and
	// per-record calls become counts (pipe plan --assume punches=7200).
	Assume map[string]int
}

// Plan lists the calls the run will make per connection, the waits the vendors' rate limits
// impose on them (kqapi: one call per 20 s per account) and the estimated duration. Calls that
// depend on data (one per page, per record) are marked; the estimate counts the known ones.
func (p *Pipeline) Plan() (*Plan, error) { return p.PlanWith(PlanOptions{}) }

// PlanWith is Plan with record counts: each steps are evaluated (they depend only on the params)
// and o.Assume gives the records of data-dependent steps, so per-record calls are counted.
func (p *Pipeline) PlanWith(o PlanOptions) (*Plan, error) {
	for id := range o.Assume {
		if !slices.ContainsFunc(p.steps, func(s *stepDef) bool { return s.id == id }) {
			var ids []string
			for _, s := range p.steps {
				ids = append(ids, s.id)
			}
			return nil, fmt.Errorf("--assume %s: the pipeline has no step %q (steps: %s)", id, id, strings.Join(ids, ", "))
		}
	}
	pl := &Plan{Pipeline: p.Name}
	byConn := map[string]*PlanConn{}
	for _, c := range p.conns {
		pc := PlanConn{Name: c.name, API: c.api.Name}
		for _, rl := range c.api.RateLimits {
			iv := rl.Interval
			if o, ok := c.settings.Transport.Intervals[rl.Name]; ok {
				iv = o
			}
			if iv > pc.Interval {
				pc.Interval, pc.Limit = iv, rl.Name
			}
		}
		pl.Conns = append(pl.Conns, pc)
	}
	for i := range pl.Conns {
		byConn[pl.Conns[i].Name] = &pl.Conns[i]
	}
	st := &step.PlanState{Assume: o.Assume, Params: p.paramValues}
	type count struct {
		records int
		known   bool
	}
	outs := map[string]count{} // per step, the records it passes on
	for _, s := range p.steps {
		st.ID = s.id
		if s.from != "" {
			st.Records, st.Known = outs[s.from].records, outs[s.from].known
		}
		ps, err := planStep(s, st)
		if err != nil {
			return nil, err
		}
		outs[s.id] = count{st.Records, st.Known}
		if ps == nil {
			continue
		}
		ps.ID, ps.Kind = s.id, s.kind
		pl.Steps = append(pl.Steps, *ps)
		pc := byConn[ps.Conn]
		pc.Calls += ps.Calls
		pc.PerRecord = pc.PerRecord || ps.PerRecord || ps.Paged
	}
	var longest time.Duration
	for i := range pl.Conns {
		pc := &pl.Conns[i]
		pc.Wait = time.Duration(pc.Calls) * pc.Interval
		// Connections run their calls one after another within a stream; the streams run in
		// order, so the waits add up.
		longest += pc.Wait
	}
	pl.Estimated = longest
	return pl, nil
}

// planStep plans one step. A step that is not a planner (a filter, a group) changes the count,
// and a lookup ends the stream, unless assumed.
func planStep(s *stepDef, st *step.PlanState) (*PlanStep, error) {
	pr, ok := s.impl.(step.Planner)
	if !ok {
		st.Records, st.Known = 0, false
		st.AssumeCount()
		return nil, nil
	}
	return pr.Plan(st)
}

// Format writes the plan for people.
func (pl *Plan) Format(w io.Writer) {
	fmt.Fprintf(w, "plan of %s\n", pl.Pipeline)
	for _, s := range pl.Steps {
		calls := fmt.Sprintf("%d call", s.Calls)
		if s.Calls != 1 {
			calls += "s"
		}
		if s.PerRecord {
			calls = "1 call per record"
		}
		if s.Paged {
			calls += fmt.Sprintf(", +1 per %d records (pages)", s.PageSize)
		}
		note := ""
		if s.Note != "" {
			note = " (" + s.Note + ")"
		}
		fmt.Fprintf(w, "  %-20s %-8s %-10s %-30s %s%s\n", s.ID, s.Kind, s.Conn, s.Op, calls, note)
	}
	fmt.Fprintf(w, "connections:\n")
	for _, c := range pl.Conns {
		more := ""
		if c.PerRecord {
			more = " + per record/page"
		}
		limit := "no rate limit"
		if c.Interval > 0 {
			limit = fmt.Sprintf("1 call per %s (%s)", c.Interval, c.Limit)
		}
		calls := fmt.Sprintf("%d calls", c.Calls)
		if c.Calls == 1 {
			calls = "1 call"
		}
		fmt.Fprintf(w, "  %-10s %-8s %s%s; %s; waits at least %s\n", c.Name, c.API, calls, more, limit, c.Wait)
		if c.PerRecord && c.Interval > 0 {
			fmt.Fprintf(w, "  %-10s %-8s each further call adds %s\n", "", "", c.Interval)
		}
	}
	fmt.Fprintf(w, "estimated duration: at least %s\n", pl.Estimated)
}
