package eval

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/yamlx"
)

// compileOne compiles src as a boolean expression without names; it returns the program or
// the compile errors.
func compileOne(t *testing.T, src string) (*Program, string) {
	t.Helper()
	d := &yamlx.Decoder{File: "p.yaml"}
	c := NewCompiler(d, []byte(src), Funcs{Loc: time.UTC, Now: time.Now})
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: src, Line: 1, Column: 1}
	p := c.Compile(n, Scope{}, WantBool)
	if err := d.Errs.Err(); err != nil {
		return nil, err.Error()
	}
	return p, ""
}

// TestStringBudget: expressions that build strings or lists without bound fail (the record
// fails) with a clear error, instead of taking the process's memory; ordinary ones run. The
// sizes here are small enough that an engine without the limits survives them (and fails the
// test); the last cases would take terabytes without them.
func TestStringBudget(t *testing.T) {
	tests := []struct {
		src     string
		wantErr string // "" : evaluates to true
	}{
		{`"a" + "b" == "ab"`, ""},
		{`repeat("ab", 3) == "ababab"`, ""},
		{`join(["a", "b"], ",") == "a,b"`, ""},
		{`join(map(1..3, string(#))) == "123"`, ""},
		{`replace("aXbX", "X", "-") == "a-b-"`, ""},
		{`1 + 2 == 3`, ""},
		{`len(toJSON(["a"])) > 0`, ""},
		{`len(reduce(1..10, #acc + #acc, "x")) == 1024`, ""},
		{`len(reduce(1..25, #acc + #acc, "x")) > 0`, "text of more than"},
		{`len(repeat(repeat("x", 1000), 10000)) > 0`, "text of more than"},
		{`len(join(map(1..100, repeat("x", 100000)), "")) > 0`, "more than"},
		{`len(join(map(1..2, repeat("x", 600000)), "")) > 0`, "text of more than"},
		{`len(map(1..200, "x" + repeat("y", 100000))) > 0`, "more than"},
		{`len(replace(repeat("x", 1000), "x", repeat("y", 10000))) > 0`, "text of more than"},
		{`len(toJSON(map(1..100, repeat("x", 100000)))) > 0`, "more than"},
		{`len(json(map(1..100, repeat("x", 100000)))) > 0`, "more than"},
		// Without the limits these take terabytes.
		{`len(reduce(1..40, #acc + #acc, "x")) > 0`, "text of more than"},
		{`len(repeat(repeat("x", 1e5), 1e5)) > 0`, "text of more than"},
	}
	for _, tt := range tests {
		p, errs := compileOne(t, tt.src)
		if p == nil {
			t.Errorf("%s: compile: %s", tt.src, errs)
			continue
		}
		ok, err := NewEvaluator(map[string]any{}).Bool(p)
		switch {
		case tt.wantErr == "" && (err != nil || !ok):
			t.Errorf("%s = %v, %v; want true", tt.src, ok, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tt.src, err, tt.wantErr)
		}
	}
}

// TestExpressionSize: an expression too long or nested too deep is a compile error before expr
// parses it (600,000 parentheses overflowed the parser's stack).
func TestExpressionSize(t *testing.T) {
	tests := []struct{ src, want string }{
		{strings.Repeat("(", 200) + "true" + strings.Repeat(")", 200), "nested more than"},
		{"true || " + strings.Repeat(`"x" == "y" || `, 2000) + "false", "longer than"},
		{strings.Repeat("(", 600000) + "true" + strings.Repeat(")", 600000), "longer than"},
		{strings.Repeat("[", 5000) + "1" + strings.Repeat("]", 5000) + " != nil", "nested more than"},
	}
	for _, tt := range tests {
		_, errs := compileOne(t, tt.src)
		if !strings.Contains(errs, tt.want) {
			t.Errorf("%s...: errors %q, want one containing %q", tt.src[:20], errs, tt.want)
		}
	}
	// Brackets in text do not count.
	if p, errs := compileOne(t, `"`+strings.Repeat("(", 200)+`" != ""`); p == nil {
		t.Errorf("parentheses in a string literal: %s", errs)
	}
}
