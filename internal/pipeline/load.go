package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/convert"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/scalar"
	"github.com/specpipe/specpipe/internal/step"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// LoadOptions configure [Load] and [Validate]: Now, APIs (and kinds) are what [Compile] needs,
// Getenv, ReadFile and Params what [Compiled.Bind] needs.
type LoadOptions struct {
	// Getenv reads environment variables for ${NAME} references. Nil: os.Getenv.
	Getenv func(string) string
	// ReadFile reads ${file:/path} credentials. Nil: secretfile.Read (one line, at most 64 KiB).
	ReadFile func(string) ([]byte, error)
	// Params are the --param overrides, checked against the declared types.
	Params map[string]string
	// Now is the clock of now(), today() and default expressions. Nil: time.Now.
	Now func() time.Time
	// APIs are the APIs connections may name and read steps take record types from (pipe
	// passes every generated API). The engine knows no API of its own.
	APIs []*registry.API
	// kinds are the step kinds steps may use. Nil: step.Kinds() (tests add kinds of their own).
	kinds []step.Kind
}

// Binding is what a run adds to a compiled pipeline: parameter values and the environment.
type Binding struct {
	// Params are the --param overrides, checked against the declared types.
	Params map[string]string
	// Getenv reads environment variables for ${NAME} references. Nil: os.Getenv.
	Getenv func(string) string
	// ReadFile reads ${file:/path} credentials. Nil: secretfile.Read (one line, at most 64 KiB).
	ReadFile func(string) ([]byte, error)
}

// Compiled is a parsed, type-checked pipeline, without parameter values or credentials:
// [Compiled.Bind] makes a runnable [Pipeline] of it per run (or per incremental window). It
// holds no state of a run.
type Compiled struct {
	p *Pipeline // the pipeline without param values and settings
	// paramsKey is the params: key (the place of an unknown --param), nil without params.
	paramsKey *yaml.Node
}

// Pipeline is a bound, type-checked pipeline, ready to [Pipeline.Run] or [Pipeline.Plan]. It
// holds no state of a run, so it may be run more than once (one run at a time).
type Pipeline struct {
	// Name identifies the pipeline in the state store (the file's name: key, or its base name).
	Name string
	// File is the path it was loaded from.
	File string
	// Doc is the pipeline's doc: text.
	Doc string

	dir    string
	loc    *time.Location
	conns  []*connection
	params []*param
	// paramValues is the params struct (a value of paramType) that expressions see as params.
	paramValues any
	paramType   reflect.Type
	steps       []*stepDef
	incremental *Incremental
}

// connection is a named connection to an API. Compile checks its settings; Bind expands them.
type connection struct {
	name     string
	key      *yaml.Node // the connection's name in the file, where problems of its own go
	ref      *step.Conn // what steps know of it
	api      *registry.API
	values   []connValue   // the settings the file gives, expanded by Bind
	timeout  time.Duration // 0: the transport's default
	retries  int           // 0: the transport's default
	settings registry.Settings
}

// connValue is one setting of a connection that may hold ${...} references.
type connValue struct {
	what     string // base_url, min_interval or credential
	name     string // the credential's or the rate limit's name
	key, val *yaml.Node
	bad      bool // reported by Compile: given, but not expanded
}

// param is a declared run parameter.
type param struct {
	name, typ, doc string
	key            *yaml.Node
	hasDef         bool
	def            *eval.Program // the default expression (nil: none, or it did not compile)
	value          any
	// pattern, when set, is what a string param's value must match in full (pattern:, as
	// written in patternText).
	pattern     *regexp.Regexp
	patternText string
	// after names a param of the same type this one may not be before (after: from), given
	// at afterAt.
	after   string
	afterAt *yaml.Node
}

type fileYAML struct {
	Name        string     `yaml:"name"`
	Doc         string     `yaml:"doc"`
	Timezone    string     `yaml:"timezone"`
	DayBoundary string     `yaml:"day_boundary"`
	Connections *yaml.Node `yaml:"connections"`
	Params      *yaml.Node `yaml:"params"`
	Steps       *yaml.Node `yaml:"steps"`
	Incremental *yaml.Node `yaml:"incremental"`
}

