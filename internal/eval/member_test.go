package eval

import (
	"reflect"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/yamlx"
)

// TestMember: only an expression that is one member of a name reports it.
func TestMember(t *testing.T) {
	type rec struct {
		UID  string    `expr:"atten_uid"`
		At   time.Time `expr:"atten_time"`
		Next *rec      `expr:"next"`
	}
	sc := Scope{Vars: map[string]reflect.Type{"r": reflect.TypeFor[*rec]()}}
	for _, tc := range []struct {
		src        string
		of, member string
	}{
		{"r.atten_uid", "r", "atten_uid"},
		{"r.atten_time", "r", "atten_time"},
		{"r[\"atten_uid\"]", "r", "atten_uid"},
		{"r?.atten_uid", "", ""},
		{"r.next.atten_uid", "", ""},
		{"r.atten_uid + \"x\"", "", ""},
		{"workday(r.atten_time)", "", ""},
		{"\"r.atten_uid\"", "", ""},
	} {
		d := &yamlx.Decoder{File: "p.yaml"}
		c := NewCompiler(d, []byte(tc.src), Funcs{Loc: time.UTC, Now: time.Now})
		p := c.Compile(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: tc.src, Line: 1, Column: 1}, sc, WantAny)
		if err := d.Errs.Err(); err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		of, member, ok := p.Member()
		if of != tc.of || member != tc.member || ok != (tc.of != "") {
			t.Errorf("%s: Member() = %q, %q, %v, want %q, %q", tc.src, of, member, ok, tc.of, tc.member)
		}
	}
}
