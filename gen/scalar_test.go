package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/gen/emit"
	"github.com/specpipe/specpipe/gen/ir"
	"github.com/specpipe/specpipe/gen/spec"
)

// scalarSpec uses the scalar {{T}} everywhere a type can appear: a required and an optional
// parameter, a list parameter, an object field, a list field, a map field and a list result.
const scalarSpec = `api: rows
title: One scalar everywhere
base_url: {default: "http://x"}
timezone: Asia/Shanghai
envelope: {style: http}
operations:
  - name: put
    method: POST
    path: /put
    params:
      - {name: a, type: {{T}}, required: true}
      - {name: b, type: {{T}}}
      - {name: c, type: "[]{{T}}"}
    result: Rec
  - name: list
    method: GET
    path: /list
    params:
      - {name: a, type: {{T}}}
    result: "[]{{T}}"
types:
  - name: Rec
    fields:
      - {name: a, type: {{T}}}
      - {name: b, type: "[]{{T}}"}
      - {name: c, type: "map[{{T}}]"}
`

// TestScalarIsOneRow adds each builtin scalar again under a new name, from its table row alone,
// and checks that a spec using the new name generates exactly what the builtin does. If any
// part of the generator decided something by a scalar's name instead of its row, the copy would
// come out different (or not load at all).
func TestScalarIsOneRow(t *testing.T) {
	for _, row := range ir.Builtin() {
		t.Run(row.Name, func(t *testing.T) {
			scalars := ir.Builtin()
			added := row
			added.Name = "added"
			scalars = append(scalars, added)

			want := generateFrom(t, strings.ReplaceAll(scalarSpec, "{{T}}", row.Name), scalars)
			got := generateFrom(t, strings.ReplaceAll(scalarSpec, "{{T}}", added.Name), scalars)
			// The registry repeats each parameter's type as written (Type: "[]date"); nothing else
			// may name the scalar.
			asWritten := strings.NewReplacer(`"added"`, `"`+row.Name+`"`, `"[]added"`, `"[]`+row.Name+`"`)
			for name := range want {
				if d := cmp.Diff(string(want[name]), asWritten.Replace(string(got[name]))); d != "" {
					t.Errorf("%s: a copy of %s's row generates differently (-%s +copy):\n%s", name, row.Name, row.Name, d)
				}
			}
			if _, err := spec.Parse("rows.yaml", []byte(strings.ReplaceAll(scalarSpec, "{{T}}", added.Name)), ir.Builtin().Names()); err == nil {
				t.Error("the spec loaded without the added row; the test proves nothing")
			}
		})
	}
}

func generateFrom(t *testing.T, src string, scalars ir.Table) map[string][]byte {
	t.Helper()
	a, err := spec.Parse("rows.yaml", []byte(src), scalars.Names())
	if err != nil {
		t.Fatal(err)
	}
	m, err := ir.Build(a, scalars)
	if err != nil {
		t.Fatal(err)
	}
	files, err := emit.Generate(m)
	if err != nil {
		t.Fatal(fmt.Errorf("generate: %w", err))
	}
	return files
}
