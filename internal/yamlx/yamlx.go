// Package yamlx decodes YAML into Go structs strictly and reports every problem with its file, line
// and column, not only the first. Specs and pipelines are both loaded with it.
//
// Struct fields are matched by their `yaml` tag (name only; ",omitempty" is ignored). A field of type
// [Pos] is filled with the position of the node the struct was decoded from. A field of type
// *yaml.Node receives the raw node (for expressions decoded later). Unknown keys are errors that name
// the nearest known key.
package yamlx

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	goyaml "github.com/goccy/go-yaml"
	goparser "github.com/goccy/go-yaml/parser"
	"gopkg.in/yaml.v3"
)

// Pos is a position in a YAML file.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Error is a problem at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Errors is a list of problems, sorted by position. It is returned as one error.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders the errors by file, line and column.
func (es Errors) Sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].Pos, es[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Err returns nil for an empty list, else the sorted list.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	es.Sort()
	return es
}

// Decoder decodes nodes of one file and collects errors.
type Decoder struct {
	File string
	Errs Errors
}

// At returns the position of n in the decoder's file.
func (d *Decoder) At(n *yaml.Node) Pos { return Pos{File: d.File, Line: n.Line, Col: n.Column} }

// Errorf records a problem at n.
func (d *Decoder) Errorf(n *yaml.Node, format string, args ...any) {
	d.Errs = append(d.Errs, &Error{Pos: d.At(n), Msg: fmt.Sprintf(format, args...)})
}

// Parse parses b (named file in errors) into a document's root node.
func Parse(file string, b []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, syntaxError(file, b, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{Pos: Pos{File: file, Line: 1, Col: 1}, Msg: "the file is empty"}
	}
	return doc.Content[0], nil
}

// syntaxError turns yaml.v3's "yaml: line N: msg" into a positioned error. yaml.v3 names the
// line where the construct around the problem began (its parser's context mark, so an unclosed
// bracket is reported where its step starts) and no column; goccy/go-yaml's parser points at
// the token it choked on. The later of the two is where the problem shows: the message stays
// yaml.v3's, the one the file was decoded with.
func syntaxError(file string, b []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pos := Pos{File: file, Line: 1, Col: 1}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
				pos.Line, msg = n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	if strings.HasPrefix(msg, "mapping values are not allowed") {
		pos.Col = colonColumn(b, pos.Line)
	}
	var se *goyaml.SyntaxError
	if _, gerr := goparser.ParseBytes(b, 0); errors.As(gerr, &se) && se.Token != nil && se.Token.Position != nil {
		if p := se.Token.Position; p.Line > pos.Line || (p.Line == pos.Line && pos.Col == 1) {
			pos.Line, pos.Col = p.Line, p.Column
		}
	}
	return &Error{Pos: pos, Msg: "YAML syntax: " + msg}
}

// colonColumn is the column of the first ": " (or a final ":") of a line after its first
// character: where a mapping value that is not allowed begins; 1 when there is none.
func colonColumn(b []byte, line int) int {
	lines := strings.Split(string(b), "\n")
	if line < 1 || line > len(lines) {
		return 1
	}
	l := strings.TrimRight(lines[line-1], "\r")
	start := len(l) - len(strings.TrimLeft(l, " "))
	for i := start + 1; i < len(l); i++ {
		if l[i] == ':' && (i+1 == len(l) || l[i+1] == ' ') {
			return utf8.RuneCountInString(l[:i]) + 1
		}
	}
	return 1
}

var (
	posType      = reflect.TypeOf(Pos{})
	nodeType     = reflect.TypeOf((*yaml.Node)(nil))
	durationType = reflect.TypeOf(time.Duration(0))
)

// Unmarshaler is implemented by types that decode themselves from a node.
type Unmarshaler interface {
	UnmarshalYAMLX(d *Decoder, n *yaml.Node)
}

// Decode decodes n into v (a pointer), recording every problem.
func (d *Decoder) Decode(n *yaml.Node, v any) {
	d.decode(n, reflect.ValueOf(v).Elem())
}

