package eval

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"

	"github.com/specpipe/specpipe/internal/record"
	"github.com/specpipe/specpipe/internal/runtime/convert"
	"github.com/specpipe/specpipe/internal/runtime/scalar"
)

// Funcs configure the functions expressions may call besides expr's builtins. Dates and times
// are read and shown in the pipeline's zone; now and today come from its clock.
type Funcs struct {
	Loc      *time.Location
	Now      func() time.Time
	Boundary time.Duration // the default day boundary of workday
}

// funcDoc documents one function for docs and hints.
type funcDoc struct {
	name, sig, doc string
}

// funcDocs lists the pipeline's own functions (expr's builtins such as duration, upper, lower,
// trim, split, replace, hasPrefix, int, float, string, len come on top).
var funcDocs = []funcDoc{
	{"now", "now() time", "the current time in the pipeline's zone"},
	{"today", "today() time", "midnight of today in the pipeline's zone"},
	{"date", "date(s) time", "parse YYYY-MM-DD or a date and time (YYYY-MM-DD HH:MM[:SS], RFC 3339) in the pipeline's zone"},
	{"parse", "parse(s, layout) time", "parse s with a Go layout (2006-01-02 15:04:05) in the pipeline's zone"},
	{"format", "format(t, layout) string", "format t in the pipeline's zone with a Go layout"},
	{"day", "day(t) string", "the calendar day of t in the pipeline's zone, YYYY-MM-DD"},
	{"workday", "workday(t[, boundary]) string", "the work day of t, YYYY-MM-DD: a punch before the boundary (default day_boundary) counts for the day before"},
	{"local", "local(t) time", "t in the pipeline's zone"},
	{"in_zone", "in_zone(t, zone) time", "t in the named IANA zone"},
	{"unix", "unix(n) time", "the time of unix seconds n (a number or a numeric string)"},
	{"to_unix", "to_unix(t) int", "unix seconds of t"},
	{"seconds", "seconds(d) int", "whole seconds of duration d"},
	{"start_of_day", "start_of_day(t) time", "midnight of t's day in the pipeline's zone"},
	{"coalesce", "coalesce(a, b) string", "a, or b when a is empty"},
	{"meta", `meta(item, "name") string`, "the value of the meta field name of a record with metaFields (a list of {name, value}, as Kimai lists custom fields); \"\" when it has none"},
	{"json", "json(v) string", "v as compact JSON on one line (a list or an object in a CSV column)"},
	{"month_ranges", "month_ranges(from, to) list", "the days from..to (both included) split at month boundaries: records {start, end} (first and last day), for an each step"},
	{"days", "days(from, to) list", "the days from..to (both included), midnights in the pipeline's zone, for an each step"},
	{"lookup", `lookup("step", key) record`, "the record of a lookup step with that key (the zero record when absent)"},
	{"has_key", `has_key("step", key) bool`, "whether a lookup step has a record with that key"},
	{"resolve", `resolve("step", key) value`, "the value a resolve step finds for a business key (the record fails when none)"},
}

func (f *Funcs) names() []string {
	out := make([]string, 0, len(funcDocs))
	for _, d := range funcDocs {
		out = append(out, d.name)
	}
	sort.Strings(out)
	return out
}

