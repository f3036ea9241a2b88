package redact

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// TestEscapedForms: the forms PHP and Go encoders write a secret in are masked: PHP's "\/",
// \u escapes of non-ASCII (lower- and upper-case hex, surrogate pairs), Go's \u003c, and PHP's
// urlencode and rawurlencode.
func TestEscapedForms(t *testing.T) {
	const s = "a/b<c>&d~e é😀 f"
	r := New(s)
	for _, form := range []string{
		`a\/b<c>&d~e é😀 f`,
		`a\/b<c>&d~e \u00e9\ud83d\ude00 f`,
		`a/b<c>&d~e \u00E9\uD83D\uDE00 f`,
		`a/b\u003cc\u003e\u0026d~e é😀 f`,
		`a\/b\u003cc\u003e\u0026d~e \u00e9\ud83d\ude00 f`,
		"a%2Fb%3Cc%3E%26d%7Ee+%C3%A9%F0%9F%98%80+f",   // PHP urlencode
		"a%2Fb%3Cc%3E%26d~e%20%C3%A9%F0%9F%98%80%20f", // PHP rawurlencode
		"a%2fb%3cc%3e%26d%7ee+%c3%a9%f0%9f%98%80+f",
	} {
		if got := r.String("x " + form + " y"); got != "x *** y" {
			t.Errorf("String(%q) = %q", form, got)
		}
	}
}

func TestFields(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"access_token":"abc\"def","expires_in":1800}`, `{"access_token":"***","expires_in":1800}`},
		{`{"Access_Token" : "cut sho`, `{"Access_Token" : "***`},
		{`/river/x?client_id=1&sign=0a1b&timestamp=2`, `/river/x?client_id=1&sign=***&timestamp=2`},
		{`{"x_sign":"kept","monkey=1","signs":"kept"}`, `{"x_sign":"kept","monkey=1","signs":"kept"}`},
		{`{"sign":7}`, `{"sign":7}`},
		{`no fields`, `no fields`},
		{`sign=`, `sign=`},
	}
	for _, tt := range tests {
		if got := Fields(tt.in); got != tt.want {
			t.Errorf("Fields(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSet(t *testing.T) {
	s := NewSet("given-secret")
	before := s.Redactor()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Add("learned-token", "learned-token-"+strings.Repeat("x", i), "ab")
		}()
	}
	wg.Wait()
	if got := s.Redactor().String("given-secret learned-token"); got != "*** ***" {
		t.Errorf("String = %q", got)
	}
	if got := s.Redactor().Len(); got != 10 {
		t.Errorf("Len = %d, want 10 (deduplicated, short ones ignored)", got)
	}
	if got := before.String("learned-token"); got != "learned-token" {
		t.Errorf("an earlier Redactor changed: %q", got)
	}
	var buf strings.Builder
	l := slog.New(Handler(slog.NewTextHandler(&buf, nil), s))
	s.Add("added-after-the-logger")
	l.Info("using added-after-the-logger")
	if strings.Contains(buf.String(), "added-after") {
		t.Errorf("a secret added after the handler was made leaked: %s", buf.String())
	}
	if (*Set)(nil).Redactor().String("x") != "x" {
		t.Error("nil Set")
	}
}