type paramYAML struct {
	Type    string     `yaml:"type"`
	Default *yaml.Node `yaml:"default"`
	Doc     string     `yaml:"doc"`
	Pattern string     `yaml:"pattern"`
	After   string     `yaml:"after"`
}

// Load compiles the pipeline at path and binds it to opts' params and environment: it reads,
// checks and type-checks the file, resolves its connections' settings (environment variables,
// credential files) and its parameters. Every problem found is returned at once as
// [yamlx.Errors], each with file:line:column.
func Load(path string, opts LoadOptions) (*Pipeline, error) {
	return load(path, opts, false)
}

// Validate checks the pipeline at path as [Load] does, without needing the secrets: missing
// environment variables, credential files and parameters without a value are not reported
// (Load and Run report them). It makes no network call.
func Validate(path string, opts LoadOptions) error {
	_, err := load(path, opts, true)
	return err
}

func load(path string, opts LoadOptions, lenient bool) (*Pipeline, error) {
	c, err := compile(path, opts)
	if c == nil {
		return nil, err
	}
	p, berr := c.bind(Binding{Params: opts.Params, Getenv: opts.Getenv, ReadFile: opts.ReadFile}, lenient)
	if err != nil || berr != nil {
		return nil, mergeErrors(err, berr)
	}
	return p, nil
}

// mergeErrors reports the problems of compiling and of binding together, in file order.
func mergeErrors(errs ...error) error {
	var all yamlx.Errors
	for _, err := range errs {
		if err == nil {
			continue
		}
		es, ok := yamlx.AsErrors(err)
		if !ok {
			return err
		}
		all = append(all, es...)
	}
	if len(errs) > 1 {
		slices.SortStableFunc(all, func(a, b *yamlx.Error) int {
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line - b.Pos.Line
			}
			return a.Pos.Col - b.Pos.Col
		})
	}
	return all.Err()
}

