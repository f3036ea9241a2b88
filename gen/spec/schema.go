package spec

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// Schema returns a JSON Schema of the spec format, derived from the model so it cannot drift from
// what the loader accepts. Editors use it through the first line of each spec,
// `# yaml-language-server: $schema=schema.json`; the loader stays the authority.
func Schema() ([]byte, error) {
	s := schemaOf(reflect.TypeOf(API{}))
	s["$schema"] = "http://json-schema.org/draft-07/schema#"
	s["title"] = "specpipe API spec (see docs/spec-format.md)"
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var (
	durationT = reflect.TypeOf(time.Duration(0))
	posT      = reflect.TypeOf(Pos{})
)

func schemaOf(t reflect.Type) map[string]any {
	switch {
	case t == durationT:
		return map[string]any{"type": "string", "pattern": "^[0-9.]+(ns|us|ms|s|m|h)([0-9.]+(ns|us|ms|s|m|h))*$"}
	case t.Kind() == reflect.Pointer:
		return schemaOf(t.Elem())
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if f.Type == posT || name == "" || name == "-" {
				continue
			}
			props[name] = schemaOf(f.Type)
		}
		return map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	}
	return map[string]any{}
}
