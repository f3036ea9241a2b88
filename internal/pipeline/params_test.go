package pipeline

import (
	"strings"
	"testing"
)

// TestParamChecks: a param's pattern: and after: reject malformed values (given or default)
// when the pipeline is bound, before any call, and bad declarations are load errors.
func TestParamChecks(t *testing.T) {
	const src = `
timezone: Asia/Shanghai
params:
  month: {type: string, default: "'2026-10'", pattern: '\d{4}-(0[1-9]|1[0-2])'}
  from: {type: date, default: "date('2026-10-01')"}
  to: {type: date, default: "date('2026-10-31')", after: from}
steps:
  - id: months
    each: 'days(params.from, params.to)'
`
	path, _ := writePipeline(t, src)
	c, err := Compile(path, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		params map[string]string
		want   string // a part of the error; empty: no error
	}{
		{nil, ""},
		{map[string]string{"month": "2026-12", "from": "2026-10-05", "to": "2026-10-05"}, ""},
		{map[string]string{"month": "2026-1"}, `param month: "2026-1" does not match its pattern`},
		{map[string]string{"month": "2026-13"}, `param month: "2026-13" does not match`},
		{map[string]string{"month": "x2026-10"}, `param month: "x2026-10" does not match`},
		{map[string]string{"from": "2026-11-02", "to": "2026-11-01"}, "param to (2026-11-01) is before param from (2026-11-02)"},
		{map[string]string{"from": "2026-11-02"}, "param to (2026-10-31) is before param from (2026-11-02)"},
	} {
		_, err := c.Bind(Binding{Params: tc.params})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Bind(%v): %v", tc.params, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Bind(%v): %v, want %q", tc.params, err, tc.want)
		case tc.want != "" && !IsConfigError(err):
			t.Errorf("Bind(%v): %v is not a configuration error", tc.params, err)
		}
	}
}

func TestParamCheckDeclarations(t *testing.T) {
	for _, tc := range []struct{ params, want string }{
		{`n: {type: int, pattern: '\d+'}`, "param n: pattern: only a string param has one (this one is int)"},
		{`s: {type: string, pattern: '(('}`, "param s: pattern: error parsing regexp"},
		{`s: {type: string, after: t}`, "param s: after: only a param of type int, float, date, datetime, duration has one"},
		{`to: {type: date, after: frm}`, `param to: after: the pipeline declares no param "frm"`},
		{"from: {type: datetime}\n  to: {type: date, after: from}", "param to: after: param from has type datetime, want date"},
	} {
		path, _ := writePipeline(t, "params:\n  "+tc.params+"\nsteps:\n  - id: one\n    each: \"days(date('2026-10-01'), date('2026-10-02'))\"\n")
		_, err := Compile(path, testOpts())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.params, err, tc.want)
		}
	}
}
