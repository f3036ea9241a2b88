// Package secretfile reads a secret (a key, a token, a password) from a file, as
// ${file:/path} in a pipeline does, refusing what cannot be one: a file larger than [MaxSize]
// (such as /dev/zero) and a value of more than one line.
package secretfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// MaxSize is the largest secret file Read accepts, in bytes.
const MaxSize = 64 << 10

// ConfigError is a secret file that cannot be used: it is missing or unreadable, too large, or
// holds more than one line. It is a configuration error, to fix in the file; retrying does not
// help. Its message never holds the file's contents.
type ConfigError struct {
	Path    string
	Problem string
	Err     error // the underlying error (from opening or reading the file), or nil
}

func (e *ConfigError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("secret file %s: %s: %v", e.Path, e.Problem, e.Err)
	}
	return fmt.Sprintf("secret file %s: %s", e.Path, e.Problem)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Read returns the secret in the file at path: its contents without one trailing line break
// ("\n" or "\r\n"). It reads at most MaxSize+1 bytes, so a device that never ends costs no
// more. A file larger than MaxSize, or whose value holds a line break (an embedded newline,
// which an HTTP header cannot carry) or a NUL, is a *ConfigError, as is a file that cannot be
// opened or read.
func Read(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", &ConfigError{Path: path, Problem: "cannot open it", Err: unwrapPath(err)}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return "", &ConfigError{Path: path, Problem: "cannot read it", Err: unwrapPath(err)}
	}
	if len(b) > MaxSize {
		return "", &ConfigError{Path: path, Problem: fmt.Sprintf("larger than %d KiB; a secret file holds one line", MaxSize>>10)}
	}
	s := string(b)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	if strings.ContainsAny(s, "\r\n") {
		return "", &ConfigError{Path: path, Problem: "holds more than one line; a secret file holds the secret on one line (a trailing line break is allowed)"}
	}
	if strings.ContainsRune(s, 0) {
		return "", &ConfigError{Path: path, Problem: "holds a NUL byte; a secret file holds the secret as text"}
	}
	return s, nil
}

// unwrapPath drops the *fs.PathError around err, whose path the ConfigError already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
