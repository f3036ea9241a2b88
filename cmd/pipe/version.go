package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// cmdVersion prints the module version and VCS revision from the build information.
func cmdVersion(_ context.Context, e *env, args []string) int {
	fs, _ := flagSet(e, "version")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) > 0 {
		return errf(e, exitUsage, "version takes no arguments")
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return errf(e, exitCannot, "this binary carries no build information")
	}
	printVersion(e.stdout, bi)
	return exitOK
}

// printVersion writes the module version, the VCS revision with its time and whether the tree
// was modified, and the Go version a binary was built with.
func printVersion(w io.Writer, bi *debug.BuildInfo) {
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	fmt.Fprintf(w, "pipe %s\n", version)
	fmt.Fprintf(w, "module   %s\n", bi.Main.Path)
	rev := settings["vcs.revision"]
	switch {
	case rev == "":
		fmt.Fprintln(w, "revision unknown (built without VCS stamping: go run, go test or -buildvcs=false)")
	default:
		if settings["vcs.modified"] == "true" {
			rev += " (modified)"
		}
		if t := settings["vcs.time"]; t != "" {
			rev += " of " + t
		}
		fmt.Fprintf(w, "revision %s\n", rev)
	}
	fmt.Fprintf(w, "go       %s\n", bi.GoVersion)
}