// Compile reads, checks and type-checks the pipeline at path once, and narrows the records of
// its read and group steps to the fields its expressions read. It needs no parameter value or
// credential: [Compiled.Bind] adds them. Every problem is returned at once as [yamlx.Errors].
func Compile(path string, opts LoadOptions) (*Compiled, error) {
	c, err := compile(path, opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// compile is Compile that also returns what it could compile of a pipeline with problems (nil
// when the file cannot be read or parsed), so Load reports the problems of binding it too.
func compile(path string, opts LoadOptions) (*Compiled, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.kinds == nil {
		opts.kinds = step.Kinds()
	}
	c, narrow, err := compileOnce(path, opts, nil)
	if err != nil || len(narrow) == 0 {
		return c, err
	}
	// Compile again with the records narrowed to the fields the expressions read: a record
	// then takes the memory of those fields only (a group holding first and last records of
	// many groups stays small). The first compile has checked everything. Narrowing earns
	// its keep: without it bench/transform.sh's pipe takes 2.6 times the memory.
	c2, _, err := compileOnce(path, opts, narrow)
	if err != nil {
		return c, nil // the first compile's pipeline is correct, only wider
	}
	return c2, nil
}

func compileOnce(path string, opts LoadOptions, narrow map[string][]string) (*Compiled, map[string][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		msg := fmt.Sprintf("cannot read the pipeline: %v", err)
		if errors.Is(err, fs.ErrNotExist) {
			msg = "no such pipeline file"
		}
		return nil, nil, yamlx.Errors{{Pos: yamlx.Pos{File: path, Line: 1, Col: 1}, Msg: msg}}
	}
	root, err := yamlx.Parse(path, b)
	if err != nil {
		if es, ok := yamlx.AsErrors(err); ok {
			return nil, nil, es
		}
		return nil, nil, err
	}
	if err := oneDocument(path, b); err != nil {
		return nil, nil, err
	}
	d := &yamlx.Decoder{File: path}
	var fy fileYAML
	d.Decode(root, &fy)
	l := &loader{d: d, apis: opts.APIs, narrow: narrow, kinds: opts.kinds}
	p := &Pipeline{Name: fy.Name, File: path, Doc: fy.Doc, dir: filepath.Dir(path)}
	if p.Name == "" {
		p.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	p.loc = time.UTC
	if fy.Timezone != "" {
		loc, err := time.LoadLocation(fy.Timezone)
		if err != nil {
			d.Errorf(yamlx.ValueNode(root, "timezone"), "unknown time zone %q (want an IANA name such as Asia/Shanghai)", fy.Timezone)
		} else {
			p.loc = loc
		}
	}
	var boundary time.Duration
	if fy.DayBoundary != "" {
		if boundary, err = scalar.ParseTimeOfDay(fy.DayBoundary); err != nil {
			d.Errorf(yamlx.ValueNode(root, "day_boundary"), "want a time of day such as 04:00, got %q", fy.DayBoundary)
		}
	}
	l.c = eval.NewCompiler(d, b, eval.Funcs{Loc: p.loc, Now: opts.Now, Boundary: boundary})
	l.p = p
	if fy.Connections != nil {
		l.connections(fy.Connections)
	}
	l.loadParams(fy.Params)
	l.loadIncremental(fy.Incremental)
	if fy.Steps == nil {
		d.Errorf(root, "a pipeline needs steps:")
	} else {
		l.loadSteps(fy.Steps)
	}
	c := &Compiled{p: p, paramsKey: yamlx.KeyNode(root, "params")}
	if err := d.Errs.Err(); err != nil {
		return c, nil, err
	}
	return c, l.finish(), nil
}

// oneDocument reports a second YAML document (after ---) in a pipeline file at its line: it
// would be ignored, and whatever it says would silently not happen.
func oneDocument(path string, b []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var first, second yaml.Node
	if err := dec.Decode(&first); err != nil {
		return nil // Parse has reported it
	}
	err := dec.Decode(&second)
	if errors.Is(err, io.EOF) {
		return nil
	}
	line := second.Line
	if err == nil && len(second.Content) > 0 {
		line = second.Content[0].Line
	}
	if sep := documentStart(b, first); sep > 0 {
		line = sep
	}
	return yamlx.Errors{{Pos: yamlx.Pos{File: path, Line: line, Col: 1}, Msg: "a pipeline file holds one YAML document; this second one (after ---) would be ignored"}}
}

// documentStart is the line of the first "---" after the first document's content, or 0.
func documentStart(b []byte, first yaml.Node) int {
	lines := strings.Split(string(b), "\n")
	from := 0
	if len(first.Content) > 0 {
		from = first.Content[0].Line // 1-based: lines[from] is the line after it
	}
	for i := from; i < len(lines); i++ {
		if l := strings.TrimRight(lines[i], " \r"); l == "---" || strings.HasPrefix(l, "--- ") {
			return i + 1
		}
	}
	return 0
}

// loader holds what compiling one file needs.
type loader struct {
	d    *yamlx.Decoder
	c    *eval.Compiler
	p    *Pipeline
	apis []*registry.API
	// narrow lists, per read step, the only fields its record type keeps, and per group step,
	// the only fields its first and last records keep (second compile).
	narrow map[string][]string
	kinds  []step.Kind
}

func (l *loader) api(n *yaml.Node, name string) *registry.API {
	var names []string
	for _, a := range l.apis {
		if a.Name == name {
			return a
		}
		names = append(names, a.Name)
	}
	l.d.Errorf(n, "unknown API %q%s", name, eval.NearestText(name, names, "APIs"))
	return nil
}

func (l *loader) connections(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		l.d.Errorf(n, "connections: want a mapping of connection names to settings")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if c := l.connection(k, v); c != nil {
			l.p.conns = append(l.p.conns, c)
		}
	}
}

var connKeys = []string{"api", "base_url", "min_interval", "timeout", "retries", "concurrency"}

// connection checks a connection's settings; the values with ${...} are expanded by Bind.
func (l *loader) connection(k, n *yaml.Node) *connection {
	if n.Kind != yaml.MappingNode {
		l.d.Errorf(n, "connection %s: want a mapping with api: and its settings", k.Value)
		return nil
	}
	apiNode := yamlx.ValueNode(n, "api")
	if apiNode == nil {
		l.d.Errorf(k, "connection %s: api: is required (one of %s)", k.Value, strings.Join(apiNames(l.apis), ", "))
		return nil
	}
	api := l.api(apiNode, apiNode.Value)
	if api == nil {
		return nil
	}
	c := &connection{name: k.Value, key: k, api: api, ref: &step.Conn{Name: k.Value, API: api, Concurrency: max(1, api.Concurrency)}}
	known := slices.Clone(connKeys)
	for _, cr := range api.Credentials {
		known = append(known, cr.Name)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		switch key.Value {
		case "api":
		case "base_url":
			c.values = append(c.values, connValue{what: "base_url", key: key, val: val, bad: !l.checkValue(c, key, val, false)})
		case "min_interval":
			if val.Kind != yaml.MappingNode {
				l.d.Errorf(val, "min_interval: want a mapping of rate-limit names to durations")
				continue
			}
			var limits []string
			for _, rl := range api.RateLimits {
				limits = append(limits, rl.Name)
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				name, dv := val.Content[j], val.Content[j+1]
				if !slices.Contains(limits, name.Value) {
					l.d.Errorf(name, "connection %s: %s has no rate limit %q%s", c.name, api.Name, name.Value, eval.NearestText(name.Value, limits, "rate limits"))
					continue
				}
				// ${NAME:-20s} lets the sandbox shorten a limit without editing the pipeline.
				c.values = append(c.values, connValue{what: "min_interval", name: name.Value, key: name, val: dv, bad: !l.checkValue(c, name, dv, false)})
			}
		case "timeout":
			dur, err := time.ParseDuration(val.Value)
			if err != nil || dur <= 0 {
				l.d.Errorf(val, "timeout: want a duration such as 30s, got %q", val.Value)
				continue
			}
			c.timeout = dur
		case "retries":
			var r int
			if err := val.Decode(&r); err != nil || r < 0 {
				l.d.Errorf(val, "retries: want a whole number of retries (0 for none), got %q", val.Value)
				continue
			}
			c.retries = r + 1
		case "concurrency":
			var n int
			if err := val.Decode(&n); err != nil || n < 1 || n > registry.MaxConcurrency {
				l.d.Errorf(val, "connection %s: concurrency: want the requests a write step keeps in flight, 1 to %d (%s's default is %d), got %q",
					c.name, registry.MaxConcurrency, api.Name, c.ref.Concurrency, val.Value)
				continue
			}
			c.ref.Concurrency = n
		default:
			cr, ok := api.Credential(key.Value)
			if !ok {
				l.d.Errorf(key, "connection %s: unknown setting %q for %s%s", c.name, key.Value, api.Name, eval.NearestText(key.Value, known, "settings"))
				continue
			}
			c.values = append(c.values, connValue{what: "credential", name: cr.Name, key: key, val: val, bad: !l.checkValue(c, key, val, cr.Secret)})
		}
	}
	return c
}

// checkValue checks a connection value before it is expanded: text, and a secret is a ${...}
// reference, never a literal.
func (l *loader) checkValue(c *connection, key, val *yaml.Node, secret bool) bool {
	if val.Kind != yaml.ScalarNode {
		l.d.Errorf(val, "connection %s: %s: want a text value", c.name, key.Value)
		return false
	}
	if secret && !isReference(val.Value) {
		// Never echo the value: it may be a real secret.
		l.d.Errorf(val, "connection %s: %s is a secret: write ${ENV_VAR} or ${file:/path}, never the value itself", c.name, key.Value)
		return false
	}
	if _, _, err := parseRefs(val.Value); err != nil {
		l.d.Errorf(val, "connection %s: %s: %v", c.name, key.Value, err)
		return false
	}
	return true
}

// loadParams declares the params: their types make the params struct expressions see, and
// their defaults are compiled (Bind evaluates them).
func (l *loader) loadParams(n *yaml.Node) {
	var fields []reflect.StructField
	if n != nil && n.Kind != yaml.MappingNode {
		l.d.Errorf(n, "params: want a mapping of parameter names to {type, default}")
		n = nil
	}
	if n != nil {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			var py paramYAML
			l.d.Decode(v, &py)
			pr := &param{name: k.Value, typ: py.Type, doc: py.Doc, key: k}
			t, ok := step.FieldType(py.Type)
			if !ok {
				types := step.FieldTypeNames()
				at := yamlx.ValueNode(v, "type")
				if at == nil {
					at = k
				}
				l.d.Errorf(at, "param %s: type %q is not one of %s", k.Value, py.Type, strings.Join(types, ", "))
				continue
			}
			if !step.ValidIdent(k.Value) {
				l.d.Errorf(k, "param %q: a name is letters, digits and _", k.Value)
				continue
			}
			if py.Default != nil {
				pr.hasDef, pr.def = true, l.defaultProgram(pr, py.Default)
			}
			l.paramChecks(pr, v, py)
			l.p.params = append(l.p.params, pr)
			fields = append(fields, reflect.StructField{Name: fmt.Sprintf("P%d", len(fields)), Type: t, Tag: reflect.StructTag(fmt.Sprintf(`expr:"%s" json:"%s"`, k.Value, k.Value))})
		}
	}
	l.p.paramType = reflect.StructOf(fields)
	for _, pr := range l.p.params {
		if pr.after == "" {
			continue
		}
		at := pr.afterAt
		i := slices.IndexFunc(l.p.params, func(o *param) bool { return o.name == pr.after })
		switch {
		case i < 0:
			l.d.Errorf(at, "param %s: after: the pipeline declares no param %q", pr.name, pr.after)
			pr.after = ""
		case l.p.params[i].typ != pr.typ:
			l.d.Errorf(at, "param %s: after: param %s has type %s, want %s", pr.name, pr.after, l.p.params[i].typ, pr.typ)
			pr.after = ""
		}
	}
}

// orderedTypes are the param types after: compares.
var orderedTypes = []string{"int", "float", "date", "datetime", "duration"}

// paramChecks reads a param's pattern: (a regular expression a string's value must match in
// full) and after: (a param of the same ordered type it may not be before); Bind checks them.
func (l *loader) paramChecks(pr *param, v *yaml.Node, py paramYAML) {
	if py.Pattern != "" {
		at := yamlx.ValueNode(v, "pattern")
		re, err := regexp.Compile(`^(?:` + py.Pattern + `)$`)
		switch {
		case pr.typ != "string":
			l.d.Errorf(at, "param %s: pattern: only a string param has one (this one is %s)", pr.name, pr.typ)
		case err != nil:
			l.d.Errorf(at, "param %s: pattern: %v", pr.name, err)
		default:
			pr.pattern, pr.patternText = re, py.Pattern
		}
	}
	if py.After != "" {
		if !slices.Contains(orderedTypes, pr.typ) {
			l.d.Errorf(yamlx.ValueNode(v, "after"), "param %s: after: only a param of type %s has one (this one is %s)", pr.name, strings.Join(orderedTypes, ", "), pr.typ)
			return
		}
		pr.after, pr.afterAt = py.After, yamlx.ValueNode(v, "after")
	}
}

// defaultProgram compiles a parameter's default expression and checks its type.
func (l *loader) defaultProgram(pr *param, n *yaml.Node) *eval.Program {
	prog := l.c.Compile(n, eval.Scope{}, eval.WantAny)
	if prog == nil {
		return nil
	}
	want, _ := step.FieldType(pr.typ)
	if !prog.Out.ConvertibleTo(want) || (want.Kind() == reflect.Struct) != (prog.Out.Kind() == reflect.Struct) ||
		(want == reflect.TypeFor[time.Duration]() && prog.Out != want) || (pr.typ == "string" && prog.Out.Kind() != reflect.String) ||
		(pr.typ == "int" && !isIntKind(prog.Out.Kind())) {
		l.d.Errorf(n, "param %s: the default is %s, want %s", pr.name, eval.TypeName(prog.Out), pr.typ)
		return nil
	}
	return prog
}

func apiNames(apis []*registry.API) []string {
	var out []string
	for _, a := range apis {
		out = append(out, a.Name)
	}
	return out
}

// parseParam converts a --param value to the parameter's type.
func parseParam(typ, s string, loc *time.Location) (any, error) {
	switch typ {
	case "string":
		return s, nil
	case "int":
		n, err := convert.Int(s)
		if err != nil {
			return nil, fmt.Errorf("want a whole number, got %q", s)
		}
		return int(n), nil
	case "float":
		return convert.Float(s)
	case "bool":
		return convert.Bool(s)
	case "date":
		t, err := scalar.ParseDate(s, loc)
		if err != nil {
			return nil, fmt.Errorf("want a date such as 2026-11-20, got %q", s)
		}
		return t, nil
	case "datetime":
		t, err := scalar.ParseDateTime(s, loc)
		if err != nil {
			return nil, fmt.Errorf("want a date and time such as 2026-11-20T09:00:00, got %q", s)
		}
		return t, nil
	case "duration":
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("want a duration such as 24h or 90m, got %q", s)
		}
		return d, nil
	}
	return nil, fmt.Errorf("unknown type %s", typ)
}

