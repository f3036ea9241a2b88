package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A valid head used by the error cases; line numbers in the cases count from line 1 of it.
const kqHead = `timezone: Asia/Shanghai
connections:
  kq:
    api: kqapi
    base_url: http://127.0.0.1:1
    account: ${KQAPI_ACCOUNT}
    key: ${KQAPI_KEY}
steps:
  - id: punches
    call: {conn: kq, op: recordlog, params: {start: "'2026-11-20'", end: "'2026-11-20'"}}
`

func TestTypeCheck(t *testing.T) {
	tests := []struct {
		name  string
		steps string
		want  []string // substrings of "line:col: message", in order
	}{
		{
			name:  "good fields",
			steps: "  - id: ok\n    filter: r.atten_status == \"0\" && r.atten_time.Hour() < 12\n",
		},
		{
			name:  "misspelt field",
			steps: "  - id: ok\n    filter: r.atten_tme.Hour() < 12\n",
			want:  []string{`12:15: expression "r.atten_tme.Hour() < 12": type kqapi.Punch has no field atten_tme (did you mean atten_time, atten_type`},
		},
		{
			name:  "misspelt field in a quoted scalar",
			steps: "  - id: ok\n    filter: \"r.atten_uid == '1' && r.realnme == 'x'\"\n",
			want:  []string{`12:38: expression "r.atten_uid == '1' && r.realnme == 'x'": type kqapi.Punch has no field realnme (did you mean realname`},
		},
		{
			name:  "time plus int",
			steps: "  - id: m\n    map: {t: r.atten_time + 1}\n",
			want:  []string{`12:27: expression "r.atten_time + 1": invalid operation: + (mismatched types time.Time and int)`},
		},
		{
			name:  "filter not bool",
			steps: "  - id: ok\n    filter: r.atten_uid\n",
			want:  []string{`12:13: expression "r.atten_uid": expected bool, but got string`},
		},
		{
			name:  "unknown function",
			steps: "  - id: m\n    map: {d: workdya(r.atten_time)}\n",
			want:  []string{`12:14: expression "workdya(r.atten_time)": unknown name workdya (did you mean workday`},
		},
		{
			name:  "field of a map step",
			steps: "  - id: m\n    map: {person: r.atten_uid}\n  - id: f\n    filter: r.persn == '1'\n",
			want:  []string{`14:15: expression "r.persn == '1'": the record has no field persn (did you mean person?)`},
		},
		{
			name:  "group fields",
			steps: "  - id: g\n    group: {by: {p: r.atten_uid}}\n  - id: m\n    map: {n: r.count + 1, t: r.first.atten_time, x: r.frist}\n",
			want:  []string{`the record has no field frist (did you mean first`},
		},
		{
			name:  "unknown lookup",
			steps: "  - id: m\n    map: {u: \"lookup('users', r.atten_uid)\"}\n",
			want:  []string{`12:22: expression "lookup('users', r.atten_uid)": unknown lookup step "users" (known lookup steps: none)`},
		},
		{
			name:  "unknown step key",
			steps: "  - id: ok\n    fitler: r.atten_status == '0'\n",
			want:  []string{`11:5: step ok: no kind`, `12:5: unknown step key "fitler" (did you mean filter`},
		},
		{
			name:  "unknown operation",
			steps: "  - id: c\n    call: {conn: kq, op: recordlgo}\n",
			want:  []string{`12:26: kqapi has no operation "recordlgo" (did you mean recordlog`},
		},
		{
			name:  "unknown parameter",
			steps: "  - id: c\n    call: {conn: kq, op: recordlog, params: {strat: \"'x'\"}}\n",
			want:  []string{`12:46: kqapi.recordlog has no parameter "strat" (did you mean start`},
		},
		{
			name:  "write with a read operation",
			steps: "  - id: w\n    write: {conn: kq, op: getEmployee, key: r.atten_id}\n",
			want:  []string{`12:27: step w: kqapi.getEmployee only reads: use a call step`},
		},
		{
			name:  "folded block scalar",
			steps: "  - id: ok\n    filter: >-\n      r.atten_status == \"0\"\n      && r.atten_tme.Hour() < 12\n",
			want:  []string{`14:12: expression "r.atten_status == \"0\" && r.atten_tme.Hour() < 12": type kqapi.Punch has no field atten_tme`},
		},
		{
			name:  "literal block scalar",
			steps: "  - id: m\n    map:\n      x: |\n        r.atten_uid +\n          r.realnme\n",
			want:  []string{`15:13: expression "r.atten_uid +\n  r.realnme": type kqapi.Punch has no field realnme`},
		},
		{
			name:  "every problem at once",
			steps: "  - id: a\n    filter: r.nope\n  - id: b\n    map: {x: r.atten_time + 1}\n",
			want:  []string{`12:15: expression "r.nope"`, `14:27: expression "r.atten_time + 1"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := writePipeline(t, kqHead+tt.steps)
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

func TestLoadErrors(t *testing.T) {
	env := map[string]string{"KQAPI_ACCOUNT": "acct"}
	tests := []struct {
		name     string
		src      string
		params   map[string]string
		validate bool
		want     []string
	}{
		{
			name: "unknown top-level key",
			src:  "timezon: Asia/Shanghai\nsteps: []\n",
			want: []string{`1:1: unknown key "timezon" (did you mean "timezone"?)`},
		},
		{
			name: "syntax error",
			src:  "steps:\n  - id: a\n    read: {file: [x\n",
			want: []string{`3:18: YAML syntax: did not find expected ',' or ']'`}, // the unclosed [
		},
		{
			name: "missing env var named",
			src:  kqHead,
			want: []string{`7:10: connection kq: key: environment variable KQAPI_KEY is not set`},
		},
		{
			name:     "validate does not need secrets",
			src:      kqHead,
			validate: true,
		},
		{
			name: "credential omitted falls back to the spec's variable",
			src:  strings.Replace(kqHead, "    key: ${KQAPI_KEY}\n", "", 1),
			want: []string{`3:3: connection kq: credential key is not set: environment variable KQAPI_KEY is not set`},
		},
		{
			name: "self-hosted base URL has no default",
			src:  "connections:\n  kimai: {api: kimai, token: \"${KQAPI_ACCOUNT}\"}\nsteps: []\n",
			want: []string{`2:3: connection kimai: base_url is not set: kimai is self-hosted, so it has no default: set environment variable KIMAI_BASE_URL to your installation's URL (or give base_url: ${VAR} in the connection)`},
		},
		{
			name:     "validate does not need the self-hosted base URL",
			src:      "connections:\n  kimai: {api: kimai, token: \"${KQAPI_ACCOUNT}\"}\nsteps: []\n",
			validate: true,
		},
		{
			name: "literal secret",
			src:  strings.Replace(kqHead, "${KQAPI_KEY}", "s3cr3t-value", 1),
			want: []string{`7:10: connection kq: key is a secret: write ${ENV_VAR} or ${file:/path}, never the value itself`},
		},
		{
			name:     "literal secret also fails validate",
			src:      strings.Replace(kqHead, "${KQAPI_KEY}", "s3cr3t-value", 1),
			validate: true,
			want:     []string{`7:10: connection kq: key is a secret`},
		},
		{
			name: "unknown API and setting",
			src:  "connections:\n  k: {api: kqapi, acount: x}\n  d: {api: kimia}\nsteps: []\n",
			want: []string{`2:3: connection k: credential`, `2:19: connection k: unknown setting "acount" for kqapi (did you mean account`, `3:12: unknown API "kimia"`},
		},
		{
			name:   "wrong param type",
			src:    "params:\n  day: {type: date}\n  n: {type: int, default: 1}\nsteps: []\n",
			params: map[string]string{"day": "20.11.2026", "n": "x"},
			want:   []string{`2:3: --param day=20.11.2026: want a date such as 2026-11-20, got "20.11.2026"`, `3:3: --param n=x: want a whole number, got "x"`},
		},
		{
			name:   "unknown param",
			src:    "params:\n  day: {type: date, default: today()}\nsteps: []\n",
			params: map[string]string{"dya": "2026-11-20"},
			want:   []string{`1:1: --param dya: the pipeline declares no such parameter (did you mean day?)`},
		},
		{
			name: "param without value",
			src:  "params:\n  day: {type: date}\nsteps: []\n",
			want: []string{`2:3: param day has no default: give --param day=...`},
		},
		{
			name: "param default of the wrong type",
			src:  "params:\n  day: {type: date, default: \"'yesterday'\"}\n  k: {type: strin}\nsteps: []\n",
			want: []string{`2:30: param day: the default is text, want date`, `3:13: param k: type "strin" is not one of`},
		},
		{
			name: "step without input",
			src:  "steps:\n  - id: f\n    filter: r.x\n",
			want: []string{`3:5: step f: a filter step reads the records of the step before it, and it is the first step`},
		},
		{
			name:     "call without params: of an operation with required ones",
			src:      strings.Replace(kqHead, `call: {conn: kq, op: recordlog, params: {start: "'2026-11-20'", end: "'2026-11-20'"}}`, "call: {conn: kq, op: getUserDetail}", 1),
			validate: true,
			want:     []string{`10:11: step punches: kqapi.getUserDetail: required parameter useraccount is missing (give it under params:)`},
		},
		{
			name:     "write without params: of an operation with required ones",
			src:      strings.Replace(kqHead, `call: {conn: kq, op: recordlog, params: {start: "'2026-11-20'", end: "'2026-11-20'"}}`, "call: {conn: kq, op: recordlog}\n  - id: w\n    write: {conn: kq, op: addDepartment, key: r.atten_uid}", 1),
			validate: true,
			want:     []string{`12:12: step w: kqapi.addDepartment: required parameters parentid, deptname are missing (give them under params:)`},
		},
		{
			name:     "a required parameter missing from params:",
			src:      strings.Replace(kqHead, `call: {conn: kq, op: recordlog, params: {start: "'2026-11-20'", end: "'2026-11-20'"}}`, "call: {conn: kq, op: recordlog}\n  - id: w\n    write: {conn: kq, op: addDepartment, key: r.atten_uid, params: {deptname: r.realname}}", 1),
			validate: true,
			want:     []string{`12:68: step w: kqapi.addDepartment: required parameter parentid is missing`},
		},
		{
			name:     "an expression too long for the parser",
			src:      strings.Replace(kqHead, `"'2026-11-20'"}}`, `"'2026-11-20'"}}`+"\n  - id: f\n    filter: '"+strings.Repeat("(", 600000)+"true"+strings.Repeat(")", 600000)+"'", 1),
			validate: true,
			want:     []string{`12:13: expression "` + strings.Repeat("(", 57) + `...": longer than 16 KiB`},
		},
		{
			name:     "a second YAML document",
			src:      kqHead + "---\nsteps: []\n",
			validate: true,
			want:     []string{`11:1: a pipeline file holds one YAML document; this second one (after ---) would be ignored`},
		},
		{
			name: "unknown read type",
			src:  "steps:\n  - id: r\n    read: {file: x.jsonl, type: kqapi.Punsh}\n",
			want: []string{`3:33: step r: unknown record type "kqapi.Punsh" (did you mean kqapi.Punch`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := writePipeline(t, tt.src)
			o := testOpts()
			o.Getenv = func(k string) string { return env[k] }
			o.Params = tt.params
			got := loadErrors(t, path, o, tt.validate)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("error %d:\n got %s\nwant it to contain %s", i, got[i], w)
				}
			}
			for _, g := range got {
				if strings.Contains(g, "s3cr3t") {
					t.Errorf("an error shows the secret: %s", g)
				}
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	err := Validate(path, testOpts())
	if err == nil || !strings.Contains(err.Error(), "nope.yaml:1:1: no such pipeline file") {
		t.Errorf("Validate of a missing file: %v", err)
	}
	if !IsConfigError(err) {
		t.Errorf("%v is not a configuration error", err)
	}
}

func TestConnectionSettings(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte("from-file\n"), 0o600)
	path, _ := writePipeline(t, `
connections:
  kq:
    api: kqapi
    base_url: ${KQ_URL:-http://127.0.0.1:8002}
    key: ${file:`+keyFile+`}
    min_interval: {account: 1s}
    timeout: 5s
    retries: 2
steps:
  - id: punches
    call: {conn: kq, op: recordlog}
`)
	o := testOpts()
	o.Getenv = func(k string) string { return map[string]string{"KQAPI_ACCOUNT": "acct"}[k] }
	p := mustLoad(t, path, o)
	c := p.conns[0]
	if d := cmp.Diff(map[string]string{"account": "acct", "key": "from-file"}, c.settings.Credentials); d != "" {
		t.Errorf("credentials (-want +got):\n%s", d)
	}
	if c.settings.BaseURL != "http://127.0.0.1:8002" || c.settings.Transport.Timeout.String() != "5s" || c.retries != 3 ||
		c.settings.Transport.Intervals["account"].String() != "1s" {
		t.Errorf("settings: %+v retries %d", c.settings, c.retries)
	}
}
