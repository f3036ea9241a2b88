package eval

import (
	"reflect"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/yamlx"
)

// metaField and metaItem are shaped like a generated Kimai record with custom fields
// (kimai.MetaField, Timesheet.MetaFields).
type metaField struct {
	Name  string `expr:"name"`
	Value string `expr:"value"`
}

type metaItem struct {
	Description string      `expr:"description"`
	MetaFields  []metaField `expr:"metaFields"`
}

type plainItem struct {
	Description string `expr:"description"`
}

// TestMeta: meta(item, name) is the value of the named meta field, "" when the record has
// none of that name or no metaFields at all; its arguments are type-checked.
func TestMeta(t *testing.T) {
	keyed := metaItem{MetaFields: []metaField{{"colour", "red"}, {"specpipe_key", "A1/2026-10-15"}}}
	tests := []struct {
		src  string
		item any
		want string
	}{
		{`meta(item, "specpipe_key")`, keyed, "A1/2026-10-15"},
		{`meta(item, "colour")`, &keyed, "red"},
		{`meta(item, "other")`, keyed, ""},
		{`meta(item, "specpipe_key")`, metaItem{}, ""},
		{`meta(item, "specpipe_key")`, plainItem{Description: "x"}, ""},
		{`meta(item, "specpipe_key")`, (*metaItem)(nil), ""},
	}
	for _, tt := range tests {
		d := &yamlx.Decoder{File: "p.yaml"}
		c := NewCompiler(d, []byte(tt.src), Funcs{Loc: time.UTC, Now: time.Now})
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: tt.src, Line: 1, Column: 1}
		p := c.Compile(n, Scope{}.With("item", reflect.TypeOf(tt.item)), WantAny)
		if err := d.Errs.Err(); err != nil {
			t.Fatalf("%s: compile: %v", tt.src, err)
		}
		got, err := NewEvaluator(map[string]any{"item": tt.item}).Run(p)
		if err != nil {
			t.Errorf("%s on %+v: %v", tt.src, tt.item, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s on %+v = %q, want %q", tt.src, tt.item, got, tt.want)
		}
	}
	if _, errs := compileOne(t, `meta("x") == ""`); errs == "" {
		t.Error(`meta("x") compiled, want an error (meta takes a record and a name)`)
	}
}
