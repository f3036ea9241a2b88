package main

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/specpipe/specpipe/generated"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// cmdOps lists the operations of one API, or of all, or shows one operation whole.
func cmdOps(_ context.Context, e *env, args []string) int {
	fs, _ := flagSet(e, "ops")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	apis := generated.APIs()
	if len(pos) > 1 {
		return errf(e, exitUsage, "ops takes at most one API name")
	}
	if len(pos) == 1 && strings.Contains(pos[0], ".") {
		a, op, code := lookupOp(e, pos[0])
		if op == nil {
			return code
		}
		printOp(e.stdout, a, op)
		return exitOK
	}
	if len(pos) == 1 {
		a, ok := generated.Lookup(pos[0])
		if !ok {
			return errf(e, exitUsage, "unknown API %q (APIs: %s)", pos[0], apiNames())
		}
		apis = []*registry.API{a}
	}
	for _, a := range apis {
		fmt.Fprintf(e.stdout, "%s — %s\n", a.Name, a.Title)
		if a.SelfHosted {
			fmt.Fprintf(e.stdout, "  base URL from %s (required: self-hosted, no default); credentials:", a.BaseURLEnv)
		} else {
			fmt.Fprintf(e.stdout, "  base URL %s (env %s); credentials:", a.BaseURL, a.BaseURLEnv)
		}
		for _, c := range a.Credentials {
			fmt.Fprintf(e.stdout, " %s", c.Env)
			if c.Optional {
				fmt.Fprint(e.stdout, "?")
			}
		}
		fmt.Fprintln(e.stdout)
		for _, rl := range a.RateLimits {
			fmt.Fprintf(e.stdout, "  rate limit %s: one call per %v per %s\n", rl.Name, rl.Interval, strings.Join(rl.Per, "+"))
		}
		for _, op := range a.Ops {
			kind := "read"
			if op.Write {
				kind = "write"
			}
			if op.Paged {
				kind += ", paged"
			}
			fmt.Fprintf(e.stdout, "\n  %s.%s  (%s %s; %s)\n", a.Name, op.Name, op.Method, op.Path, kind)
			if op.Summary != "" {
				fmt.Fprintf(e.stdout, "      %s\n", op.Summary)
			}
			for _, p := range op.Params {
				req := ""
				if p.Required {
					req = " required"
				}
				fmt.Fprintf(e.stdout, "      %-22s %-12s%s %s\n", p.Name, p.Type, req, p.Doc)
			}
		}
		fmt.Fprintln(e.stdout)
	}
	return exitOK
}

func apiNames() string {
	var names []string
	for _, a := range generated.APIs() {
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}

// lookupOp finds API.OPERATION, or reports on stderr what is wrong with the name (and returns the
// exit code).
func lookupOp(e *env, name string) (*registry.API, *registry.Op, int) {
	apiName, opName, ok := strings.Cut(name, ".")
	if !ok {
		return nil, nil, errf(e, exitUsage, "%q: want API.OPERATION, e.g. kqapi.recordlog", name)
	}
	api, ok := generated.Lookup(apiName)
	if !ok {
		return nil, nil, errf(e, exitUsage, "unknown API %q (APIs: %s)", apiName, apiNames())
	}
	op, ok := api.Op(opName)
	if !ok {
		near := yamlx.NearestN(opName, api.OpNames(), 3)
		hint := ""
		if len(near) > 0 {
			hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(near, ", "))
		}
		return nil, nil, errf(e, exitUsage, "%s has no operation %q%s; see pipe ops %s", apiName, opName, hint, apiName)
	}
	return api, op, exitOK
}

// printOp shows one operation whole: what it does, its parameters, how it pages, and the type of
// its records with every field.
func printOp(w io.Writer, a *registry.API, op *registry.Op) {
	kind := "read"
	if op.Write {
		kind = "write"
	}
	fmt.Fprintf(w, "%s.%s — %s\n  %s %s (%s; Go: %s)\n", a.Name, op.Name, op.Summary, op.Method, op.Path, kind, op.GoName)
	if op.Doc != "" {
		fmt.Fprintf(w, "\n%s\n", indent(op.Doc, "  "))
	}
	fmt.Fprintln(w, "\nparameters:")
	if len(op.Params) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, p := range op.Params {
		var notes []string
		if p.Required {
			notes = append(notes, "required")
		}
		if slices.Contains(op.PagingParams, p.Name) {
			notes = append(notes, "set by the pager")
		}
		note := ""
		if len(notes) > 0 {
			note = " (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintf(w, "  %-22s %-16s %s%s\n", p.Name, p.Type, p.Doc, note)
	}
	fmt.Fprintln(w, "\npaging:")
	if op.Paged {
		fmt.Fprintf(w, "  paged by %s, %d items a page. A pipeline's call step walks every page and sets %s\n",
			strings.Join(op.PagingParams, " and "), op.PageSize, strings.Join(op.PagingParams, " and "))
		fmt.Fprintf(w, "  itself (pages: first stops after one); pipe call prints the first page, --all every page.\n")
	} else {
		fmt.Fprintln(w, "  not paged: one call answers it whole")
	}
	rec := op.Record
	fmt.Fprintf(w, "\nrecords: %s\n", typeName(rec))
	if rec.Kind() == reflect.Struct && rec.NumField() == 0 {
		fmt.Fprintln(w, "  none: the answer carries no data")
		return
	}
	printFields(w, rec, "  ", map[reflect.Type]bool{})
}

// printFields lists the JSON fields of struct t with their types and docs, and the fields of the
// structs they hold, indented below them.
func printFields(w io.Writer, t reflect.Type, in string, seen map[reflect.Type]bool) {
	t = elemStruct(t)
	if t == nil || seen[t] {
		return
	}
	seen[t] = true
	defer delete(seen, t)
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		line := fmt.Sprintf("%s%-*s %-20s %s", in, max(24-len(in), 1), name, typeName(f.Type), f.Tag.Get("doc"))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		printFields(w, f.Type, in+"  ", seen)
	}
}

// elemStruct returns the struct t is or holds (through slices, maps and pointers) when it has
// exported fields of its own to list (time.Time and decimals have none), or nil.
func elemStruct(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() {
		return nil
	}
	for f := range t.Fields() {
		if f.IsExported() {
			return t
		}
	}
	return nil
}

// typeName names t as the operation's docs do: without package paths.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "[]" + typeName(t.Elem())
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Map:
		return "map[" + typeName(t.Key()) + "]" + typeName(t.Elem())
	}
	if t == reflect.TypeFor[time.Time]() {
		return "time"
	}
	if t.Name() != "" {
		return t.Name()
	}
	return t.String()
}

func indent(s, in string) string {
	return in + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+in)
}
