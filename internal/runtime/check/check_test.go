package check

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/transport"
)

func TestRules(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02", s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name string
		got  *Problem
		want *Problem
	}{
		{"required missing", Required("a", true), &Problem{"a", "is required"}},
		{"required given", Required("a", false), nil},
		{"single", String{Single: true}.Check("u", "1,2", true), &Problem{"u", "takes one value only, not a comma-separated list"}},
		{"single unset", String{Single: true}.Check("u", "1,2", false), nil},
		{"max length counts characters", String{MaxLength: 2}.Check("n", "考勤", true), nil},
		{"max length", String{MaxLength: 2}.Check("n", "考勤机", true), &Problem{"n", "is longer than 2 characters"}},
		{"enum", String{Enum: []string{"a", "b"}}.Check("e", "c", true), &Problem{"e", `is "c"; want one of a, b`}},
		{"enum ok", String{Enum: []string{"a", "b"}}.Check("e", "b", true), nil},
		{"min", Int{Min: 1, HasMin: true}.Check("page", 0, true), &Problem{"page", "is 0; the smallest allowed is 1"}},
		{"min unset", Int{Min: 1, HasMin: true}.Check("page", 0, false), nil},
		{"max", Int{Max: 100, HasMax: true}.Check("length", 101, true), &Problem{"length", "is 101; the largest allowed is 100"}},
		{"zero bound is a bound", Int{HasMax: true}.Check("n", 1, true), &Problem{"n", "is 1; the largest allowed is 0"}},
		{"named enum", Enum("kind", int64(3), false, "1, 2", true), &Problem{"kind", "is 3; want one of 1, 2"}},
		{"named enum unset", Enum("kind", int64(0), false, "1, 2", false), nil},
		{"same month", Span{Start: "start", End: "end", From: day("2024-01-31"), To: day("2024-02-01"), Zone: shanghai, SameMonth: true, Note: "不支持跨月查询记录"}.Check(),
			&Problem{"end", "must be in the same month as start (不支持跨月查询记录); split the range at month boundaries"}},
		{"same month in the zone", Span{Start: "s", End: "e", From: day("2024-01-01"), To: day("2024-01-31"), Zone: shanghai, SameMonth: true}.Check(), nil},
		{"one end missing", Span{Start: "s", End: "e", To: day("2024-01-31"), Zone: shanghai, SameMonth: true, Ordered: true}.Check(), nil},
		{"ordered", Span{Start: "from", End: "to", From: day("2024-01-02"), To: day("2024-01-01"), Zone: shanghai, Ordered: true}.Check(),
			&Problem{"to", "must not be before from"}},
		{"max days inclusive", Span{Start: "from", End: "to", From: day("2024-01-01"), To: day("2024-01-31"), Zone: shanghai, Ordered: true, MaxDays: 31}.Check(), nil},
		{"max days", Span{Start: "from", End: "to", From: day("2024-01-01"), To: day("2024-02-01"), Zone: shanghai, Ordered: true, MaxDays: 31, Note: "vendor"}.Check(),
			&Problem{"to", "the range from..to spans 32 days; at most 31 are allowed (vendor)"}},
		{"one of", OneOf([]string{"a", "b"}, "", false, false), &Problem{"", "give at least one of a, b"}},
		{"one of given", OneOf([]string{"a", "b"}, "note", false, true), nil},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, tt.got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestErrors(t *testing.T) {
	op := &transport.Op{API: "kqapi", Name: "recordlog"}
	tests := []struct {
		got  error
		want string
	}{
		{First(op, nil, &Problem{"page", "is 0; the smallest allowed is 1"}, &Problem{"end", "later"}), "kqapi.recordlog: parameter page: is 0; the smallest allowed is 1"},
		{First(op, nil, nil), ""},
		{First(op), ""},
		{Unknown(op, "pgae", "start, end, page"), `kqapi.recordlog: unknown parameter "pgae" (parameters: start, end, page)`},
		{Unknown(op, "x", ""), `kqapi.recordlog: unknown parameter "x" (the operation takes none)`},
		{Bad(op, "page", errors.New("want a whole number")), "kqapi.recordlog: parameter page: want a whole number"},
	}
	for _, tt := range tests {
		got := ""
		if tt.got != nil {
			got = tt.got.Error()
			var pe *transport.ParamError
			if !errors.As(tt.got, &pe) {
				t.Errorf("%v is not a *transport.ParamError", tt.got)
			}
		}
		if got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
