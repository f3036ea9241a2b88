package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// The forms the package claims to cover, written here independently of encodings.
var (
	percentHex = regexp.MustCompile(`%[0-9A-F]{2}`)
	uHex       = regexp.MustCompile(`\\u[0-9a-f]{4}`)
)

func lowerPercent(s string) string { return percentHex.ReplaceAllStringFunc(s, strings.ToLower) }

// phpURL is PHP's urlencode (plus true) or rawurlencode (plus false).
func phpURL(s string, plus bool) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.':
			b.WriteByte(c)
		case c == '~' && !plus:
			b.WriteByte(c)
		case c == ' ' && plus:
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func goJSON(s string, html bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s)
	out := strings.TrimSuffix(buf.String(), "\n")
	return out[1 : len(out)-1]
}

// asciiJSON escapes every non-ASCII rune of a JSON text as \u escapes, as PHP's json_encode does.
func asciiJSON(j string) string {
	var b strings.Builder
	for _, r := range j {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&b, `\u%04x`, u)
		}
	}
	return b.String()
}

func claimedForms(s string) map[string]string {
	forms := map[string]string{
		"raw":                 s,
		"query":               url.QueryEscape(s),
		"path":                url.PathEscape(s),
		"query lower":         lowerPercent(url.QueryEscape(s)),
		"path lower":          lowerPercent(url.PathEscape(s)),
		"php urlencode":       phpURL(s, true),
		"php rawurlencode":    phpURL(s, false),
		"php urlencode lower": lowerPercent(phpURL(s, true)),
	}
	for _, html := range []bool{false, true} {
		j := goJSON(s, html)
		name := fmt.Sprintf("json html=%v", html)
		forms[name] = j
		forms[name+" slash"] = strings.ReplaceAll(j, "/", `\/`)
		forms[name+" ascii"] = asciiJSON(j)
		forms[name+" ascii slash"] = strings.ReplaceAll(asciiJSON(j), "/", `\/`)
	}
	forms["json ascii upper"] = uHex.ReplaceAllStringFunc(asciiJSON(goJSON(s, false)), func(u string) string { return `\u` + strings.ToUpper(u[2:]) })
	return forms
}

// FuzzRedact: a secret never survives String in any form the package claims to cover, whatever
// text surrounds it and whatever other secret the Redactor knows; Fields masks a credential
// field's value; neither panics.
func FuzzRedact(f *testing.F) {
	f.Add("s3cr et/+&=研", "prefix ", " suffix", "other-secret")
	f.Add("141ea31466478eab2f1c1ddcca2675b989a16552", `{"access_token":"`, `"}`, "141e")
	f.Add("a/b<c>&d~e é😀 f", `\/`, `\u`, "a/b<")
	f.Add("abcdabcd", "abc", "dabc", "bcda")
	f.Add("\u2028\x01\t\"\\x", "", "", "")
	f.Fuzz(func(t *testing.T, secret, before, after, other string) {
		// Secrets are keys and tokens, not pages: String costs the text's length times the
		// longest secret's, which long fuzzed secrets would turn into a crawl.
		if len(secret) > 256 || len(other) > 256 {
			return
		}
		r := New(secret, other)
		_ = Fields(before + secret + after)
		if utf8.RuneCountInString(secret) < MinLen || !utf8.ValidString(secret) || strings.Contains(secret, "*") {
			return
		}
		for name, form := range claimedForms(secret) {
			if got := r.String(before + form + after); strings.Contains(got, form) {
				t.Fatalf("%s form %q of secret %q survives in %q", name, form, secret, got)
			}
		}
		if !strings.ContainsAny(secret, `"\`) {
			j := `{"Access_Token": "` + secret + `", ` + after
			if got := Fields(j); strings.Contains(got, secret) && !strings.Contains(`{"Access_Token": "***", `+after, secret) {
				t.Fatalf("Fields(%q) = %q", j, got)
			}
		}
	})
}
