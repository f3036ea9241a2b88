package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	signKey = "test_sign_key"
	secret  = "didi_test_pass"
	token   = "141ea31466478eab2f1c1ddcca2675b989a16552"
	spaced  = "s3cr et/+&=研" // needs escaping in every form
)

func TestString(t *testing.T) {
	r := New(signKey, secret, token, spaced, "", "ab", "abc")
	tests := []struct {
		name, in, want string
	}{
		{"no secret", "GET /river/BudgetCenter/get offset=0", "GET /river/BudgetCenter/get offset=0"},
		{"plain", "sign_key=" + signKey + "&timestamp=1", "sign_key=***&timestamp=1"},
		{"twice", token + " and " + token, "*** and ***"},
		{"several", secret + signKey, "******"},
		{"query escaped", "name=" + url.QueryEscape(spaced), "name=***"},
		{"path escaped", "/x/" + url.PathEscape(spaced), "/x/***"},
		{"lower-case escapes", "q=" + strings.ToLower(url.QueryEscape(spaced)), "q=***"},
		{"json escaped", `{"k":` + mustJSON(spaced) + `}`, `{"k":"***"}`},
		{"short secrets ignored", "ab abc", "ab abc"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestStringOverlapping(t *testing.T) {
	// A secret that contains another is masked whole, whichever was given first.
	for _, r := range []*Redactor{New("abcd", "abcdefgh"), New("abcdefgh", "abcd")} {
		if got := r.String("x abcdefgh y abcd"); got != "x *** y ***" {
			t.Errorf("String = %q", got)
		}
	}
}

func TestNilAndEmpty(t *testing.T) {
	var r *Redactor
	if got := r.String("x" + token); got != "x"+token {
		t.Errorf("nil.String = %q", got)
	}
	if r.Error(nil) != nil || New().Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
	if got := New("", "abc").Len(); got != 0 {
		t.Errorf("Len = %d, want 0", got)
	}
	if got := r.With(token).String(token); got != Mask {
		t.Errorf("nil.With(token).String = %q", got)
	}
}

func TestWith(t *testing.T) {
	base := New(secret)
	more := base.With(token, secret)
	if got := base.String(secret + token); got != "***"+token {
		t.Errorf("base changed by With: %q", got)
	}
	if got := more.String(secret + " " + token); got != "*** ***" {
		t.Errorf("With: %q", got)
	}
	if more.Len() != 2 {
		t.Errorf("Len = %d, want 2 (deduplicated)", more.Len())
	}
}

func TestError(t *testing.T) {
	r := New(token)
	inner := &fs.PathError{Op: "open", Path: "/tmp/" + token, Err: fs.ErrNotExist}
	chain := fmt.Errorf("authorize: %w", fmt.Errorf("token %s rejected: %w", token, inner))
	got := r.Error(chain)
	if want := "authorize: token *** rejected: open /tmp/***: file does not exist"; got.Error() != want {
		t.Errorf("Error() = %q, want %q", got.Error(), want)
	}
	if !errors.Is(got, fs.ErrNotExist) {
		t.Error("errors.Is lost the chain")
	}
	var pe *fs.PathError
	if !errors.As(got, &pe) || pe != inner {
		t.Error("errors.As lost the chain")
	}
	if errors.Unwrap(got) != chain {
		t.Error("Unwrap does not return the original error")
	}
}

func TestURL(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		params []string
		want   string
	}{
		{
			name: "default names",
			in:   "https://yun.kqapi.com/Api/Api/recordlog?account=abc123&requesttime=1717000000&sign=1285dd0ebf02b374eabf5d1e778e649b",
			want: "https://yun.kqapi.com/Api/Api/recordlog?account=abc123&requesttime=1717000000&sign=***",
		},
		{
			name:   "named only, order kept",
			in:     "http://127.0.0.1:8080/river/BudgetCenter/get?timestamp=1&access_token=tok&name=%E7%A0%94+%E9%83%A8&sign=abc",
			params: []string{"access_token"},
			want:   "http://127.0.0.1:8080/river/BudgetCenter/get?timestamp=1&access_token=***&name=%E7%A0%94+%E9%83%A8&sign=abc",
		},
		{
			name: "case-insensitive and escaped names, repeated",
			in:   "http://h/p?Client_Secret=x&client%5Fsecret=y&client_secret=z&a=1",
			want: "http://h/p?Client_Secret=***&client%5Fsecret=***&client_secret=***&a=1",
		},
		{
			name: "password in user info",
			in:   "https://user:hunter22@h/p?key=k1",
			want: "https://user:***@h/p?key=***",
		},
		{
			name: "no query",
			in:   "https://h/p#frag",
			want: "https://h/p#frag",
		},
		{
			name: "key without value left alone",
			in:   "https://h/p?sign&x=1",
			want: "https://h/p?sign&x=1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			before := u.String()
			if got := URL(u, tt.params...); got != tt.want {
				t.Errorf("URL = %q, want %q", got, tt.want)
			}
			if u.String() != before {
				t.Errorf("URL modified its argument: %q", u)
			}
		})
	}
	if got := URL(nil); got != "" {
		t.Errorf("URL(nil) = %q", got)
	}
}

// logValuer hides a secret behind LogValue.
type logValuer struct{ s string }

func (v logValuer) LogValue() slog.Value { return slog.StringValue("v=" + v.s) }

// creds is a struct that prints a secret unless redacted.
type creds struct {
	ClientID string
	Secret   string
}

func TestHandler(t *testing.T) {
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want map[string]any
	}{
		{
			name: "message and attribute",
			log:  func(l *slog.Logger) { l.Info("using token "+token, "token", token, "n", 3) },
			want: map[string]any{"msg": "using token ***", "token": "***", "n": 3.0},
		},
		{
			name: "nested group",
			log: func(l *slog.Logger) {
				l.Info("auth", slog.Group("req", slog.String("url", "/x?access_token="+token), slog.Group("body", "client_secret", secret)))
			},
			want: map[string]any{"msg": "auth", "req": map[string]any{"url": "/x?access_token=***", "body": map[string]any{"client_secret": "***"}}},
		},
		{
			name: "error chain",
			log: func(l *slog.Logger) {
				l.Error("failed", "err", fmt.Errorf("call: %w", fmt.Errorf("bad token %s", token)))
			},
			want: map[string]any{"msg": "failed", "err": "call: bad token ***"},
		},
		{
			name: "url-encoded",
			log:  func(l *slog.Logger) { l.Info("sent", "body", "client_secret="+url.QueryEscape(secret)) },
			want: map[string]any{"msg": "sent", "body": "client_secret=***"},
		},
		{
			name: "LogValuer",
			log:  func(l *slog.Logger) { l.Info("x", "v", logValuer{token}) },
			want: map[string]any{"msg": "x", "v": "v=***"},
		},
		{
			name: "struct value",
			log:  func(l *slog.Logger) { l.Info("x", "creds", creds{ClientID: "id1", Secret: secret}) },
			want: map[string]any{"msg": "x", "creds": "{ClientID:id1 Secret:***}"},
		},
		{
			name: "struct value without secrets is kept",
			log:  func(l *slog.Logger) { l.Info("x", "creds", creds{ClientID: "id1"}) },
			want: map[string]any{"msg": "x", "creds": map[string]any{"ClientID": "id1", "Secret": ""}},
		},
		{
			name: "bytes",
			log:  func(l *slog.Logger) { l.Info("x", "raw", []byte(`{"access_token":"`+token+`"}`)) },
			want: map[string]any{"msg": "x", "raw": `{"access_token":"***"}`},
		},
		{
			name: "With attributes and group",
			log: func(l *slog.Logger) {
				l.With("secret", secret).WithGroup("g").Info("m", "tok", token)
			},
			want: map[string]any{"msg": "m", "secret": "***", "g": map[string]any{"tok": "***"}},
		},
		{
			name: "secret as a key",
			log:  func(l *slog.Logger) { l.Info("m", token, 1) },
			want: map[string]any{"msg": "m", "***": 1.0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			inner := slog.NewJSONHandler(&buf, &slog.HandlerOptions{
				ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
					if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
						return slog.Attr{}
					}
					return a
				},
			})
			tt.log(slog.New(Handler(inner, NewSet(token, secret))))
			if strings.Contains(buf.String(), token) || strings.Contains(buf.String(), secret) {
				t.Errorf("secret leaked: %s", buf.String())
			}
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("%v in %s", err, buf.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("log record (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHandlerText(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(Handler(slog.NewTextHandler(&buf, nil), NewSet(token)))
	l.Warn("retry", "err", errors.New("HTTP 401 for "+token), "url", &url.URL{Scheme: "https", Host: "h", RawQuery: "access_token=" + token})
	out := buf.String()
	if strings.Contains(out, token) {
		t.Errorf("secret leaked: %s", out)
	}
	for _, want := range []string{`err="HTTP 401 for ***"`, `url="https://h?access_token=***"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
}

func TestHandlerEnabled(t *testing.T) {
	inner := slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})
	h := Handler(inner, NewSet(token))
	if h.Enabled(t.Context(), slog.LevelInfo) || !h.Enabled(t.Context(), slog.LevelError) {
		t.Error("Enabled does not follow the wrapped handler")
	}
}
