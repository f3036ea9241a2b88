package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/retry"
)

// TestRetryAfter: both forms of Retry-After (RFC 9110 section 10.2.3), delay seconds and an
// HTTP date, are honoured on 429 and 503, relative to the transport's clock and capped by the
// retry policy.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		header string
		want   time.Duration
	}{
		{"429 seconds", 429, "7", 7 * time.Second},
		{"429 HTTP date", 429, now.Add(9 * time.Second).Format(http.TimeFormat), 9 * time.Second},
		{"503 HTTP date", 503, now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second},
		{"HTTP date beyond the cap", 429, now.Add(time.Hour).Format(http.TimeFormat), 20 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", tc.header)
					w.WriteHeader(tc.status)
					fmt.Fprint(w, `{"status":0,"error":"busy"}`)
					return
				}
				fmt.Fprint(w, `{"status":1,"error":"","data":{}}`)
			}))
			defer ts.Close()
			clk := clock.NewFake(now)
			tr, err := New(fieldAPI, ts.URL, Config{Clock: clk, Retry: retry.Policy{MaxAttempts: 2, Max: 20 * time.Second}}, nil, nil, Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tr.Do(context.Background(), &Op{API: "kq", Name: "r", Method: "GET", Path: "/"}, nil, nil); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]time.Duration{tc.want}, clk.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHeaderWithLineBreak: a credential with a line break (a token file's second line) is a
// parameter error, sent never and retried never, and the message does not show the value.
func TestHeaderWithLineBreak(t *testing.T) {
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	defer ts.Close()
	clk := clock.NewFake(time.Unix(0, 0))
	tr, err := New(httpAPI, ts.URL, Config{Clock: clk, Retry: retry.Policy{MaxAttempts: 3}}, nil, nil, Hooks{
		Prepare: func(ctx context.Context, r *Request) error {
			r.Set(Param{Name: "X-AUTH-TOKEN", In: Header, Text: "first-line\nsecond-line"})
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Do(context.Background(), &Op{API: "kimai", Name: "r", Method: "GET", Path: "/"}, nil, nil)
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Param != "X-AUTH-TOKEN" {
		t.Fatalf("err = %v, want a ParamError for X-AUTH-TOKEN", err)
	}
	if strings.Contains(err.Error(), "line") && strings.Contains(err.Error(), "first-line") {
		t.Errorf("err %q shows the value", err)
	}
	if n.Load() != 0 || len(clk.Sleeps()) != 0 {
		t.Errorf("requests %d, sleeps %v; want none", n.Load(), clk.Sleeps())
	}
}

// TestLearnedSecretsRedacted: the access token a request carries (learned at run time, as
// Didi's) and its signature are redacted from errors and logs when the vendor echoes the
// request, also in PHP's escaped form and in later calls.
func TestLearnedSecretsRedacted(t *testing.T) {
	const tok = "tok/learned-9f8e7d6c5b4a"
	const sig = "0123456789abcdef0123456789abcdef"
	var logs strings.Builder
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Echo the request as a PHP API does (json_encode escapes "/").
		q := strings.ReplaceAll(r.URL.RawQuery, "%2F", `\/`)
		fmt.Fprintf(w, `{"status":0,"error":"bad request %s (token %s)"}`, q, strings.ReplaceAll(tok, "/", `\/`))
	}))
	defer ts.Close()
	tr, err := New(fieldAPI, ts.URL, Config{Clock: clock.NewFake(time.Unix(0, 0)), Retry: retry.Policy{MaxAttempts: 1},
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, nil, nil, Hooks{
		Prepare: func(ctx context.Context, r *Request) error {
			r.Set(Param{Name: "access_token", In: Query, Text: tok})
			r.Set(Param{Name: "sign", In: Query, Text: sig})
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	op := &Op{API: "kq", Name: "r", Method: "GET", Path: "/"}
	_, err = tr.Do(context.Background(), op, nil, nil)
	if err == nil {
		t.Fatal("no error")
	}
	tr.Logger().Info("later", "err", "token "+tok+" was "+strings.ReplaceAll(tok, "/", `\/`))
	for _, s := range []string{err.Error(), logs.String()} {
		for _, secret := range []string{tok, strings.ReplaceAll(tok, "/", `\/`), "tok%2Flearned", "learned-9f8e", sig} {
			if strings.Contains(s, secret) {
				t.Errorf("%q leaks %q", s, secret)
			}
		}
	}
	if !strings.Contains(err.Error(), "bad request") {
		t.Errorf("err %q lost the vendor's message", err)
	}
}

// TestSnippetRedactedBeforeTheCut: a secret that straddles the 120-character cut of a body
// snippet leaves no prefix behind, and a token being handed out (unknown to the redactor) is
// masked by its field name.
func TestSnippetRedactedBeforeTheCut(t *testing.T) {
	for _, body := range []string{
		strings.Repeat("x", 115) + "s3cret-key and more",
		`{"access_token":"fresh-token-abcdef","expires_in":"soon",` + strings.Repeat(" ", 100),
	} {
		tr := newT(t, fieldAPI, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) })
		_, err := tr.Do(context.Background(), &Op{API: "kq", Name: "r", Method: "GET", Path: "/"}, nil, nil)
		if err == nil {
			t.Fatal("no error")
		}
		for _, leak := range []string{"s3cr", "fresh-token"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("err %q leaks %q", err, leak)
			}
		}
	}
}

// TestNoData: a success without data (an empty body, null) is visible to the caller, so that a
// write is not recorded as done without the target's id.
func TestNoData(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{``, true},
		{`null`, true},
		{`{"id":7}`, false},
	} {
		tr := newT(t, httpAPI, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tc.body) })
		var out struct{ ID int }
		m, err := tr.Do(context.Background(), &Op{API: "kimai", Name: "w", Method: "POST", Path: "/", Write: true}, nil, &out)
		if err != nil {
			t.Fatal(err)
		}
		if m.NoData != tc.want {
			t.Errorf("body %q: NoData = %v, want %v", tc.body, m.NoData, tc.want)
		}
	}
}

