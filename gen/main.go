// Command gen generates the typed API clients in generated/ from the specs in specs/.
//
//	go run ./gen -specs specs -out generated         write generated/<api>/*_gen.go and generated/registry_gen.go
//	go run ./gen -specs specs -out generated -check  fail with a diff if anything would change
//
// It is run by `go generate ./...` through generated/generate.go. Nothing on disk is touched
// unless every spec loads and every file renders.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/specpipe/specpipe/gen/emit"
	"github.com/specpipe/specpipe/gen/spec"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	specsDir := fs.String("specs", "specs", "directory of API specs (*.yaml)")
	out := fs.String("out", "generated", "directory to write the generated packages to")
	check := fs.Bool("check", false, "write nothing; exit 1 if the generated files differ from what is on disk")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	files, err := generate(*specsDir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	schema, err := schemaFile()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	schemaPath := filepath.Join(*specsDir, "schema.json")
	if *check {
		diffs := diff(*out, files)
		if old, err := os.ReadFile(schemaPath); err != nil || !bytes.Equal(old, schema) {
			diffs = append(diffs, fmt.Sprintf("gen: %s: differs or missing", schemaPath))
		}
		for _, d := range diffs {
			fmt.Fprintln(stderr, d)
		}
		if len(diffs) > 0 {
			fmt.Fprintln(stderr, "gen: generated code is out of date: run go generate ./...")
			return 1
		}
		return 0
	}
	if err := write(*out, files); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if old, err := os.ReadFile(schemaPath); err != nil || !bytes.Equal(old, schema) {
		if err := os.WriteFile(schemaPath, schema, 0o644); err != nil {
			fmt.Fprintln(stderr, "gen:", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "gen: wrote %d files to %s\n", len(files), *out)
	return 0
}

// generate loads every spec and renders every file, keyed by path relative to the output dir.
func generate(dir string) (map[string][]byte, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("gen: no specs (*.yaml) in %s", dir)
	}
	slices.Sort(paths)
	var apis []*spec.API
	var problems []string
	for _, p := range paths {
		a, err := spec.Load(p)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		apis = append(apis, a)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	files := map[string][]byte{}
	for _, a := range apis {
		fs, err := emit.Generate(a)
		if err != nil {
			return nil, err
		}
		for name, b := range fs {
			files[filepath.Join(a.Name, name)] = b
		}
	}
	idx, err := emit.GenerateIndex(apis)
	if err != nil {
		return nil, err
	}
	files["registry_gen.go"] = idx
	return files, nil
}

// schemaFile renders specs/schema.json.
func schemaFile() ([]byte, error) { return spec.Schema() }

// genFiles lists the *_gen.go files under dir (the ones gen owns).
func genFiles(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, "_gen.go") {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func diff(dir string, files map[string][]byte) []string {
	var out []string
	for _, name := range slices.Sorted(mapsKeys(files)) {
		old, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			out = append(out, fmt.Sprintf("gen: %s: missing", filepath.Join(dir, name)))
		} else if !bytes.Equal(old, files[name]) {
			out = append(out, fmt.Sprintf("gen: %s: differs", filepath.Join(dir, name)))
		}
	}
	for _, name := range genFiles(dir) {
		if _, ok := files[name]; !ok {
			out = append(out, fmt.Sprintf("gen: %s: stale (no spec generates it)", filepath.Join(dir, name)))
		}
	}
	return out
}

func write(dir string, files map[string][]byte) error {
	for _, name := range genFiles(dir) {
		if _, ok := files[name]; !ok {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("gen: remove stale %s: %w", name, err)
			}
		}
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
	}
	return nil
}

func mapsKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
