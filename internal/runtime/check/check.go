// Package check holds the parameter checks generated clients run before any request: each rule
// is data (check.Int{Min: 1}, check.String{MaxLength: 10}) and the generated validate methods
// list the rules of their parameters instead of spelling each one out.
//
// A rule returns nil or a *Problem; First turns the first problem into the
// *transport.ParamError the caller sees.
package check

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/specpipe/specpipe/internal/runtime/transport"
	"github.com/specpipe/specpipe/internal/runtime/wire"
)

// Problem is what is wrong with one parameter (Param "" for the operation as a whole).
type Problem struct {
	Param, Msg string
}

// First returns the first problem of op, in the order given, as a *transport.ParamError, or nil.
func First(op *transport.Op, problems ...*Problem) error {
	for _, p := range problems {
		if p != nil {
			return &transport.ParamError{Op: op.FullName(), Param: p.Param, Msg: p.Msg}
		}
	}
	return nil
}

// None is the check of an operation whose parameters have no rules: it passes them all.
func None() error { return nil }

// Required reports a required parameter that was not given.
func Required(name string, missing bool) *Problem {
	if missing {
		return &Problem{name, "is required"}
	}
	return nil
}

// String are the rules of a text parameter.
type String struct {
	Single    bool     // one value only: no comma-separated list
	MaxLength int      // most characters (0: any)
	Enum      []string // allowed values (nil: any)
}

// Check checks v, the value of parameter name, when it is given (set).
func (r String) Check(name, v string, set bool) *Problem {
	switch {
	case !set:
		return nil
	case r.Single && strings.Contains(v, ","):
		return &Problem{name, "takes one value only, not a comma-separated list"}
	case r.MaxLength > 0 && utf8.RuneCountInString(v) > r.MaxLength:
		return &Problem{name, fmt.Sprintf("is longer than %d characters", r.MaxLength)}
	case r.Enum != nil && !slices.Contains(r.Enum, v):
		return &Problem{name, fmt.Sprintf("is %q; want one of %s", v, strings.Join(r.Enum, ", "))}
	}
	return nil
}

// Int are the bounds of an integer parameter.
type Int struct {
	Min, Max       int64
	HasMin, HasMax bool
}

// Check checks v, the value of parameter name, when it is given (set).
func (r Int) Check(name string, v int64, set bool) *Problem {
	switch {
	case !set:
		return nil
	case r.HasMin && v < r.Min:
		return &Problem{name, fmt.Sprintf("is %d; the smallest allowed is %d", v, r.Min)}
	case r.HasMax && v > r.Max:
		return &Problem{name, fmt.Sprintf("is %d; the largest allowed is %d", v, r.Max)}
	}
	return nil
}

// Enum checks that a parameter of an enum type holds one of the documented values (valid is
// v.Valid(); values lists them for the message).
func Enum(name string, v any, valid bool, values string, set bool) *Problem {
	if set && !valid {
		return &Problem{name, fmt.Sprintf("is %v; want one of %s", v, values)}
	}
	return nil
}

// Span is a pair of date parameters, start and end, read in a zone.
type Span struct {
	Start, End string // parameter names
	From, To   time.Time
	Zone       *time.Location
	Note       string // the vendor's words, added to the message in parentheses
	SameMonth  bool   // both must fall in one calendar month
	Ordered    bool   // end must not be before start
	MaxDays    int    // with Ordered: the span may be at most this many days (inclusive); 0 any
}

// Check checks the span when both ends are given.
func (s Span) Check() *Problem {
	if s.From.IsZero() || s.To.IsZero() {
		return nil
	}
	note := ""
	if s.Note != "" {
		note = " (" + s.Note + ")"
	}
	if s.SameMonth {
		ya, ma, _ := s.From.In(s.Zone).Date()
		yz, mz, _ := s.To.In(s.Zone).Date()
		if ya != yz || ma != mz {
			return &Problem{s.End, "must be in the same month as " + s.Start + note + "; split the range at month boundaries"}
		}
	}
	if s.Ordered {
		if s.To.Before(s.From) {
			return &Problem{s.End, "must not be before " + s.Start}
		}
		if days := wire.Days(s.From, s.To, s.Zone); s.MaxDays > 0 && days > s.MaxDays {
			return &Problem{s.End, fmt.Sprintf("the range %s..%s spans %d days; at most %d are allowed%s", s.Start, s.End, days, s.MaxDays, note)}
		}
	}
	return nil
}

// OneOf reports that none of the named parameters was given (set lists, in order, whether each was).
func OneOf(names []string, note string, set ...bool) *Problem {
	if slices.Contains(set, true) {
		return nil
	}
	if note != "" {
		note = " (" + note + ")"
	}
	return &Problem{"", "give at least one of " + strings.Join(names, ", ") + note}
}

// Unknown is the error for a parameter op does not take; known lists the ones it does
// ("start, end, page"; "" for none).
func Unknown(op *transport.Op, name, known string) error {
	msg := fmt.Sprintf("unknown parameter %q (the operation takes none)", name)
	if known != "" {
		msg = fmt.Sprintf("unknown parameter %q (parameters: %s)", name, known)
	}
	return &transport.ParamError{Op: op.FullName(), Msg: msg}
}

// Bad is the error for a parameter whose loosely typed value could not be read (err says why).
func Bad(op *transport.Op, name string, err error) error {
	return &transport.ParamError{Op: op.FullName(), Param: name, Msg: err.Error()}
}