// finish lets the steps narrow, once every expression is compiled, what they keep: the
// fields of their records no expression reads are dropped, unless an output writes whole
// records that contain them. It returns the narrowed steps' fields, for a second compile.
func (l *loader) finish() (narrow map[string][]string) {
	u := &usage{c: l.c, final: l.narrow != nil}
	for _, s := range l.p.steps {
		if w, ok := s.impl.(step.WholeWriter); ok {
			if t := w.WholeRecords(); t != nil {
				u.whole = append(u.whole, t)
			}
		}
	}
	for _, s := range l.p.steps {
		n, ok := s.impl.(step.Narrower)
		if !ok {
			continue
		}
		if keep, ok := n.Narrow(u); ok {
			if narrow == nil {
				narrow = map[string][]string{}
			}
			narrow[s.id] = keep
		}
	}
	return narrow
}

// typeContains reports whether values of t hold values of target.
func typeContains(t, target reflect.Type, seen map[reflect.Type]bool) bool {
	if t == target {
		return true
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return typeContains(t.Elem(), target, seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if typeContains(t.Field(i).Type, target, seen) {
				return true
			}
		}
	}
	return false
}

// typeIndex names the record types of every API ("kqapi.Punch") for read steps.
func typeIndex(apis []*registry.API) map[string]typeInfo {
	out := map[string]typeInfo{}
	for _, a := range apis {
		loc := time.UTC
		if a.Timezone != "" {
			if l, err := time.LoadLocation(a.Timezone); err == nil {
				loc = l
			}
		}
		var visit func(t reflect.Type)
		visit = func(t reflect.Type) {
			for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
				t = t.Elem()
			}
			if t.Kind() != reflect.Struct || t.Name() == "" || t.PkgPath() == "time" {
				return
			}
			name := a.Name + "." + t.Name()
			if _, ok := out[name]; ok {
				return
			}
			out[name] = typeInfo{t: t, loc: loc}
			for i := 0; i < t.NumField(); i++ {
				visit(t.Field(i).Type)
			}
		}
		for _, op := range a.Ops {
			if op.Record != nil {
				visit(op.Record)
			}
		}
	}
	return out
}

type typeInfo struct {
	t   reflect.Type
	loc *time.Location
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func isIntKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}
