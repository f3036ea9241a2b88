package main

// TestGenerate runs one case per gen/testdata/<case>/spec.yaml. A case with want/ holds the golden
// files the spec must generate (compared byte for byte); a case with err.txt holds the exact
// errors the spec must fail with, each as file:line:col. Regenerate goldens with:
//
//	go test ./gen -update

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/gen/emit"
	"github.com/specpipe/specpipe/gen/ir"
	"github.com/specpipe/specpipe/gen/spec"
)

var update = flag.Bool("update", false, "rewrite gen/testdata/*/want/*.golden")

func TestGenerate(t *testing.T) {
	cases, err := filepath.Glob("testdata/*/spec.yaml")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no test cases: %v", err)
	}
	for _, path := range cases {
		dir := filepath.Dir(path)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			// Specs are loaded by a path relative to the repository root, as gen reports them.
			rel := filepath.Join("gen", path)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			scalars := ir.Builtin()
			api, err := spec.Parse(rel, b, scalars.Names())
			if wantErr, rerr := os.ReadFile(filepath.Join(dir, "err.txt")); rerr == nil {
				if err == nil {
					t.Fatalf("spec loaded; want errors:\n%s", wantErr)
				}
				if d := cmp.Diff(strings.TrimSpace(string(wantErr)), strings.TrimSpace(err.Error())); d != "" {
					t.Errorf("errors (-want +got):\n%s", d)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m, err := ir.Build(api, scalars)
			if err != nil {
				t.Fatal(err)
			}
			files, err := emit.Generate(m)
			if err != nil {
				t.Fatal(err)
			}
			for name, got := range files {
				golden(t, filepath.Join(dir, "want", name+".golden"), got)
			}
			// Fail on golden files no longer produced.
			olds, _ := filepath.Glob(filepath.Join(dir, "want", "*.golden"))
			for _, o := range olds {
				if _, ok := files[strings.TrimSuffix(filepath.Base(o), ".golden")]; !ok {
					t.Errorf("%s: golden file for a file no longer generated", o)
				}
			}
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./gen -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s (-want +got):\n%s", path, d)
	}
}

// TestGoldenCompiles builds the golden output of every case as a real package, so a golden file
// that is not valid Go fails here rather than only in review.
func TestGoldenCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds packages")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	wants, _ := filepath.Glob("testdata/*/want")
	if len(wants) == 0 {
		t.Fatal("no golden cases")
	}
	var pkgs []string
	for _, want := range wants {
		dir, err := os.MkdirTemp(filepath.Join(root, "generated"), filepath.Base(filepath.Dir(want))+"-compile-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		goldens, _ := filepath.Glob(filepath.Join(want, "*.golden"))
		for _, g := range goldens {
			b, err := os.ReadFile(g)
			if err != nil {
				t.Fatal(err)
			}
			// Files named _gen.go would be seen by gen -check; these are temporary and removed.
			name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(g), ".golden"), "_gen.go") + "_golden.go"
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		pkgs = append(pkgs, "./"+filepath.Base(dir))
	}
	cmd := exec.Command("go", append([]string{"vet"}, pkgs...)...)
	cmd.Dir = filepath.Join(root, "generated")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the golden packages: %v\n%s", err, out)
	}
}

// TestCheckFlag: -check passes on the committed tree and fails on a stale one.
func TestCheckFlag(t *testing.T) {
	var out, errb strings.Builder
	if code := run([]string{"-specs", "../specs", "-out", "../generated", "-check"}, &out, &errb); code != 0 {
		t.Fatalf("gen -check on the committed tree: exit %d\n%s", code, errb.String())
	}
	tmp := t.TempDir()
	errb.Reset()
	if code := run([]string{"-specs", "../specs", "-out", tmp, "-check"}, &out, &errb); code == 0 {
		t.Fatal("gen -check on an empty directory passed; want a failure")
	}
	if !strings.Contains(errb.String(), "missing") {
		t.Errorf("gen -check output does not name the missing files:\n%s", errb.String())
	}

	// A file that differs is shown as a diff.
	stale := filepath.Join(tmp, "registry_gen.go")
	if code := run([]string{"-specs", "../specs", "-out", tmp}, &out, &errb); code != 0 {
		t.Fatalf("gen: exit %d\n%s", code, errb.String())
	}
	b, err := os.ReadFile(stale)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte(strings.Replace(string(b), "func Lookup(", "func Find(", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run([]string{"-specs", "../specs", "-out", tmp, "-check"}, &out, &errb); code == 0 {
		t.Fatal("gen -check passed on an edited file")
	}
	for _, want := range []string{"registry_gen.go: differs", "\n-func Find(name string)", "\n+func Lookup(name string)"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("gen -check output lacks %q:\n%s", want, errb.String())
		}
	}
}

func TestHunk(t *testing.T) {
	tests := []struct {
		old, new string
		max      int
		want     string
	}{
		{"a\nb\nc\n", "a\nB\nc\n", 10, "@@ -2,1 +2,1 @@\n-b\n+B\n"},
		{"a\nc\n", "a\nb\nc\n", 10, "@@ -2,0 +2,1 @@\n+b\n"},
		{"a\n", "b\nc\nd\n", 2, "@@ -1,1 +1,3 @@\n-a\n+b\n... (2 more lines differ)\n"},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, hunk([]byte(tt.old), []byte(tt.new), tt.max)); d != "" {
			t.Errorf("hunk(%q, %q) (-want +got):\n%s", tt.old, tt.new, d)
		}
	}
}

// TestOutOwnsOnlyItsFiles: gen -out removes the stale files it wrote (they carry its header) and
// leaves every other *_gen.go alone, and -check does not count those as stale.
func TestOutOwnsOnlyItsFiles(t *testing.T) {
	tmp := t.TempDir()
	foreign := filepath.Join(tmp, "kqapi", "enum_gen.go")
	stale := filepath.Join(tmp, "gone", "ops_gen.go")
	files := map[string]string{
		foreign: "// Code generated by stringer; DO NOT EDIT.\n\npackage kqapi\n",
		stale:   "// Code generated by specpipe/gen from specs/gone.yaml; DO NOT EDIT.\n\npackage gone\n",
	}
	for p, b := range files {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	specs := t.TempDir()
	for _, name := range []string{"kqapi.yaml", "schema.json"} {
		b, err := os.ReadFile(filepath.Join("..", "specs", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(specs, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb strings.Builder
	if code := run([]string{"-specs", specs, "-out", tmp}, &out, &errb); code != 0 {
		t.Fatalf("gen: exit %d\n%s", code, errb.String())
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("gen removed a file it did not write: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("gen left its own stale file %s (stat: %v)", stale, err)
	}
	errb.Reset()
	if code := run([]string{"-specs", specs, "-out", tmp, "-check"}, &out, &errb); code != 0 {
		t.Errorf("gen -check after gen: exit %d\n%s", code, errb.String())
	}
}
