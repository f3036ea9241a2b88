package pipeline

import (
	"encoding/json"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/step"
)

// Schema returns a JSON Schema of pipeline files, derived from the loader's model (the file's
// keys, the step kinds' configurations, the APIs' credentials) so it cannot drift from what the
// loader accepts. Editors use it through the first line of each pipeline,
// `# yaml-language-server: $schema=schema.json`; the loader stays the authority (expressions,
// operations and their parameters are checked by pipe validate).
func Schema(apis []*registry.API) ([]byte, error) {
	s := schemaOf(reflect.TypeFor[fileYAML]())
	props := s["properties"].(map[string]any)
	props["connections"] = map[string]any{"type": "object", "additionalProperties": connSchema(apis)}
	props["params"] = map[string]any{"type": "object", "additionalProperties": paramSchema()}
	props["steps"] = map[string]any{"type": "array", "items": stepSchema()}
	props["incremental"] = schemaOf(reflect.TypeFor[incrementalYAML]())
	s["required"] = []string{"name", "steps"}
	s["$schema"] = "http://json-schema.org/draft-07/schema#"
	s["title"] = "specpipe pipeline (see docs/pipelines.md)"
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// connSchema is one of the APIs' connections: api: and the settings every connection takes,
// with the API's credentials.
func connSchema(apis []*registry.API) map[string]any {
	var one []any
	for _, a := range apis {
		baseDoc := "default " + a.BaseURL
		if a.SelfHosted {
			baseDoc = "required (self-hosted): " + a.BaseURLEnv + " otherwise"
		}
		props := map[string]any{
			"api":          map[string]any{"const": a.Name, "description": a.Title},
			"base_url":     map[string]any{"type": "string", "description": baseDoc},
			"min_interval": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
			"timeout":      map[string]any{"type": "string"},
			"retries":      map[string]any{"type": "integer"},
			"concurrency":  map[string]any{"type": "integer", "minimum": 1, "maximum": registry.MaxConcurrency},
		}
		for _, c := range a.Credentials {
			props[c.Name] = map[string]any{"type": "string", "description": c.Doc}
		}
		one = append(one, map[string]any{"type": "object", "additionalProperties": false, "required": []string{"api"}, "properties": props})
	}
	return map[string]any{"oneOf": one}
}

func paramSchema() map[string]any {
	s := schemaOf(reflect.TypeFor[paramYAML]())
	s["properties"].(map[string]any)["type"] = map[string]any{"enum": step.FieldTypeNames()}
	s["required"] = []string{"type"}
	return s
}

// stepSchema is a step: id, doc, from and exactly one kind key with the kind's configuration.
func stepSchema() map[string]any {
	props := map[string]any{
		"id":   map[string]any{"type": "string"},
		"doc":  map[string]any{"type": "string"},
		"from": map[string]any{"type": "string", "description": "the id of an earlier step whose records this step reads"},
	}
	var one []any
	for _, k := range step.Kinds() {
		ks := schemaOf(k.Config)
		ks["description"] = k.Doc
		props[k.Name] = ks
		one = append(one, map[string]any{"required": []string{k.Name}})
	}
	return map[string]any{"type": "object", "additionalProperties": false, "required": []string{"id"}, "properties": props, "oneOf": one}
}

// schemaOf is the schema of a Go type the loader decodes into; a *yaml.Node (an expression, or a
// value checked by the loader) is anything.
func schemaOf(t reflect.Type) map[string]any {
	if t == reflect.TypeFor[*yaml.Node]() {
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem())
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
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			fs := schemaOf(f.Type)
			if enum := f.Tag.Get("enum"); enum != "" && f.Type.Kind() == reflect.String {
				fs["enum"] = strings.Split(enum, ",") // the field's values, for editors
			}
			props[name] = fs
		}
		return map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	}
	return map[string]any{}
}
