package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/specpipe/specpipe/internal/yamlx"
)

// FuzzCompile checks that loading a pipeline never panics, whatever the file holds: every
// problem is a positioned error. The seeds are below and in testdata/fuzz/FuzzCompile (the
// problems found before: a write without params:, a second document, deep parentheses).
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		kqHead,
		kqHead + "  - id: f\n    filter: r.atten_status == \"0\"\n  - id: o\n    output: {file: out-{split}.csv, split_by: r.departname, fields: {n: r.realname}}\n",
		"steps:\n  - id: r\n    read: {file: x.csv, fields: {a: string, n: int}}\n  - id: g\n    group: {by: r.a, fields: {n: sum(map(#, .n))}}\n",
		"params:\n  day: {type: date, default: today()}\nincremental: {param: day}\nsteps: []\n",
		"a: [\n",
		"---\n---\n",
	} {
		f.Add([]byte(s))
	}
	path := filepath.Join(f.TempDir(), "p.yaml")
	f.Fuzz(func(t *testing.T, src []byte) {
		if err := os.WriteFile(path, src, 0o600); err != nil {
			t.Fatal(err)
		}
		opts := testOpts()
		err := Validate(path, opts)
		if err != nil {
			if _, ok := yamlx.AsErrors(err); !ok {
				t.Errorf("Validate: an error without a position: %v", err)
			}
		}
		if _, err := Compile(path, opts); err != nil && !IsConfigError(err) {
			t.Errorf("Compile: not a configuration error: %v", err)
		}
	})
}
