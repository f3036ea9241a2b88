package spec_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/specpipe/specpipe/gen/emit"
	"github.com/specpipe/specpipe/gen/ir"
	"github.com/specpipe/specpipe/gen/spec"
)

// FuzzLoad feeds the spec loader (Parse, which Load calls on a file's bytes) arbitrary bytes: it
// must return a spec or an error, never panic, and a spec it returns must build (gen/ir) and
// render (gen/emit). Seeds are the small specs of gen/testdata and the
// corpus in testdata/fuzz/FuzzLoad (empty list items, which once crashed it); the large specs of
// specs/ are left out because the fuzzer minimises slowly on them. Run longer with
//
//	go test ./gen/spec -run '^$' -fuzz FuzzLoad -fuzztime 1m
func FuzzLoad(f *testing.F) {
	paths, err := filepath.Glob("../testdata/*/spec.yaml")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seed specs: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	scalars := ir.Builtin()
	f.Fuzz(func(t *testing.T, b []byte) {
		api, err := spec.Parse("fuzz.yaml", b, scalars.Names())
		if err != nil {
			return
		}
		if api == nil {
			t.Fatal("Parse returned neither a spec nor an error")
		}
		// A spec that loads builds and renders.
		m, err := ir.Build(api, scalars)
		if err != nil {
			t.Fatalf("a loaded spec does not build: %v", err)
		}
		if _, err := emit.Generate(m); err != nil {
			t.Fatalf("a loaded spec does not render: %v", err)
		}
	})
}
