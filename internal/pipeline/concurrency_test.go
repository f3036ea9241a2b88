package pipeline

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConnectionConcurrency: a connection's concurrency is its API's default (the spec's
// concurrency) unless it sets its own, 1 to 64; anything else is an error at the value.
func TestConnectionConcurrency(t *testing.T) {
	tests := []struct {
		name, api, setting string
		want               int
		wantErr            []string
	}{
		{name: "kimai default", api: "kimai", want: 4},
		{name: "kqapi default", api: "kqapi", want: 1},
		{name: "didi default", api: "didi", want: 1},
		{name: "override", api: "kimai", setting: "concurrency: 16", want: 16},
		{name: "lowest", api: "kimai", setting: "concurrency: 1", want: 1},
		{name: "highest", api: "kimai", setting: "concurrency: 64", want: 64},
		{name: "zero", api: "kimai", setting: "concurrency: 0",
			wantErr: []string{`5:18: connection c: concurrency: want the requests a write step keeps in flight, 1 to 64 (kimai's default is 4), got "0"`}},
		{name: "too many", api: "kimai", setting: "concurrency: 65",
			wantErr: []string{`5:18: connection c: concurrency: want the requests a write step keeps in flight, 1 to 64 (kimai's default is 4), got "65"`}},
		{name: "not a number", api: "kimai", setting: "concurrency: four",
			wantErr: []string{`5:18: connection c: concurrency: want the requests a write step keeps in flight, 1 to 64 (kimai's default is 4), got "four"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "timezone: Asia/Shanghai\nconnections:\n  c:\n    api: " + tt.api + "\n"
			if tt.setting != "" {
				src += "    " + tt.setting + "\n"
			}
			src += "steps:\n  - id: rows\n    read: {file: x.jsonl, fields: {a: string}}\n"
			path, _ := writePipeline(t, src)
			o := testOpts()
			if tt.wantErr != nil {
				if d := cmp.Diff(tt.wantErr, loadErrors(t, path, o, false)); d != "" {
					t.Errorf("errors (-want +got):\n%s", d)
				}
				return
			}
			c, err := Compile(path, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.p.conns[0].ref.Concurrency; got != tt.want {
				t.Errorf("concurrency %d, want %d", got, tt.want)
			}
		})
	}
}
