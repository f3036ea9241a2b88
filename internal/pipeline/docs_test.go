package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specpipe/specpipe/generated"
)

// TestDocsExample validates the whole pipeline of docs/pipelines.md, so the manual's example
// stays a working pipeline.
func TestDocsExample(t *testing.T) {
	b, err := os.ReadFile("../../docs/pipelines.md")
	if err != nil {
		t.Fatal(err)
	}
	var whole string
	for _, block := range strings.Split(string(b), "```yaml\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if strings.Contains(block, "connections:") && strings.Contains(block, "steps:") {
			whole = block
			break
		}
	}
	if whole == "" {
		t.Fatal("docs/pipelines.md has no whole pipeline example")
	}
	path := filepath.Join(t.TempDir(), "attendance.yaml")
	writeFile(t, path, whole)
	if err := Validate(path, testOpts()); err != nil {
		t.Errorf("the docs example does not validate:\n%v", err)
	}
	p := mustLoad(t, path, LoadOptions{Now: fixedNow, APIs: generated.APIs(), Getenv: func(k string) string { return "x" },
		ReadFile: func(string) ([]byte, error) { return []byte("token\n"), nil }})
	if len(p.steps) != 8 {
		t.Errorf("the example has %d steps, want 8", len(p.steps))
	}
}
