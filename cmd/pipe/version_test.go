package main

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPrintVersion checks what pipe version makes of the build information of a binary built
// with and without VCS stamping (go test stamps none, so the golden case shows only the latter).
func TestPrintVersion(t *testing.T) {
	main := debug.Module{Path: "github.com/specpipe/specpipe", Version: "v0.0.0-20261201203000-0123456789ab+dirty"}
	tests := []struct {
		name     string
		settings []debug.BuildSetting
		want     string
	}{
		{"stamped", []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-12-01T20:30:00Z"}, {Key: "vcs.modified", Value: "true"}},
			"pipe v0.0.0-20261201203000-0123456789ab+dirty\nmodule   github.com/specpipe/specpipe\n" +
				"revision 0123456789abcdef (modified) of 2026-12-01T20:30:00Z\ngo       go1.26.0\n"},
		{"unstamped", nil,
			"pipe v0.0.0-20261201203000-0123456789ab+dirty\nmodule   github.com/specpipe/specpipe\n" +
				"revision unknown (built without VCS stamping: go run, go test or -buildvcs=false)\ngo       go1.26.0\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			printVersion(&b, &debug.BuildInfo{GoVersion: "go1.26.0", Main: main, Settings: tc.settings})
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
