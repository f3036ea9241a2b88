// Package redact keeps secrets (keys, sign keys, client secrets, tokens, signatures) out of
// log lines and error messages.
//
// A [Redactor] knows the secret values and replaces every occurrence of each, also in its
// URL-encoded and JSON-escaped forms (as Go and PHP write them), with "***"; a [Set] is one
// that learns secrets known only at run time (access tokens). [Handler] applies a Redactor to
// everything an slog.Handler writes, and [URL] and [Fields] mask secret parameters by name, for
// the secrets a Redactor cannot know in advance, such as a signature computed per request.
package redact

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"
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
	longest  int // the length in bytes of the longest form masked
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
	n.longest = len(forms[0])
	return n
}

// encodings returns the forms in which s may appear in a message: as is; URL-encoded as Go
// (query and path escaping) and PHP (urlencode, rawurlencode) write it, also with lower-case
// percent escapes; and JSON-escaped as Go and PHP write it: with or without "/" escaped as
// "\/" (PHP's default), non-ASCII as \u escapes (PHP's default, lower- or upper-case hex) or
// as is, and <, > and & as \u escapes (Go's default) or as is.
func encodings(s string) []string {
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s), percentEncode(s, "-_.", true), percentEncode(s, "-_.~", false)}
	for _, f := range forms[1:] {
		forms = append(forms, lowerEscapes(f))
	}
	if b, err := json.Marshal(s); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	if utf8.ValidString(s) {
		for _, o := range []jsonOpts{
			{}, {slash: true}, {html: true}, {slash: true, html: true},
			{ascii: true}, {ascii: true, slash: true}, {ascii: true, html: true}, {ascii: true, slash: true, html: true},
			{ascii: true, upper: true}, {ascii: true, upper: true, slash: true},
		} {
			forms = append(forms, jsonEscape(s, o))
		}
	}
	return forms
}

// percentEncode escapes every byte of s but ASCII letters, digits and keep as %XX (upper-case
// hex); a space becomes "+" when plus is set.
func percentEncode(s, keep string, plus bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte(keep, c) >= 0:
			b.WriteByte(c)
		case c == ' ' && plus:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// jsonOpts are the choices a JSON encoder makes for a string.
type jsonOpts struct {
	slash bool // "/" as "\/"
	ascii bool // non-ASCII as \u escapes (UTF-16 surrogate pairs beyond the BMP)
	upper bool // upper-case hex in \u escapes
	html  bool // <, > and & as \u escapes
}

// jsonEscape returns the JSON text of the string s without its quotes. U+2028 and U+2029 are
// always escaped, as both Go and PHP do.
func jsonEscape(s string, o jsonOpts) string {
	hex := "0123456789abcdef"
	if o.upper {
		hex = "0123456789ABCDEF"
	}
	var b strings.Builder
	u := func(r rune) {
		b.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hex[(r>>shift)&15])
		}
	}
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20, r == '\u2028', r == '\u2029', o.html && (r == '<' || r == '>' || r == '&'):
			u(r)
		case r == '/' && o.slash:
			b.WriteString(`\/`)
		case r > 0x7f && o.ascii:
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				u(r1)
				u(r2)
			} else {
				u(r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
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

// knows reports whether r holds secret, or ignores it for being too short.
func (r *Redactor) knows(secret string) bool {
	return utf8.RuneCountInString(secret) < MinLen || r != nil && slices.Contains(r.secrets, secret)
}

// Longest returns the length in bytes of the longest text r masks, 0 when it knows no secrets.
// Redacting the first n+Longest bytes of a text redacts its first n bytes fully.
func (r *Redactor) Longest() int {
	if r == nil {
		return 0
	}
	return r.longest
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
