package pipeline

import (
	"testing"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// TestConstResolveFinder: only a resolve whose key reads nothing but params and constants, in
// an expression every record evaluates in full, is checked once before the run writes.
func TestConstResolveFinder(t *testing.T) {
	for src, want := range map[string]int{
		`resolve("project", params.project)`:                         1,
		`resolve("project", "ATT")`:                                  1,
		`resolve("project", upper(params.project) + "-1")`:           1,
		`resolve("project", r.project)`:                              0,
		`resolve("project", lookup("u", r.person).project)`:          0,
		`resolve("project", params.a) + resolve("activity", item.n)`: 1,
		`r.ok ? resolve("project", params.project) : 0`:              -1,
		`resolve("project", params.p) ?? 0`:                          -1,
		`all(r.list, resolve("project", #) > 0)`:                     0,
	} {
		tree, err := parser.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got := -1
		if !conditional(tree.Node) {
			f := &resolveFinder{}
			ast.Walk(&tree.Node, f)
			got = len(f.found)
		}
		if got != want {
			t.Errorf("%s: %d constant resolves, want %d", src, got, want)
		}
	}
}
