package transport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/specpipe/specpipe/generated/didi"
	emudidi "github.com/specpipe/specpipe/internal/emulator/didi"
	"github.com/specpipe/specpipe/internal/runtime/retry"
)

// TestDidiTokenRedacted: Didi's access token, learned at run time, and the request's signature
// never reach an error or a log line when Didi echoes the request in its message (as PHP
// writes it: "/" as "\/"). A proxy before the Didi emulator hands out the emulator's token and
// answers every other call with the request echoed.
func TestDidiTokenRedacted(t *testing.T) {
	e, err := emudidi.New(emudidi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var token, sign string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/Auth/authorize") {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, r)
			var a struct {
				AccessToken string `json:"access_token"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &a)
			mu.Lock()
			token = a.AccessToken
			mu.Unlock()
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		sign = r.URL.Query().Get("sign")
		mu.Unlock()
		echo, _ := json.Marshal(map[string]any{"errno": 50001, "errmsg": "参数错误: " + r.URL.RawQuery + " " + string(body)})
		_, _ = w.Write(bytes.ReplaceAll(echo, []byte("/"), []byte(`\/`)))
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c, err := didi.New(didi.Config{BaseURL: srv.URL, ClientID: "sandbox-client", ClientSecret: "sandbox-secret",
		SignKey: "sandbox-sign-key", CompanyID: "1125899906842625",
		Options: didi.Options{Retry: retry.Policy{MaxAttempts: 1},
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.BudgetCenterGet(context.Background(), didi.BudgetCenterGetParams{Name: "研发/部", Length: 10})
	if err == nil || !strings.Contains(err.Error(), "参数错误") {
		t.Fatalf("err = %v, want the vendor's echo", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(token) < 8 || len(sign) < 8 {
		t.Fatalf("token %q, sign %q: the proxy did not see them", token, sign)
	}
	out := err.Error() + "\n" + logs.String()
	for _, s := range []string{token, strings.ReplaceAll(token, "/", `\/`), sign, "sandbox-secret", "sandbox-sign-key"} {
		if strings.Contains(out, s) {
			t.Errorf("%q leaks in:\n%s", s, out)
		}
	}
}
