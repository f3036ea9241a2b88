// Package pipelines holds the pipelines specpipe ships (attendance to Kimai, Didi cost centers
// to Kimai, the monthly attendance summary), embedded so that `pipe demo` runs them from any
// directory. Their end-to-end tests against the emulators live beside them.
package pipelines

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Files are the pipeline files (*.yaml) and the files they read (mapping/).
//
//go:embed *.yaml mapping
var Files embed.FS

// CopyTo writes every pipeline and the files they read into dir, keeping their relative paths,
// so that they run from there (their outputs then go to dir/out).
func CopyTo(dir string) error {
	return fs.WalkDir(Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := Files.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return fmt.Errorf("copy pipelines: %w", err)
		}
		return nil
	})
}
