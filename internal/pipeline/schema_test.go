package pipeline_test

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/generated"
	"github.com/specpipe/specpipe/internal/pipeline"
)

var updateSchema = flag.Bool("update-schema", false, "rewrite pipelines/schema.json")

// TestSchemaFile checks that pipelines/schema.json is the schema the loader's model makes
// (go test ./internal/pipeline -run TestSchemaFile -update-schema rewrites it).
func TestSchemaFile(t *testing.T) {
	const path = "../../pipelines/schema.json"
	got, err := pipeline.Schema(generated.APIs())
	if err != nil {
		t.Fatal(err)
	}
	if *updateSchema {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is stale: run go test ./internal/pipeline -run TestSchemaFile -update-schema (-file +model):\n%s", path, diff)
	}
}
