// Package redact keeps secrets (keys, sign keys, client secrets, tokens, signatures) out of
// log lines and error messages.
//
// A [Redactor] knows the secret values and replaces every occurrence of each, also in its
// URL-encoded and JSON-escaped forms, with "***". [Handler] applies a Redactor to everything
// an slog.Handler writes, and [URL] masks secret query parameters by name, for the secrets a
// Redactor cannot know in advance, such as a signature computed per request.
package redact

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Mask replaces every secret.
const Mask = "***"

// MinLen is the length, in characters, below which a secret is ignored: masking "1" or "ab"
// would garble every message without protecting anything.
const MinLen = 4

// Redactor replaces known secrets with [Mask]. It is immutable after New and safe for
// concurrent use by multiple goroutines. A nil *Redactor knows no secrets and changes nothing.
type Redactor struct {
	secrets  []string // as given, deduplicated, in order
	replacer *strings.Replacer
}

// New returns a Redactor for secrets. Empty secrets and secrets shorter than [MinLen]
// characters are ignored.
func New(secrets ...string) *Redactor {
	return (*Redactor)(nil).With(secrets...)
}

// With returns a new Redactor that knows r's secrets and secrets; r is not changed.
func (r *Redactor) With(secrets ...string) *Redactor {
	var all []string
	if r != nil {
		all = slices.Clone(r.secrets)
	}
	for _, s := range secrets {
		if utf8.RuneCountInString(s) >= MinLen && !slices.Contains(all, s) {
			all = append(all, s)
		}
	}
	n := &Redactor{secrets: all}
	if len(all) == 0 {
		return n
	}
	var forms []string
	for _, s := range all {
		for _, f := range encodings(s) {
			if !slices.Contains(forms, f) {
				forms = append(forms, f)
			}
		}
	}
	// strings.Replacer tries the old strings in argument order at each position, so the longest
	// go first: a secret containing another is masked whole.
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Mask)
	}
	n.replacer = strings.NewReplacer(pairs...)
	return n
}

// encodings returns the forms in which s may appear in a message: as is, query-escaped,
// path-escaped, with lower-case percent escapes, and JSON-escaped.
func encodings(s string) []string {
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	for _, f := range forms[1:] {
		forms = append(forms, lowerEscapes(f))
	}
	if b, err := json.Marshal(s); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	return forms
}

// lowerEscapes rewrites the hex digits of percent escapes in lower case ("%2F" → "%2f"),
// as some encoders write them.
func lowerEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = toLower(b[i+1])
			b[i+2] = toLower(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func toLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Len returns how many secrets r knows.
func (r *Redactor) Len() int {
	if r == nil {
		return 0
	}
	return len(r.secrets)
}

// String returns s with every occurrence of every secret, also URL-encoded or JSON-escaped,
// replaced by [Mask].
func (r *Redactor) String(s string) string {
	if r == nil || r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// Contains reports whether s holds any of r's secrets in any form String masks.
func (r *Redactor) Contains(s string) bool { return r.String(s) != s }

// Error returns err with its message redacted. The result unwraps to err, so errors.Is and
// errors.As still find what err wraps; note that what errors.As finds is the original error,
// whose own Error method is not redacted. Error returns nil for a nil err.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{err: err, msg: r.String(err.Error())}
}

// redactedError is an error whose message has been redacted.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