func (d *Decoder) decode(n *yaml.Node, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if v.CanAddr() {
		if u, ok := v.Addr().Interface().(Unmarshaler); ok {
			u.UnmarshalYAMLX(d, n)
			return
		}
	}
	switch {
	case v.Type() == nodeType:
		v.Set(reflect.ValueOf(n))
		return
	case v.Type() == durationType:
		if n.Kind != yaml.ScalarNode {
			d.Errorf(n, "want a duration such as 20s or 30m, got %s", kindName(n))
			return
		}
		dur, err := time.ParseDuration(n.Value)
		if err != nil {
			d.Errorf(n, "want a duration such as 20s or 30m, got %q", n.Value)
			return
		}
		v.SetInt(int64(dur))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if n.Tag == "!!null" {
			return
		}
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem())
		v.Set(p)
	case reflect.Struct:
		d.decodeStruct(n, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.Errorf(n, "want a list, got %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), 0, len(n.Content))
		for _, c := range n.Content {
			// An empty item (a bare "-") of a list of records would be a nil record: report it
			// and leave it out, so no caller meets a nil element.
			if c.Tag == "!!null" && v.Type().Elem().Kind() == reflect.Pointer {
				d.Errorf(c, "empty list item")
				continue
			}
			e := reflect.New(v.Type().Elem()).Elem()
			d.decode(c, e)
			s = reflect.Append(s, e)
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.Errorf(n, "want a mapping, got %s", kindName(n))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, ev)
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), ev)
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.Errorf(n, "want a string, got %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			d.Errorf(n, "want true or false, got %s", Describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.Errorf(n, "want a whole number, got %s", Describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.Errorf(n, "want a number, got %s", Describe(n))
			return
		}
		v.SetFloat(f)
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.Errorf(n, "%v", err)
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		d.Errorf(n, "internal: cannot decode into %s", v.Type())
	}
}

func (d *Decoder) decodeStruct(n *yaml.Node, v reflect.Value) {
	t := v.Type()
	fields := map[string]int{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type == posType {
			v.Field(i).Set(reflect.ValueOf(d.At(n)))
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		fields[name] = i
		names = append(names, name)
	}
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "want a mapping with keys %s, got %s", strings.Join(names, ", "), kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		idx, ok := fields[k.Value]
		if !ok {
			msg := fmt.Sprintf("unknown key %q", k.Value)
			if near := Nearest(k.Value, names); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			} else {
				msg += " (known keys: " + strings.Join(names, ", ") + ")"
			}
			d.Errorf(k, "%s", msg)
			continue
		}
		if seen[k.Value] {
			d.Errorf(k, "key %q given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		d.decode(val, v.Field(idx))
	}
}

// KeyNode returns the key node of key in mapping n, or n itself when absent (for error positions).
func KeyNode(n *yaml.Node, key string) *yaml.Node {
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i]
			}
		}
	}
	return n
}

// ValueNode returns the value node of key in mapping n, or nil.
func ValueNode(n *yaml.Node, key string) *yaml.Node {
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// Describe names a node for an error message: a scalar quoted, else "a mapping" or "a list".
func Describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return fmt.Sprintf("%q", n.Value)
	}
	return kindName(n)
}

// Nearest returns the candidate closest to s by edit distance, or "" when none is close.
func Nearest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := distance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// NearestN returns up to n candidates ordered by closeness to s (all within a loose bound).
func NearestN(s string, candidates []string, n int) []string {
	type cd struct {
		c string
		d int
	}
	var cs []cd
	for _, c := range candidates {
		d := distance(strings.ToLower(s), strings.ToLower(c))
		if d <= len(s)/2+2 {
			cs = append(cs, cd{c, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].c)
	}
	return out
}

func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// AsErrors flattens err into a list of positioned errors when it is one.
func AsErrors(err error) (Errors, bool) {
	var es Errors
	if errors.As(err, &es) {
		return es, true
	}
	var e *Error
	if errors.As(err, &e) {
		return Errors{e}, true
	}
	return nil, false
}
