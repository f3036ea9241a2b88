package pipeline

import (
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/secretfile"
	"github.com/specpipe/specpipe/internal/step"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// Bind makes a runnable pipeline of c: it evaluates the params' defaults, checks and converts
// b.Params, and expands the connections' ${...} settings from b's environment. Problems are
// returned as [yamlx.Errors].
func (c *Compiled) Bind(b Binding) (*Pipeline, error) { return c.bind(b, false) }

// Check binds c as [Compiled.Bind] does, without needing the secrets: missing environment
// variables, credential files and parameters without a value are not reported.
func (c *Compiled) Check(b Binding) error {
	_, err := c.bind(b, true)
	return err
}

// readSecretFile reads a ${file:/path} credential with [secretfile.Read]: at most 64 KiB, one
// line; anything else is a configuration error naming the file, never its contents.
func readSecretFile(path string) ([]byte, error) {
	s, err := secretfile.Read(path)
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// binder binds one compiled pipeline.
type binder struct {
	d       *yamlx.Decoder
	b       Binding
	lenient bool
	loc     *time.Location
}

func (c *Compiled) bind(b Binding, lenient bool) (*Pipeline, error) {
	if b.Getenv == nil {
		b.Getenv = os.Getenv
	}
	if b.ReadFile == nil {
		b.ReadFile = readSecretFile
	}
	bd := &binder{d: &yamlx.Decoder{File: c.p.File}, b: b, lenient: lenient, loc: c.p.loc}
	p := *c.p
	p.conns = make([]*connection, len(c.p.conns))
	for i, cn := range c.p.conns {
		p.conns[i] = bd.connection(cn)
	}
	p.params, p.paramValues = bd.params(c.p.params, c.p.paramType, c.paramsKey)
	if err := bd.d.Errs.Err(); err != nil {
		return nil, err
	}
	return &p, nil
}

// params gives every declared param its value: the --param given, else its default.
func (bd *binder) params(decl []*param, t reflect.Type, keyNode *yaml.Node) ([]*param, any) {
	out := make([]*param, len(decl))
	unset := map[string]bool{} // params without a value (lenient, or a value that failed)
	v := reflect.New(t).Elem()
	for i, d := range decl {
		pr := *d
		if s, given := bd.b.Params[pr.name]; given {
			val, err := parseParam(pr.typ, s, bd.loc)
			if err != nil {
				bd.d.Errorf(pr.key, "--param %s=%s: %v", pr.name, s, err)
			}
			pr.value = val
		} else if pr.def != nil {
			pr.value = bd.defaultValue(&pr)
		} else if !pr.hasDef && !bd.lenient {
			bd.d.Errorf(pr.key, "param %s has no default: give --param %s=...", pr.name, pr.name)
		}
		if pr.value == nil {
			unset[pr.name] = true
			pr.value = reflect.Zero(t.Field(i).Type).Interface()
		}
		if s, ok := pr.value.(string); ok && !unset[pr.name] && pr.pattern != nil && !pr.pattern.MatchString(s) {
			bd.d.Errorf(pr.key, "param %s: %q does not match its pattern %s", pr.name, s, pr.patternText)
		}
		v.Field(i).Set(reflect.ValueOf(pr.value).Convert(t.Field(i).Type))
		out[i] = &pr
	}
	for _, pr := range out {
		if pr.after == "" {
			continue
		}
		i := slices.IndexFunc(out, func(o *param) bool { return o.name == pr.after })
		if i >= 0 && !unset[pr.name] && !unset[pr.after] && before(pr.value, out[i].value) {
			bd.d.Errorf(pr.key, "param %s (%s) is before param %s (%s)", pr.name, paramText(pr), pr.after, paramText(out[i]))
		}
	}
	var declared []string
	for _, pr := range decl {
		declared = append(declared, pr.name)
	}
	for _, name := range slices.Sorted(maps.Keys(bd.b.Params)) {
		if !slices.Contains(declared, name) {
			at := keyNode
			if at == nil {
				at = &yaml.Node{Line: 1, Column: 1}
			}
			bd.d.Errorf(at, "--param %s: the pipeline declares no such parameter%s", name, eval.NearestText(name, declared, "params"))
		}
	}
	return out, v.Interface()
}

// before reports whether a is before b; both are values of one ordered param type.
func before(a, b any) bool {
	switch a := a.(type) {
	case int:
		return a < b.(int)
	case float64:
		return a < b.(float64)
	case time.Time:
		return a.Before(b.(time.Time))
	case time.Duration:
		return a < b.(time.Duration)
	}
	return false
}

// paramText shows a param's value in a message.
func paramText(pr *param) string {
	if t, ok := pr.value.(time.Time); ok {
		if pr.typ == "date" {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.RFC3339)
	}
	return fmt.Sprint(pr.value)
}

// defaultValue evaluates a parameter's default expression.
func (bd *binder) defaultValue(pr *param) any {
	out, err := eval.NewEvaluator(map[string]any{}).Run(pr.def)
	if err != nil {
		bd.d.Errs = append(bd.d.Errs, &yamlx.Error{Pos: pr.def.Pos, Msg: "param " + pr.name + ": default: " + eval.UnwrapError(err).Error()})
		return nil
	}
	t, _ := step.FieldType(pr.typ)
	v := reflect.ValueOf(out).Convert(t).Interface()
	if tm, ok := v.(time.Time); ok {
		tm = tm.In(bd.loc)
		if pr.typ == "date" {
			y, m, d := tm.Date()
			tm = time.Date(y, m, d, 0, 0, 0, 0, bd.loc)
		}
		v = tm
	}
	return v
}

// connection expands a connection's settings: the values the file gives, the base URL and the
// credentials the spec reads from the environment otherwise.
func (bd *binder) connection(c *connection) *connection {
	bc := *c
	bc.settings = registry.Settings{Credentials: map[string]string{}}
	bc.settings.Transport.Timeout = c.timeout
	given := map[string]bool{}
	for _, v := range c.values {
		sv := ""
		if !v.bad {
			sv = bd.value(c, v.key, v.val)
		}
		switch v.what {
		case "base_url":
			given["base_url"] = true
			bc.settings.BaseURL = sv
		case "min_interval":
			if bc.settings.Transport.Intervals == nil {
				bc.settings.Transport.Intervals = map[string]time.Duration{}
			}
			if sv == "" {
				continue // an unset variable (reported by value, or lenient validation)
			}
			dur, err := time.ParseDuration(sv)
			if err != nil || dur < 0 {
				bd.d.Errorf(v.val, "want a duration such as 1s or 20s, got %q", sv)
				continue
			}
			bc.settings.Transport.Intervals[v.name] = dur
		case "credential":
			given[v.name] = true
			bc.settings.Credentials[v.name] = sv
		}
	}
	api := c.api
	if !given["base_url"] {
		bc.settings.BaseURL = api.BaseURL
		if api.BaseURLEnv != "" {
			if v := bd.b.Getenv(api.BaseURLEnv); v != "" {
				bc.settings.BaseURL = v
			}
		}
		if bc.settings.BaseURL == "" && !bd.lenient {
			bd.d.Errorf(c.key, "connection %s: base_url is not set: %s is self-hosted, so it has no default: set environment variable %s to your installation's URL (or give base_url: ${VAR} in the connection)", c.name, api.Name, api.BaseURLEnv)
		}
	}
	for _, cr := range api.Credentials {
		if given[cr.Name] {
			continue
		}
		v := ""
		if cr.Env != "" {
			v = bd.b.Getenv(cr.Env)
		}
		if v == "" {
			v = cr.Default
		}
		if v == "" && !cr.Optional && !bd.lenient {
			if cr.Env != "" {
				bd.d.Errorf(c.key, "connection %s: credential %s is not set: environment variable %s is not set (or give %s: ${VAR} in the connection)", c.name, cr.Name, cr.Env, cr.Name)
			} else {
				bd.d.Errorf(c.key, "connection %s: credential %s is required", c.name, cr.Name)
			}
		}
		if v != "" {
			bc.settings.Credentials[cr.Name] = v
		}
	}
	return &bc
}

// value expands the ${...} references of a connection value.
func (bd *binder) value(c *connection, key, val *yaml.Node) string {
	v, err := expand(val.Value, bd.b.Getenv, bd.b.ReadFile, bd.lenient)
	if err != nil {
		bd.d.Errorf(val, "connection %s: %s: %v", c.name, key.Value, err)
		return ""
	}
	return v
}