// TestRedirectPolicy: the branches of a read's redirects the Kimai test does not reach: a read
// sent as a POST keeps its method and body, https to http is refused, and so is a loop.
func TestRedirectPolicy(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusTemporaryRedirect)
		case "/here":
			b := new(strings.Builder)
			_, _ = fmt.Fprint(b, r.Method, " ")
			buf := make([]byte, 256)
			n, _ := r.Body.Read(buf)
			b.Write(buf[:n])
			fmt.Fprintf(w, `{"status":1,"error":"","data":%q}`, b.String())
		}
	}))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/here", http.StatusMovedPermanently)
	}))
	defer secure.Close()

	read := func(base string, client Doer, path string) (string, error) {
		tr, err := New(fieldAPI, base, Config{HTTPClient: client, Clock: clock.NewFake(time.Unix(0, 0)), Retry: retry.Policy{MaxAttempts: 1}}, nil, nil, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		var out string
		_, err = tr.Do(context.Background(), &Op{API: "kq", Name: "r", Method: "POST", Path: path}, []Param{{Name: "a", In: Body, Text: "1"}}, &out)
		return out, err
	}
	if out, err := read(plain.URL, nil, "/moved"); err != nil || out != `POST {"a":"1"}` {
		t.Errorf("307 of a read sent as POST: %q, %v; want the method and body kept", out, err)
	}
	var re *RedirectError
	if _, err := read(plain.URL, nil, "/loop"); !errors.As(err, &re) || re.Reason != reasonTooMany {
		t.Errorf("a redirect loop: %v, want a RedirectError for too many redirects", err)
	}
	if _, err := read(secure.URL, secure.Client(), "/x"); !errors.As(err, &re) || re.Reason != reasonDowngrade || !strings.Contains(err.Error(), plain.URL+"/here") {
		t.Errorf("https to http: %v, want a RedirectError for the downgrade naming the Location", err)
	}
}

