package ir_test

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/gen/ir"
	"github.com/specpipe/specpipe/gen/spec"
)

// TestBuildDefaults: Build applies the defaults of the spec format and leaves the spec as parsed.
func TestBuildDefaults(t *testing.T) {
	b, err := os.ReadFile("../testdata/mini/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	scalars := ir.Builtin()
	parse := func() *spec.API {
		a, err := spec.Parse("mini.yaml", b, scalars.Names())
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a, pristine := parse(), parse()
	m, err := ir.Build(a, scalars)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(pristine, a); d != "" {
		t.Errorf("Build changed the spec (-before +after):\n%s", d)
	}

	var list, add *ir.Operation
	for _, op := range m.Operations {
		switch op.Name {
		case "list":
			list = op
		case "add":
			add = op
		}
	}
	type param struct{ Go, Wire, In, Layout string }
	got := map[string]param{}
	for _, op := range []*ir.Operation{list, add} {
		for _, p := range op.Params {
			got[op.Name+"."+p.Name] = param{p.Go, p.Wire, p.In, p.Layout}
		}
	}
	want := map[string]param{
		"list.kind": {"Kind", "kind", "query", ""}, "list.name": {"Name", "name", "query", ""},
		"list.from": {"From", "from", "query", "2006-01-02"}, "list.to": {"To", "to", "query", "2006-01-02"},
		"list.offset": {"Offset", "offset", "query", ""}, "list.length": {"Length", "length", "query", ""},
		"add.name": {"Name", "name", "body", ""}, "add.amount": {"Amount", "amount", "body", ""},
		"add.kind": {"Kind", "kind", "body", ""}, "add.when": {"When", "when", "body", "2006-01-02 15:04:05"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("parameters (-want +got):\n%s", d)
	}
	if list.Go != "List" || list.Paging.Kind != ir.Offsets || list.Paging.PageSize != 100 || list.Paging.Items.Name != "records" {
		t.Errorf("list: Go %s, paging %+v", list.Go, list.Paging)
	}
	if m.Signing.Hex != "lower" || m.SendOwnZone || m.AuthOp == nil || m.AuthOp.Name != "auth" || !m.AuthOp.NoAuth {
		t.Errorf("signing hex %q, own zone %v, auth op %+v", m.Signing.Hex, m.SendOwnZone, m.AuthOp)
	}
}

// TestBuildRejects: Build fails, without panicking, on specs the loader would reject.
func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name string
		api  *spec.API
		want string
	}{
		{"unknown param type", &spec.API{File: "x.yaml", Operations: []*spec.Operation{
			{Name: "a", Method: "GET", Params: []*spec.Param{{Name: "p", Type: "strng"}}}}},
			`gen: x.yaml: operation a: parameter p: unknown type "strng"`},
		{"unknown field type", &spec.API{File: "x.yaml", Types: []*spec.Type{{Name: "T", Fields: []*spec.Field{{Name: "f", Type: "[]U"}}}}},
			`gen: x.yaml: type T: field f: unknown type "U"`},
		{"unknown paging style", &spec.API{File: "x.yaml", Operations: []*spec.Operation{
			{Name: "a", Method: "GET", Result: "[]int", Paging: &spec.OpPaging{Style: "pages"}}}},
			`gen: x.yaml: operation a: paging: unknown style "pages"`},
		{"items not a list", &spec.API{File: "x.yaml", Paging: []spec.PagingStyle{{Name: "p", Style: "offset"}},
			Operations: []*spec.Operation{{Name: "a", Method: "GET", Result: "int", Paging: &spec.OpPaging{Style: "p"}}}},
			`gen: x.yaml: operation a: paging: the items are not a list`},
		{"no auth operation", &spec.API{File: "x.yaml", Auth: &spec.Auth{Operation: "login"}},
			`gen: x.yaml: auth: no operation "login"`},
		{"unknown constraint parameter", &spec.API{File: "x.yaml", Operations: []*spec.Operation{
			{Name: "a", Method: "GET", Constraints: []spec.Constraint{{OneOf: []string{"x"}}}}}},
			`gen: x.yaml: operation a: constraint: unknown parameter "x"`},
		{"a file with a result", &spec.API{File: "x.yaml", Operations: []*spec.Operation{
			{Name: "a", Method: "GET", File: true, Result: "int"}}},
			`gen: x.yaml: operation a: file: the answer is the file, so the operation has no result or paging`},
	}
	for _, tt := range tests {
		m, err := ir.Build(tt.api, ir.Builtin())
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: Build = %v, %v; want error %q", tt.name, m, err, tt.want)
		}
	}
}
