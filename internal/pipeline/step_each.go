package pipeline

import (
	"fmt"
	"reflect"
	"time"

	"gopkg.in/yaml.v3"
)

// eachStep is a source that emits the elements of a list expression, one record each:
// each: 'month_ranges(params.from, params.to)' gives one {start, end} record per month part of
// the range, for a following call with for_each: true. The expression sees params only (no
// records), and its type must be a list whose element type is known when the pipeline loads.
type eachStep struct {
	id   string
	prog *program
}

// maxEachRecords bounds the records one each step emits, so a mistyped range cannot make a
// cron job call a vendor a million times.
const maxEachRecords = 100_000

func (l *loader) eachStep(s *step, n *yaml.Node) (stepImpl, reflect.Type) {
	sc := scope{vars: map[string]reflect.Type{"params": reflect.TypeOf(l.p.paramValues)}}
	p := l.c.compile(n, sc, wantAny)
	if p == nil {
		return nil, nil
	}
	if k := p.out.Kind(); k != reflect.Slice && k != reflect.Array {
		l.d.Errorf(n, "step %s: each: %q is a %s; want a list, e.g. month_ranges(params.from, params.to)", s.id, p.src, p.out)
		return nil, nil
	}
	elem := p.out.Elem()
	if elem.Kind() == reflect.Interface {
		l.d.Errorf(n, "step %s: each: the elements of %q have no type known when the pipeline is loaded; use a typed list such as month_ranges(...) or days(...)", s.id, p.src)
		return nil, nil
	}
	return &eachStep{id: s.id, prog: p}, elem
}

type eachRun struct {
	e  *eachStep
	rc *runCtx
}

func (e *eachStep) start(rc *runCtx) (stepRun, error) { return &eachRun{e: e, rc: rc}, nil }

func (r *eachRun) process(_ any, emit func(any) error) error {
	x, err := r.rc.ev.run(r.e.prog)
	if err != nil {
		return fmt.Errorf("step %s: %w", r.e.id, err)
	}
	v := reflect.ValueOf(x)
	if !v.IsValid() {
		return nil
	}
	if n := v.Len(); n > maxEachRecords {
		return fmt.Errorf("step %s: each: %d records, more than the %d a step may emit", r.e.id, n, maxEachRecords)
	}
	st := r.rc.stepSummary(r.e.id)
	for i := 0; i < v.Len(); i++ {
		st.In++ // a source counts the records it makes
		if err := emit(v.Index(i).Interface()); err != nil {
			return err
		}
	}
	return nil
}

func (r *eachRun) finish(func(any) error) error { return nil }

// DateRange is a run of whole days, first and last included (midnights in the pipeline's
// zone): a record of month_ranges.
type DateRange struct {
	Start time.Time `expr:"start" json:"start"`
	End   time.Time `expr:"end" json:"end"`
}

// maxRangeDays bounds the days month_ranges and days cover (ten years).
const maxRangeDays = 3660

// monthRanges splits the days from..to (both included) at month boundaries: kqapi's recordlog
// never crosses a month. Times are taken as their day in loc. An empty list when to is before
// from.
func monthRanges(from, to time.Time, loc *time.Location) ([]DateRange, error) {
	first, last := dayOf(from, loc), dayOf(to, loc)
	if last.Sub(first) > maxRangeDays*24*time.Hour {
		return nil, fmt.Errorf("month_ranges: %s to %s is more than %d days", first.Format(time.DateOnly), last.Format(time.DateOnly), maxRangeDays)
	}
	out := []DateRange{}
	for d := first; !d.After(last); {
		y, m, _ := d.Date()
		end := time.Date(y, m+1, 1, 0, 0, 0, 0, loc).AddDate(0, 0, -1)
		if end.After(last) {
			end = last
		}
		out = append(out, DateRange{Start: d, End: end})
		d = end.AddDate(0, 0, 1)
	}
	return out, nil
}

// days lists the days from..to (both included) as midnights in loc.
func days(from, to time.Time, loc *time.Location) ([]time.Time, error) {
	first, last := dayOf(from, loc), dayOf(to, loc)
	if last.Sub(first) > maxRangeDays*24*time.Hour {
		return nil, fmt.Errorf("days: %s to %s is more than %d days", first.Format(time.DateOnly), last.Format(time.DateOnly), maxRangeDays)
	}
	out := []time.Time{}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out, nil
}

func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
