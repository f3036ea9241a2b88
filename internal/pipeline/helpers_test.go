package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specpipe/specpipe/generated"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// fixedNow is the clock of every test: 2026-11-21 10:00 in Shanghai.
func fixedNow() time.Time {
	return time.Date(2026, 11, 21, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
}

// writePipeline writes src to a temporary pipeline file. {{testdata}} and {{tmp}} in src become
// the absolute testdata directory and the test's temporary directory.
func writePipeline(t *testing.T, src string) (path, tmp string) {
	t.Helper()
	tmp = t.TempDir()
	td, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	src = strings.ReplaceAll(src, "{{testdata}}", td)
	src = strings.ReplaceAll(src, "{{tmp}}", tmp)
	path = filepath.Join(tmp, "p.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, tmp
}

func testOpts() LoadOptions {
	return LoadOptions{
		Getenv: func(string) string { return "" },
		Now:    fixedNow,
		APIs:   generated.APIs(),
	}
}

// mustLoad loads a pipeline that must be valid.
func mustLoad(t *testing.T, path string, opts LoadOptions) *Pipeline {
	t.Helper()
	p, err := Load(path, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

// mustRun runs p, failing the test on a run error.
func mustRun(t *testing.T, p *Pipeline, o RunOptions) *Summary {
	t.Helper()
	s, err := p.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return s
}

// readJSONL reads a JSON-lines file into generic maps.
func readJSONL(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v in %s", path, err, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// loadErrors loads path and returns the messages of its errors as "line:col: msg".
func loadErrors(t *testing.T, path string, opts LoadOptions, validate bool) []string {
	t.Helper()
	var err error
	if validate {
		err = Validate(path, opts)
	} else {
		_, err = Load(path, opts)
	}
	if err == nil {
		return nil
	}
	es, ok := yamlx.AsErrors(err)
	if !ok {
		t.Fatalf("error is not positioned: %v", err)
	}
	var out []string
	for _, e := range es {
		if e.Pos.File != path {
			t.Errorf("error in file %q, want %q", e.Pos.File, path)
		}
		out = append(out, e.Pos.String()[len(path)+1:]+": "+e.Msg)
	}
	return out
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