// TestLongMessageCut: a vendor message of megabytes is cut in the error, after redaction.
func TestLongMessageCut(t *testing.T) {
	msg := strings.Repeat("错", 400_000) + "s3cret-key"
	tr := newT(t, fieldAPI, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"status":0,"error":%q}`, msg)
	})
	_, err := tr.Do(context.Background(), &Op{API: "kq", Name: "r", Method: "GET", Path: "/"}, nil, nil)
	var ae *APIError
	if !errors.As(err, &ae) || len(ae.Message) > 1100 || !strings.HasSuffix(ae.Message, "…") || !utf8.ValidString(ae.Message) {
		t.Fatalf("message of %d bytes: %.80q", len(ae.Message), ae.Message)
	}
}

// manualFollower is a Doer that follows a redirect itself, outside the request's context (so
// the transport's guard cannot see it), keeping the method.
type manualFollower struct{}

func (manualFollower) Do(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusTemporaryRedirect {
		return resp, err
	}
	resp.Body.Close()
	next, err := r.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, err
	}
	body, err := r.GetBody()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, next.String(), body)
	if err != nil {
		return nil, err
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestWriteFollowedByADoer: a write that a Doer resent where a redirect pointed, out of the
// transport's sight, is a RedirectError whose outcome is unknown (it may have been processed
// there), never a success.
func TestWriteFollowedByADoer(t *testing.T) {
	var writes atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
			return
		}
		writes.Add(1)
		fmt.Fprint(w, `{"status":1,"error":"","data":{}}`)
	}))
	defer ts.Close()
	tr, err := New(fieldAPI, ts.URL, Config{HTTPClient: manualFollower{}, Clock: clock.NewFake(time.Unix(0, 0))}, nil, nil, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Do(context.Background(), &Op{API: "kq", Name: "w", Method: "POST", Path: "/old", Write: true}, nil, nil)
	var re *RedirectError
	if !errors.As(err, &re) || !OutcomeUnknown(err) || !strings.Contains(err.Error(), ts.URL+"/new") {
		t.Fatalf("err = %v, want a RedirectError to %s/new with an unknown outcome", err, ts.URL)
	}
	if writes.Load() != 1 {
		t.Errorf("%d writes reached /new, want the one the Doer sent", writes.Load())
	}
}

// TestCallWriteWithoutData: a write that returns a record and is answered without data is of
// unknown outcome; one that returns nothing (json.RawMessage), and a read, are not errors.
func TestCallWriteWithoutData(t *testing.T) {
	tr := newT(t, httpAPI, func(w http.ResponseWriter, r *http.Request) {})
	ctx := context.Background()
	write := &Op{API: "kimai", Name: "createThing", Method: "POST", Path: "/", Write: true}
	read := &Op{API: "kimai", Name: "getThing", Method: "GET", Path: "/"}
	none := func() error { return nil }
	enc := func() ([]Param, error) { return nil, nil }
	type thing struct{ ID int }
	_, _, err := Call[thing](ctx, tr, write, none, enc)
	var re *ResponseError
	if !errors.As(err, &re) || !OutcomeUnknown(err) || !strings.Contains(err.Error(), "no data") {
		t.Errorf("write of a record without data: %v, want a ResponseError of unknown outcome", err)
	}
	if _, _, err := Call[json.RawMessage](ctx, tr, write, none, enc); err != nil {
		t.Errorf("write that returns nothing: %v", err)
	}
	if _, m, err := Call[thing](ctx, tr, read, none, enc); err != nil || !m.NoData {
		t.Errorf("read without data: %v, NoData %v; want no error, NoData", err, m.NoData)
	}
}