func (f *Funcs) options() []expr.Option {
	t := func(args ...any) time.Time { return args[0].(time.Time) }
	return []expr.Option{
		expr.Function("now", func(...any) (any, error) { return f.Now().In(f.Loc), nil }, new(func() time.Time)),
		expr.Function("today", func(...any) (any, error) { return f.startOfDay(f.Now()), nil }, new(func() time.Time)),
		expr.DisableBuiltin("date"),
		expr.Function("date", func(args ...any) (any, error) {
			s := args[0].(string)
			if len(strings.TrimSpace(s)) <= 10 {
				return scalar.ParseDate(s, f.Loc)
			}
			return scalar.ParseDateTime(s, f.Loc)
		}, new(func(string) time.Time)),
		expr.Function("parse", func(args ...any) (any, error) {
			return time.ParseInLocation(args[1].(string), args[0].(string), f.Loc)
		}, new(func(string, string) time.Time)),
		expr.Function("format", func(args ...any) (any, error) {
			return t(args...).In(f.Loc).Format(args[1].(string)), nil
		}, new(func(time.Time, string) string)),
		expr.Function("day", func(args ...any) (any, error) {
			return t(args...).In(f.Loc).Format(time.DateOnly), nil
		}, new(func(time.Time) string)),
		expr.Function("workday", func(args ...any) (any, error) {
			b := f.Boundary
			if len(args) == 2 {
				var err error
				if b, err = scalar.ParseTimeOfDay(args[1].(string)); err != nil {
					return nil, fmt.Errorf("workday: boundary: %w", err)
				}
			}
			return workday(t(args...), b, f.Loc), nil
		}, new(func(time.Time) string), new(func(time.Time, string) string)),
		expr.Function("local", func(args ...any) (any, error) { return t(args...).In(f.Loc), nil }, new(func(time.Time) time.Time)),
		expr.Function("in_zone", func(args ...any) (any, error) {
			loc, err := time.LoadLocation(args[1].(string))
			if err != nil {
				return nil, fmt.Errorf("in_zone: unknown zone %q", args[1])
			}
			return t(args...).In(loc), nil
		}, new(func(time.Time, string) time.Time)),
		expr.Function("unix", func(args ...any) (any, error) {
			n, err := convert.Int(args[0])
			if err != nil {
				return nil, fmt.Errorf("unix: %w", err)
			}
			return time.Unix(n, 0).In(f.Loc), nil
		}, new(func(int) time.Time), new(func(string) time.Time)),
		expr.Function("to_unix", func(args ...any) (any, error) { return int(t(args...).Unix()), nil }, new(func(time.Time) int)),
		expr.Function("seconds", func(args ...any) (any, error) {
			return int(args[0].(time.Duration) / time.Second), nil
		}, new(func(time.Duration) int)),
		expr.Function("start_of_day", func(args ...any) (any, error) { return f.startOfDay(t(args...)), nil }, new(func(time.Time) time.Time)),
		expr.Function("coalesce", func(args ...any) (any, error) {
			if a := args[0].(string); a != "" {
				return a, nil
			}
			return args[1].(string), nil
		}, new(func(string, string) string)),
		expr.Function("meta", func(args ...any) (any, error) { return metaValue(args[0], args[1].(string)), nil }, new(func(any, string) string)),
		// The patcher makes every json(v) a call of @json (limits.go), which counts its size.
		expr.Function("json", func(args ...any) (any, error) { return compactJSON(nil, args[0]) }, new(func(any) string)),
		expr.Function("month_ranges", func(args ...any) (any, error) {
			return monthRanges(args[0].(time.Time), args[1].(time.Time), f.Loc)
		}, new(func(time.Time, time.Time) []DateRange)),
		expr.Function("days", func(args ...any) (any, error) {
			return days(args[0].(time.Time), args[1].(time.Time), f.Loc)
		}, new(func(time.Time, time.Time) []time.Time)),
	}
}

// metaValue is the value of the meta field name in rec's metaFields, a list of records with
// name and value (Kimai's custom fields: Timesheet::getVisibleMetaFields, serialized as
// {name, value}); "" when rec has no such list or no such field.
func metaValue(rec any, name string) string {
	list, ok := record.Field(rec, "metaFields")
	if !ok {
		return ""
	}
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice {
		return ""
	}
	for i := range v.Len() {
		el := v.Index(i).Interface()
		if n, _ := record.Field(el, "name"); n == name {
			val, _ := record.Field(el, "value")
			s, _ := val.(string)
			return s
		}
	}
	return ""
}

func (f *Funcs) startOfDay(t time.Time) time.Time {
	y, m, d := t.In(f.Loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, f.Loc)
}

// workday returns the day (YYYY-MM-DD) that t belongs to when days start at boundary after
// midnight in loc: with a 04:00 boundary, a punch at 02:30 counts for the day before.
func workday(t time.Time, boundary time.Duration, loc *time.Location) string {
	lt := t.In(loc)
	y, m, d := lt.Date()
	mid := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if lt.Sub(mid) < boundary {
		y, m, d = mid.AddDate(0, 0, -1).Date()
	}
	return formatDay(y, m, d)
}

// formatDay is the day as YYYY-MM-DD (as workday has it: the year unpadded).
func formatDay(y int, m time.Month, d int) string {
	var b [10]byte
	out := strconv.AppendInt(b[:0], int64(y), 10)
	out = append(out, '-', byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+d/10), byte('0'+d%10))
	return string(out)
}

// Function describes a function pipelines add to expr's builtins, for help texts.
type Function struct {
	Name, Signature, Doc string
}

// Functions lists the functions expressions may call besides expr's builtins.
func Functions() []Function {
	out := make([]Function, len(funcDocs))
	for i, d := range funcDocs {
		out[i] = Function{Name: d.name, Signature: d.sig, Doc: d.doc}
	}
	return out
}
