package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/specpipe/specpipe/generated"
	"github.com/specpipe/specpipe/internal/runtime/registry"
)

// cmdOps lists the operations of one API, or of all.
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
	if len(pos) == 1 {
		a, ok := generated.Lookup(pos[0])
		if !ok {
			return errf(e, exitUsage, "unknown API %q (APIs: %s)", pos[0], apiNames())
		}
		apis = []*registry.API{a}
	}
	for _, a := range apis {
		fmt.Fprintf(e.stdout, "%s — %s\n", a.Name, a.Title)
		fmt.Fprintf(e.stdout, "  base URL %s (env %s); credentials:", a.BaseURL, a.BaseURLEnv)
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
