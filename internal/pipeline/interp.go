package pipeline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/specpipe/specpipe/internal/runtime/secretfile"
)

// ref is one ${...} reference in a connection value.
type ref struct {
	env, def, file string
	hasDef         bool
}

// parseRefs splits s into literal text and ${...} references. ${NAME}, ${NAME:-default} and
// ${file:/path} are understood; "$$" is a literal "$".
func parseRefs(s string) (lits []string, refs []ref, err error) {
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			lit.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			lit.WriteByte('$')
			i++
			continue
		}
		if i+1 >= len(s) || s[i+1] != '{' {
			lit.WriteByte('$')
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, nil, fmt.Errorf("unclosed ${ in %q", redactedShape(s))
		}
		body := s[i+2 : i+end]
		var r ref
		switch {
		case strings.HasPrefix(body, "file:"):
			r.file = strings.TrimPrefix(body, "file:")
			if r.file == "" {
				return nil, nil, fmt.Errorf("${file:} needs a path")
			}
		default:
			name, def, ok := strings.Cut(body, ":-")
			if !validEnvName(name) {
				return nil, nil, fmt.Errorf("${%s}: want ${NAME}, ${NAME:-default} or ${file:/path}", name)
			}
			r.env, r.def, r.hasDef = name, def, ok
		}
		lits = append(lits, lit.String())
		lit.Reset()
		refs = append(refs, r)
		i += end
	}
	lits = append(lits, lit.String())
	return lits, refs, nil
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}

// redactedShape hides a value that may be a secret, keeping its length visible.
func redactedShape(s string) string { return fmt.Sprintf("<%d characters>", len(s)) }

// expand resolves the references of s. With lenient, a missing variable or file gives an empty
// value instead of an error (pipe validate runs without the secrets).
func expand(s string, getenv func(string) string, readFile func(string) ([]byte, error), lenient bool) (string, error) {
	lits, refs, err := parseRefs(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, r := range refs {
		b.WriteString(lits[i])
		switch {
		case r.file != "":
			if lenient {
				continue
			}
			data, err := readFile(r.file)
			var ce *secretfile.ConfigError
			if errors.As(err, &ce) {
				return "", err // it names the file and the problem
			}
			if err != nil {
				return "", fmt.Errorf("cannot read credential file %s: %w", r.file, err)
			}
			v := strings.TrimRight(string(data), "\r\n")
			if strings.ContainsAny(v, "\r\n\x00") {
				return "", fmt.Errorf("credential file %s holds more than one line (or a NUL); a secret file holds the secret on one line", r.file)
			}
			b.WriteString(v)
		default:
			v := getenv(r.env)
			if v == "" && r.hasDef {
				v = r.def
			}
			if v == "" && !r.hasDef && !lenient {
				return "", fmt.Errorf("environment variable %s is not set", r.env)
			}
			b.WriteString(v)
		}
	}
	b.WriteString(lits[len(lits)-1])
	return b.String(), nil
}

// isReference reports whether s is exactly one ${NAME} or ${file:...} reference, the only form
// a secret may take in a pipeline file. A default (${KEY:-literal}) would put a literal secret
// in the file, so it is not allowed for secrets.
func isReference(s string) bool {
	lits, refs, err := parseRefs(s)
	if err != nil || len(refs) != 1 || strings.TrimSpace(strings.Join(lits, "")) != "" {
		return false
	}
	return !refs[0].hasDef || refs[0].def == ""
}
