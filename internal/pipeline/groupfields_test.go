package pipeline

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGroupFieldReads: a group reads a key or order that is one field of the record (r.name)
// straight from the record; it must group and order exactly as running the expression does
// (here forced by writing the same field as a longer expression).
func TestGroupFieldReads(t *testing.T) {
	var data strings.Builder
	for i := range 400 {
		at := fmt.Sprintf("2026-11-%02dT%02d:%02d:00+08:00", 1+i%3, (i*7)%24, (i*13)%60)
		if i%17 == 0 {
			at = "" // the zero time orders first
		}
		fmt.Fprintf(&data, `{"name":"n%d","n":%d,"f":%g,"at":%q}`+"\n", i%5, (i%7)-3, float64((i*37)%11)-5.5, at)
	}
	const src = `
timezone: Asia/Shanghai
steps:
  - id: in
    read: {file: "{{tmp}}/in.jsonl", fields: {name: string, n: int, f: float, at: datetime}}
  - id: g
    group: {by: {name: %s, n: %s}, order: %s}
  - id: m
    map: {name: r.name, n: r.n, count: r.count, first: r.first.f, last: r.last.f, firstAt: r.first.at, lastAt: r.last.at}
  - id: out
    output: {file: "{{tmp}}/out.jsonl"}
`
	run := func(name, n, order string) []map[string]any {
		path, tmp := writePipeline(t, fmt.Sprintf(src, name, n, order))
		writeFile(t, filepath.Join(tmp, "in.jsonl"), data.String())
		mustRun(t, mustLoad(t, path, testOpts()), RunOptions{})
		return readJSONL(t, filepath.Join(tmp, "out.jsonl"))
	}
	for _, order := range [][2]string{{"r.f", "r.f + 0.0"}, {"r.at", `r.at + duration("0s")`}, {"r.n", "r.n + 0"}} {
		t.Run(order[0], func(t *testing.T) {
			want := run(`r.name + ""`, "r.n + 0", order[1])
			got := run("r.name", "r.n", order[0])
			if len(want) < 10 {
				t.Fatalf("only %d groups", len(want))
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-expressions run +fields read):\n%s", d)
			}
		})
	}
}
