package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// cmdHelp prints the help of a command, or the list of commands.
func cmdHelp(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stdout)
		return exitOK
	}
	if len(args) > 1 {
		return errf(e, exitUsage, "help takes one command")
	}
	c, ok := lookupCommand(args[0])
	if !ok || c.hidden {
		return errf(e, exitUsage, "unknown command %q%s; pipe help lists them", args[0], didYouMean(args[0], commandNames()))
	}
	fs := commandFlags(ctx, e, c)
	printHelp(e.stdout, c, fs)
	return exitOK
}

// commandFlags returns the flags of c, read by running it with a probe that stops it at parseArgs.
// A command without flags (help, version) yields an empty set.
func commandFlags(ctx context.Context, e *env, c command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	probe := &env{stdout: io.Discard, stderr: io.Discard, getenv: e.getenv,
		probe: func(f *flag.FlagSet) { fs = f }}
	if c.name != "help" && c.name != "__complete" {
		c.run(ctx, probe, nil)
	}
	return fs
}

// printHelp writes what c does, its arguments, its flags and an example.
func printHelp(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "pipe %s — %s\n\nusage: %s\n", c.name, c.summary, strings.TrimSpace("pipe "+c.name+" "+c.args))
	if c.doc != "" {
		fmt.Fprintf(w, "\n%s\n", c.doc)
	}
	if len(c.argDocs) > 0 {
		fmt.Fprintln(w, "\narguments:")
		for _, a := range c.argDocs {
			fmt.Fprintf(w, "  %-14s %s\n", a[0], a[1])
		}
	}
	var lines []string
	fs.VisitAll(func(f *flag.Flag) {
		typ, doc := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if typ != "" {
			name += " " + typ
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" && f.DefValue != "0" {
			doc += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		lines = append(lines, fmt.Sprintf("  %-24s %s", name, doc))
	})
	if len(lines) > 0 {
		fmt.Fprintf(w, "\nflags:\n%s\n", strings.Join(lines, "\n"))
	}
	if c.example != "" {
		fmt.Fprintf(w, "\nexample:\n  %s\n", c.example)
	}
}
