package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// lookupDupPipeline is a pipeline whose lookup indexes users.csv, where account 1001 repeats
// (records 1 and 3), with onDuplicate as the lookup's on_duplicate ("" for none).
func lookupDupPipeline(t *testing.T, onDuplicate string) (path, tmp string) {
	t.Helper()
	lookup := "{key: r.account}"
	if onDuplicate != "" {
		lookup = "{key: r.account, on_duplicate: " + onDuplicate + "}"
	}
	path, tmp = writePipeline(t, `
timezone: Asia/Shanghai
steps:
  - id: users
    read:
      file: "{{tmp}}/users.csv"
      fields: {account: string, kimai_user: int}
  - id: user_by_account
    lookup: `+lookup+`
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: out
    output:
      file: "{{tmp}}/joined.jsonl"
      fields:
        id: r.atten_id
        user: lookup("user_by_account", r.atten_uid).kimai_user
`)
	writeFile(t, filepath.Join(tmp, "users.csv"), "account,kimai_user\n1001,7\n1002,8\n1001,9\n")
	return path, tmp
}

// TestLookupRepeatedKey: a lookup whose input repeats a key fails the run as a data error
// (exit 2) naming the key and both records, unless on_duplicate says which record to keep.
func TestLookupRepeatedKey(t *testing.T) {
	tests := []struct {
		onDuplicate string
		wantErr     []string // the run fails with an error saying each; nil: it succeeds
		wantUser    float64  // account 1001's kimai_user, when the run succeeds
	}{
		{onDuplicate: "", wantErr: []string{"user_by_account", `"1001"`, "records 1 and 3", "on_duplicate"}},
		{onDuplicate: "error", wantErr: []string{"user_by_account", `"1001"`, "records 1 and 3"}},
		{onDuplicate: "first", wantUser: 7},
		{onDuplicate: "last", wantUser: 9},
	}
	for _, tt := range tests {
		t.Run("on_duplicate="+tt.onDuplicate, func(t *testing.T) {
			path, tmp := lookupDupPipeline(t, tt.onDuplicate)
			p := mustLoad(t, path, testOpts())
			_, err := p.Run(context.Background(), RunOptions{})
			if tt.wantErr != nil {
				if err == nil || !IsConfigError(err) {
					t.Fatalf("Run error = %v, want a configuration or data error (exit 2)", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Run error %q does not say %q", err, w)
					}
				}
				if _, serr := os.Stat(filepath.Join(tmp, "joined.jsonl")); serr == nil {
					t.Errorf("the run wrote its output despite the repeated key")
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := readJSONL(t, filepath.Join(tmp, "joined.jsonl"))
			want := []map[string]any{{"id": "1", "user": tt.wantUser}, {"id": "2", "user": float64(8)}}
			if d := cmp.Diff(want, got[:min(len(got), 2)]); d != "" {
				t.Errorf("joined (-want +got):\n%s", d)
			}
		})
	}
}

func TestLookupOnDuplicateInvalid(t *testing.T) {
	path, _ := lookupDupPipeline(t, "newest")
	got := loadErrors(t, path, testOpts(), false)
	if len(got) != 1 || !strings.Contains(got[0], "on_duplicate: want error, first or last, got \"newest\"") {
		t.Errorf("load errors %q, want one saying on_duplicate's values", got)
	}
}
