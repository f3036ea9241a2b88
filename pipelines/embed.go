// Package pipelines holds the pipelines specpipe ships (attendance to Kimai, Didi cost centers
// to Kimai, the monthly attendance summary), embedded so that `pipe demo` runs them from any
// directory. Their end-to-end tests against the emulators live beside them.
package pipelines

import "embed"

// Files are the pipeline files (*.yaml).
//
//go:embed *.yaml
var Files embed.FS
