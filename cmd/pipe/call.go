package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
)

// cmdCall calls one operation with parameters from the command line and prints its records as
// JSON lines. Base URL and credentials come from the environment variables the spec names, or flags.
func cmdCall(ctx context.Context, e *env, args []string) int {
	fs, lf := flagSet(e, "call")
	all := fs.Bool("all", false, "walk every page of a paged operation")
	pretty := fs.Bool("pretty", false, "indent the JSON")
	baseURL := fs.String("base-url", "", "base URL (default: the spec's environment variable, then its default; a self-hosted API has none)")
	var creds, intervals multiFlag
	fs.Var(&creds, "cred", "a credential as name=value (repeatable); default: its environment variable")
	fs.Var(&intervals, "min-interval", "override a rate limit as name=duration, e.g. account=1s (repeatable)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) == 0 {
		return errf(e, exitUsage, "call needs API.OPERATION, e.g. pipe call kqapi.getDepartment")
	}
	api, op, code := lookupOp(e, pos[0])
	if op == nil {
		return code
	}
	params := map[string]any{}
	for _, kv := range pos[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return errf(e, exitUsage, "parameter %q: want name=value", kv)
		}
		params[k] = cliValue(v)
	}
	if err := op.CheckParams(api.Name, params, *all); err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	logger, err := lf.logger(e)
	if err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	settings, err := settingsFromEnv(api, e.getenv, *baseURL, creds, intervals)
	if err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	client, err := api.Connect(settings, registry.Shared{Transport: transport.Config{Logger: logger}})
	if err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	if *pretty {
		enc.SetIndent("", "  ")
	}
	n := 0
	for rec, err := range client.Call(ctx, op.Name, params, *all) {
		if err != nil {
			var pe *transport.ParamError
			if errors.As(err, &pe) {
				return errf(e, exitUsage, "%v", err)
			}
			return errf(e, exitCannot, "%v", err)
		}
		if err := enc.Encode(rec); err != nil {
			return errf(e, exitCannot, "write result: %v", err)
		}
		n++
	}
	logger.Debug("call done", "op", api.Name+"."+op.Name, "records", n)
	if op.Paged && !*all && n > 0 && n >= pageSize(op, params) {
		fmt.Fprintf(e.stderr, "pipe call: %d records fill the first page of %s.%s, so more pages may exist; --all walks every page\n",
			n, api.Name, op.Name)
	}
	return exitOK
}

// pageSize is the size of the page a call asked for: its size parameter (the second paging
// parameter, such as Didi's length or Kimai's size) when given, else the operation's.
func pageSize(op *registry.Op, params map[string]any) int {
	if len(op.PagingParams) == 2 {
		if v, ok := params[op.PagingParams[1]].(string); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
	}
	return op.PageSize
}

// cliValue reads a command-line value: JSON for lists and objects, text otherwise.
func cliValue(v string) any {
	if strings.HasPrefix(v, "[") || strings.HasPrefix(v, "{") {
		var x any
		if json.Unmarshal([]byte(v), &x) == nil {
			return x
		}
	}
	return v
}

// settingsFromEnv builds client settings from the environment variables an API's spec names, with
// flag overrides.
func settingsFromEnv(api *registry.API, getenv func(string) string, baseURL string, creds, intervals []string) (registry.Settings, error) {
	s := registry.Settings{BaseURL: baseURL, Credentials: map[string]string{}}
	if s.BaseURL == "" {
		s.BaseURL = getenv(api.BaseURLEnv)
	}
	if s.BaseURL == "" && api.SelfHosted {
		return s, fmt.Errorf("%s is self-hosted, so it has no default base URL: set %s to your installation's URL (or --base-url)", api.Name, api.BaseURLEnv)
	}
	for _, c := range api.Credentials {
		s.Credentials[c.Name] = getenv(c.Env)
	}
	over, err := keyValues(creds, "--cred")
	if err != nil {
		return s, err
	}
	for k, v := range over {
		if _, ok := api.Credential(k); !ok {
			return s, fmt.Errorf("--cred %s: %s has no credential %q", k, api.Name, k)
		}
		s.Credentials[k] = v
	}
	iv, err := keyValues(intervals, "--min-interval")
	if err != nil {
		return s, err
	}
	for k, v := range iv {
		d, err := time.ParseDuration(v)
		if err != nil {
			return s, fmt.Errorf("--min-interval %s: want a duration such as 1s, got %q", k, v)
		}
		if s.Transport.Intervals == nil {
			s.Transport.Intervals = map[string]time.Duration{}
		}
		s.Transport.Intervals[k] = d
	}
	return s, nil
}
