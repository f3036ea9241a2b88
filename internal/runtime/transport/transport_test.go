package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/retry"
)

var fieldAPI = &API{Name: "kq", Envelope: Envelope{Style: "field", SuccessField: "status", SuccessValues: []string{"1"},
	CodeField: "status", MessageField: "error", DataField: "data"}, RetryCodes: []string{"411"}}

var httpAPI = &API{Name: "kimai", Envelope: Envelope{Style: "http", CodeField: "code", MessageField: "message", FieldErrors: "fosrest"}}

func newT(t *testing.T, api *API, h http.HandlerFunc) *Transport {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	tr, err := New(api, ts.URL, Config{Clock: clock.NewFake(time.Unix(0, 0)), Retry: retry.Policy{MaxAttempts: 3}},
		nil, []string{"s3cret-key"}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestDecode(t *testing.T) {
	read := &Op{API: "kq", Name: "read", Method: "GET", Path: "/r"}
	tests := []struct {
		name    string
		api     *API
		status  int
		body    string
		header  map[string]string
		want    string // data on success
		wantErr string
	}{
		{"field success", fieldAPI, 200, `{"status":1,"error":"","data":{"a":"1"}}`, nil, `{"a":"1"}`, ""},
		{"field success as string", fieldAPI, 200, `{"status":"1","error":"","data":[]}`, nil, `[]`, ""},
		{"field failure", fieldAPI, 200, `{"status":0,"error":"账号不能为空","data":[]}`, nil, "", "kq.read: vendor code 0: 账号不能为空"},
		{"field secret redacted", fieldAPI, 200, `{"status":0,"error":"key s3cret-key is wrong"}`, nil, "", "kq.read: vendor code 0: key *** is wrong"},
		{"html page", fieldAPI, 200, `<html><body>maintenance</body></html>`, nil, "", "the answer is an HTML page, not JSON"},
		{"cut short", fieldAPI, 200, `{"status":1,"error":"","data":{"a":`, nil, "", "not valid JSON (cut short?)"},
		{"kimai ok", httpAPI, 200, `{"id":1}`, nil, `{"id":1}`, ""},
		{"kimai 204", httpAPI, 204, ``, nil, ``, ""},
		{"kimai form errors", httpAPI, 400, `{"code":400,"message":"Validation Failed","errors":{"errors":["This form should not contain extra fields."],"children":{"name":{},"customer":{"errors":["The selected choice is invalid."]},"members":{"children":{"0":{"children":{"user":{"errors":["bad user"]}}}}}}}}`, nil, "",
			"kimai.read: HTTP 400, vendor code 400: Validation Failed: This form should not contain extra fields.; customer: The selected choice is invalid.; members.0.user: bad user"},
		{"kimai bearer failure", httpAPI, 401, ``, map[string]string{"WWW-Authenticate": `Bearer error="invalid_token",error_description="Invalid credentials."`}, "",
			"kimai.read: HTTP 401: Unauthorized: Invalid credentials."},
		{"kimai legacy 403", httpAPI, 403, `{"message":"Invalid credentials"}`, nil, "", "kimai.read: HTTP 403: Invalid credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newT(t, tc.api, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			})
			op := *read
			op.API = tc.api.Name
			var out any
			_, err := tr.Do(context.Background(), &op, nil, &out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if out != nil {
					t.Errorf("out = %v, want nothing", out)
				}
				return
			}
			got := fmt.Sprint(out)
			var want any
			_ = jsonUnmarshal(tc.want, &want)
			if d := cmp.Diff(fmt.Sprint(want), got); d != "" {
				t.Errorf("data (-want +got):\n%s", d)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		op        Op
		answers   []int // HTTP status per attempt (200 = success envelope)
		wantCalls int32
		wantErr   bool
		unknown   bool
	}{
		{"read retried after 502", Op{Name: "r", Method: "GET", Path: "/"}, []int{502, 200}, 2, false, false},
		{"write not retried after 502", Op{Name: "w", Method: "POST", Path: "/", Write: true}, []int{502, 200}, 1, true, true},
		{"safe write retried", Op{Name: "w", Method: "POST", Path: "/", Write: true, RetrySafe: true}, []int{502, 200}, 2, false, false},
		{"busy code retried even for a write", Op{Name: "w", Method: "POST", Path: "/", Write: true}, []int{411, 200}, 2, false, false},
		{"gives up after max attempts", Op{Name: "r", Method: "GET", Path: "/"}, []int{503, 503, 503, 503}, 3, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			tr := newT(t, fieldAPI, func(w http.ResponseWriter, r *http.Request) {
				i := n.Add(1) - 1
				code := tc.answers[min(int(i), len(tc.answers)-1)]
				switch code {
				case 200:
					fmt.Fprint(w, `{"status":1,"error":"","data":{}}`)
				case 411:
					fmt.Fprint(w, `{"status":411,"error":"由于访问过于频繁,请稍后访问"}`)
				default:
					w.WriteHeader(code)
					fmt.Fprint(w, "<html>Bad Gateway</html>")
				}
			})
			op := tc.op
			op.API = "kq"
			_, err := tr.Do(context.Background(), &op, nil, nil)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if got := n.Load(); got != tc.wantCalls {
				t.Errorf("calls = %d, want %d", got, tc.wantCalls)
			}
			if err != nil && OutcomeUnknown(err) != tc.unknown {
				t.Errorf("OutcomeUnknown = %v, want %v (%v)", OutcomeUnknown(err), tc.unknown, err)
			}
		})
	}
}

func TestDroppedConnectionOfAWriteIsUnknown(t *testing.T) {
	tr := newT(t, fieldAPI, func(w http.ResponseWriter, r *http.Request) {
		hj, _ := w.(http.Hijacker)
		c, _, _ := hj.Hijack()
		c.Close()
	})
	_, err := tr.Do(context.Background(), &Op{API: "kq", Name: "w", Method: "POST", Path: "/x", Write: true}, nil, nil)
	var ne *NetworkError
	if !errors.As(err, &ne) || !OutcomeUnknown(err) {
		t.Fatalf("err = %v, want a NetworkError with an unknown outcome", err)
	}
	if strings.Contains(err.Error(), "http://") {
		t.Errorf("err %q carries the URL (which may hold a token or signature)", err)
	}
}

func TestBuildRequest(t *testing.T) {
	var got *http.Request
	var body string
	tr := newT(t, httpAPI, func(w http.ResponseWriter, r *http.Request) {
		got = r
		b := new(strings.Builder)
		_, _ = fmt.Fprint(b, "")
		buf := make([]byte, 1024)
		n, _ := r.Body.Read(buf)
		body = string(buf[:n])
		fmt.Fprint(w, `{}`)
	})
	params := []Param{
		{Name: "id", In: Path, Text: "42"},
		{Name: "users[]", In: Query, Text: "1"},
		{Name: "users[]", In: Query, Text: "2"},
		{Name: "name", In: Body, Text: "研发部"},
		{Name: "customer", In: Body, Text: "7", JSON: []byte("7")},
		{Name: "X-AUTH-USER", In: Header, Text: "anna"},
	}
	if _, err := tr.Do(context.Background(), &Op{API: "kimai", Name: "p", Method: "PATCH", Path: "/api/projects/{id}"}, params, nil); err != nil {
		t.Fatal(err)
	}
	if got.URL.Path != "/api/projects/42" || got.URL.RawQuery != "users%5B%5D=1&users%5B%5D=2" {
		t.Errorf("URL = %s", got.URL)
	}
	if body != `{"name":"研发部","customer":7}` {
		t.Errorf("body = %s", body)
	}
	if got.Header.Get("X-AUTH-USER") != "anna" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", got.Header)
	}
}

// TestBusyByMessage: a vendor with one code for every error (kqapi: status 0) is retried when the
// message says it is busy, and not otherwise.
func TestBusyByMessage(t *testing.T) {
	api := *fieldAPI
	api.RetryMessages = []string{"频繁"}
	for _, tc := range []struct {
		first     string
		wantCalls int32
		wantErr   bool
	}{
		{`{"status":0,"error":"请求过于频繁,请20秒后再试"}`, 2, false},
		{`{"status":0,"error":"签名错误"}`, 1, true},
	} {
		var n atomic.Int32
		tr := newT(t, &api, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				fmt.Fprint(w, tc.first)
				return
			}
			fmt.Fprint(w, `{"status":1,"error":"","data":[]}`)
		})
		_, err := tr.Do(context.Background(), &Op{API: "kq", Name: "r", Method: "GET", Path: "/"}, nil, nil)
		if (err != nil) != tc.wantErr || n.Load() != tc.wantCalls {
			t.Errorf("%s: calls %d, err %v; want %d calls, error %v", tc.first, n.Load(), err, tc.wantCalls, tc.wantErr)
		}
	}
}
