package pipeline

import (
	"strings"
	"testing"
)

// TestExistingErrors: a write step's existing: names a list operation of its connection and a
// key over item; its params see params only, and same is a bool over item and r.
func TestExistingErrors(t *testing.T) {
	const head = `timezone: Asia/Shanghai
connections:
  kimai: {api: kimai, base_url: "http://127.0.0.1:1", token: "${KIMAI_TOKEN}"}
steps:
  - id: rows
    read: {file: rows.jsonl, fields: {key: string, user: int}}
  - id: book
    write:
      conn: kimai
      op: createTimesheet
      key: r.key
      params: {user: r.user, project: 1, activity: 1, description: r.key}
`
	for _, tt := range []struct {
		name, existing string
		want           []string
	}{
		{"good", `{op: listTimesheets, params: {user: '"all"'}, key: item.description, same: item.user == r.user}`, nil},
		{"unknown op", `{op: listTimesheet, key: item.description}`, []string{`step book: existing: kimai has no operation "listTimesheet" (did you mean listTimesheets`}},
		{"a write op", `{op: createTimesheet, key: item.description}`, []string{`step book: existing: kimai.createTimesheet changes data; existing needs a list operation`}},
		{"no key", `{op: listTimesheets}`, []string{`step book: existing: key: is required`}},
		{"params see no r", `{op: listTimesheets, params: {user: string(r.user)}, key: item.description}`, []string{`unknown name r`}},
		{"same not bool", `{op: listTimesheets, key: item.description, same: item.user}`, []string{`expected bool`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := writePipeline(t, head+"      existing: "+tt.existing+"\n")
			got := loadErrors(t, path, testOpts(), true)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("error %d:\n got %s\nwant it to contain %s", i, got[i], w)
				}
			}
		})
	}
}
