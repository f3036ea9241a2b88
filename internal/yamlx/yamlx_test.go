package yamlx

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type inner struct {
	Pos  Pos
	Name string `yaml:"name"`
	N    int    `yaml:"n"`
}

type doc struct {
	Title string        `yaml:"title"`
	Every time.Duration `yaml:"every"`
	On    bool          `yaml:"on"`
	Items []inner       `yaml:"items"`
	Tags  map[string]string
	Named map[string]inner `yaml:"named"`
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	src := `title: x
every: soon
on: maybe
items:
  - {name: a, n: 1}
  - name: b
    nn: 2
named:
  k: [1]
titel: y
`
	root, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := &Decoder{File: "p.yaml"}
	var v doc
	d.Decode(root, &v)
	want := []string{
		`p.yaml:2:8: want a duration such as 20s or 30m, got "soon"`,
		`p.yaml:3:5: want true or false, got "maybe"`,
		`p.yaml:7:5: unknown key "nn" (did you mean "n"?)`,
		`p.yaml:9:6: want a mapping with keys name, n, got a list`,
		`p.yaml:10:1: unknown key "titel" (did you mean "title"?)`,
	}
	var got []string
	for _, e := range d.Errs {
		got = append(got, e.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if v.Items[1].Pos.Line != 6 || v.Items[0].Name != "a" || v.Items[0].N != 1 {
		t.Errorf("items = %+v", v.Items)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"", "p.yaml:1:1: the file is empty"},
		{"a: [1,\nb: 2\n", "p.yaml:"},
		{"a: b\n\tc: d\n", "YAML syntax"},
	} {
		_, err := Parse("p.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestNearest(t *testing.T) {
	names := []string{"atten_time", "atten_uid", "atten_status", "realname"}
	if got := Nearest("atten_tme", names); got != "atten_time" {
		t.Errorf("Nearest = %q", got)
	}
	if got := Nearest("zzzzzzzz", names); got != "" {
		t.Errorf("Nearest of something far = %q, want none", got)
	}
	if got := NearestN("atten_tim", names, 2); len(got) == 0 || got[0] != "atten_time" {
		t.Errorf("NearestN = %v", got)
	}
}

// TestSyntaxErrorPositions checks that a syntax error points at the problem, not at the start of
// the construct around it (yaml.v3's line) and not at column 1.
func TestSyntaxErrorPositions(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"value indented too deep", "name: a\nsteps:\n  - id: a\n    kind: call\n     call: x\n", "p.yaml:5:10: "},
		{"tab", "name: a\nsteps:\n  - id: a\n\tcall: x\n", "p.yaml:4:1: "},
		{"unclosed quote", "name: a\nsteps:\n  - id: \"a\n    call: x\n", "p.yaml:3:9: "},
		{"unclosed brace", "name: a\nsteps:\n  - id: a\n    call: {conn: x, op: y\n  - id: b\n", "p.yaml:5:3: "},
		{"key indented too little", "name: a\nsteps:\n  - id: a\n    call: x\n   map: y\n", "p.yaml:5:4: "},
		{"unclosed bracket", "steps:\n  - id: a\n    read: {file: [x\n", "p.yaml:3:18: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tc.src))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want+"YAML syntax: ") {
				t.Errorf("Parse = %v, want %sYAML syntax: ...", err, tc.want)
			}
		})
	}
}

// FuzzParse checks that Parse never panics, whatever the bytes (a syntax error's position comes
// from a second parser, which must not panic either).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a: b\n", "a: [1,\nb: 2\n", "a: b\n\tc: d\n", "steps:\n  - id: a\n    read: {file: [x\n",
		"name: a\nsteps:\n  - id: \"a\n", "a:\n  - b\n - c\n", "&a [*a]\n", "? a\n: b\n", "a: |\n  x\n b\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := Parse("f.yaml", b)
		if err != nil && !strings.HasPrefix(err.Error(), "f.yaml:") {
			t.Errorf("error without a position: %v", err)
		}
	})
}
