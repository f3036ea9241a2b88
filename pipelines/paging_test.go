package pipelines_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/generated"
	"github.com/specpipe/specpipe/internal/runtime/registry"
)

// TestShippedPipelinesLeavePagingToThePager: a call that walks every page gets its paging
// parameters (Didi's offset and length, kqapi's page, Kimai's page and size) from the pager, so
// no shipped pipeline writes them out; only a call with pages: first may choose its page.
func TestShippedPipelinesLeavePagingToThePager(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no pipelines: %v", err)
	}
	apis := map[string]*registry.API{}
	for _, a := range generated.APIs() {
		apis[a.Name] = a
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Connections map[string]struct {
				API string `yaml:"api"`
			} `yaml:"connections"`
			Steps []struct {
				ID   string `yaml:"id"`
				Call *struct {
					Conn   string         `yaml:"conn"`
					Op     string         `yaml:"op"`
					Pages  string         `yaml:"pages"`
					Params map[string]any `yaml:"params"`
				} `yaml:"call"`
			} `yaml:"steps"`
		}
		if err := yaml.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range p.Steps {
			if s.Call == nil || s.Call.Pages == "first" {
				continue
			}
			api := apis[p.Connections[s.Call.Conn].API]
			if api == nil {
				t.Fatalf("%s: step %s: connection %s has no known API", f, s.ID, s.Call.Conn)
			}
			op, ok := api.Op(s.Call.Op)
			if !ok {
				t.Fatalf("%s: step %s: %s has no operation %s", f, s.ID, api.Name, s.Call.Op)
			}
			for name := range s.Call.Params {
				if op.Paged && slices.Contains(op.PagingParams, name) {
					t.Errorf("%s: step %s gives %s.%s's paging parameter %s: the pager sets it", f, s.ID, api.Name, op.Name, name)
				}
			}
		}
	}
}
