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
