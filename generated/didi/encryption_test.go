package didi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	emu "github.com/specpipe/specpipe/internal/emulator/didi"
	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/scalar"
)

// transportVectors is Didi's encrypted transport as computed by running its Go and Java SDKs
// (internal/runtime/aesecb/testdata/didi-transport.json; its "source" says how).
type transportVectors struct {
	Vectors []struct {
		Name          string            `json:"name"`
		Encryption    string            `json:"encryption"`
		Key           string            `json:"key"`
		Method        string            `json:"method"`
		Path          string            `json:"path"`
		Params        map[string]string `json:"params"`
		Plaintext     string            `json:"plaintext"`
		Content       string            `json:"encrypt_content"`
		ContentURL    string            `json:"encrypt_content_url"`
		Sent          map[string]string `json:"sent"`
		SignKey       string            `json:"sign_key"`
		SignMD5       string            `json:"sign_md5"`
		SignSHA256    string            `json:"sign_sha256"`
		SignURLMD5    string            `json:"sign_url_md5"`
		SignURLSHA256 string            `json:"sign_url_sha256"`
	} `json:"vectors"`
	Replies []struct {
		Name        string `json:"name"`
		Encryption  string `json:"encryption"`
		Key         string `json:"key"`
		Plaintext   string `json:"plaintext"`
		EncryptData string `json:"encrypt_data"`
	} `json:"replies"`
}

func loadTransportVectors(t *testing.T) transportVectors {
	t.Helper()
	b, err := os.ReadFile("../../internal/runtime/aesecb/testdata/didi-transport.json")
	if err != nil {
		t.Fatal(err)
	}
	var v transportVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Vectors) == 0 || len(v.Replies) == 0 {
		t.Fatal("no vectors")
	}
	return v
}

// capture is a server that answers authorize with a fixed token and every other call with an
// encrypted reply, and records what each call sent, as text.
type capture struct {
	token, reply string
	mu           sync.Mutex
	sent         map[string]string
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/river/Auth/authorize" {
		fmt.Fprintf(w, `{"access_token":%q,"expires_in":1800}`, c.token)
		return
	}
	got := map[string]string{}
	for k, vs := range r.URL.Query() {
		got[k] = vs[0]
	}
	if r.Method == http.MethodPost {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for k, v := range m {
			got[k] = fmt.Sprint(v)
		}
	}
	c.mu.Lock()
	c.sent = got
	c.mu.Unlock()
	fmt.Fprintf(w, `{"encrypt_data":%q}`, c.reply)
}

// opOf names the operation of a vector's path.
var opOf = map[string]string{
	"/river/BudgetCenter/get": "budgetCenterGet",
	"/river/BudgetCenter/add": "budgetCenterAdd",
	"/river/BudgetCenter/del": "budgetCenterDel",
}

// TestEncryptedTransportVectors sends every vector's call through the generated client and checks
// that what goes on the wire is exactly what the vector says (ent, encrypt_content in our alphabet
// of the mode, client_id, access_token and the signature over them, md5 and sha256), and that the
// encrypted reply is decrypted into the data.
func TestEncryptedTransportVectors(t *testing.T) {
	tv := loadTransportVectors(t)
	replyFor := func(enc, key string) string {
		for _, r := range tv.Replies {
			if r.Encryption == enc && r.Key == key && strings.HasSuffix(r.Name, "reply 1") {
				return r.EncryptData
			}
		}
		t.Fatalf("no reply for %s %s", enc, key)
		return ""
	}
	for _, v := range tv.Vectors {
		for _, method := range []string{"md5", "sha256"} {
			t.Run(v.Name+"/"+method, func(t *testing.T) {
				want := map[string]string{}
				for k, x := range v.Sent {
					want[k] = x
				}
				want["sign"] = map[string]string{"md5": v.SignMD5, "sha256": v.SignSHA256}[method]
				if v.Encryption == "aes256" { // we write URL-safe base64 for ent 2, as the Java SDK does
					want["encrypt_content"] = v.ContentURL
					want["sign"] = map[string]string{"md5": v.SignURLMD5, "sha256": v.SignURLSHA256}[method]
				}
				srv := &capture{token: v.Params["access_token"], reply: replyFor(v.Encryption, v.Key)}
				ts := httptest.NewServer(srv)
				defer ts.Close()
				var ts64 int64
				fmt.Sscan(v.Params["timestamp"], &ts64)
				c, err := New(Config{BaseURL: ts.URL, ClientID: v.Params["client_id"], ClientSecret: "vector-secret",
					SignKey: v.SignKey, SignMethod: method, CompanyID: v.Params["company_id"],
					Encryption: v.Encryption, AesKey: v.Key,
					Options: Options{Clock: clock.NewFake(time.Unix(ts64, 0)), Intervals: map[string]time.Duration{"writes": 0}}})
				if err != nil {
					t.Fatal(err)
				}
				params := map[string]any{}
				for k, x := range v.Params {
					switch k {
					case "access_token", "client_id", "company_id", "timestamp":
					default:
						params[k] = x
					}
				}
				var recs []any
				for r, err := range c.Call(context.Background(), opOf[v.Path], params, false) {
					if err != nil {
						t.Fatalf("%s: %v", opOf[v.Path], err)
					}
					recs = append(recs, r)
				}
				if d := cmp.Diff(want, srv.sent); d != "" {
					t.Errorf("sent (-want +got):\n%s", d)
				}
				if v.Method == http.MethodGet {
					if len(recs) != 1 || recs[0].(BudgetCenter).Name != "研发部" {
						t.Errorf("decrypted answer: %+v, want the record of reply 1", recs)
					}
				}
			})
		}
	}
}

// TestEncryptedAgainstEmulator runs the round trip of TestEmulatorRoundTrip's operations against an
// emulator whose clients require encryption, in both modes; and a clear client against it gets
// the emulator's refusal as an APIError.
func TestEncryptedAgainstEmulator(t *testing.T) {
	for _, enc := range []string{emu.EncryptAES128, emu.EncryptAES256} {
		t.Run(enc, func(t *testing.T) {
			ctx := context.Background()
			f, err := emu.DefaultFixture()
			if err != nil {
				t.Fatal(err)
			}
			key, err := emu.RequireEncryption(f, enc)
			if err != nil {
				t.Fatal(err)
			}
			e, err := emu.New(emu.Options{Fixture: f})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(e)
			defer ts.Close()
			cfg := Config{BaseURL: ts.URL, ClientID: emu.SandboxClientID, ClientSecret: "sandbox-secret",
				SignKey: "sandbox-sign-key", CompanyID: company, Encryption: enc, AesKey: key,
				Options: Options{Intervals: map[string]time.Duration{"writes": 0}}}
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			created, err := c.BudgetCenterAdd(ctx, BudgetCenterAddParams{
				Type: BudgetCenterTypeDepartment, Name: "质量部 A+B&C=D 100%", BudgetCycle: BudgetCycleMonth,
				TotalQuota: scalar.MustDecimal("2000.50"), OutBudgetID: "D-ENC", ParentID: "0",
			})
			if err != nil {
				t.Fatalf("BudgetCenterAdd: %v", err)
			}
			got, err := c.BudgetCenterGet(ctx, BudgetCenterGetParams{ID: created.ID, Length: 10})
			if err != nil || len(got.Records) != 1 || got.Records[0].Name != "质量部 A+B&C=D 100%" {
				t.Fatalf("BudgetCenterGet: %+v, %v", got, err)
			}
			if err := c.BudgetCenterDel(ctx, BudgetCenterDelParams{ID: created.ID}); err != nil {
				t.Fatalf("BudgetCenterDel: %v", err)
			}
			n := 0
			for _, err := range c.BudgetCenterGetAll(ctx, BudgetCenterGetParams{Length: 2}) {
				if err != nil {
					t.Fatalf("BudgetCenterGetAll: %v", err)
				}
				n++
			}
			if n < 3 {
				t.Errorf("BudgetCenterGetAll: %d records", n)
			}

			clear := cfg
			clear.Encryption, clear.AesKey = "", ""
			cc, err := New(clear)
			if err != nil {
				t.Fatal(err)
			}
			_, err = cc.BudgetCenterGet(ctx, BudgetCenterGetParams{Length: 10})
			var ae *APIError
			if !errors.As(err, &ae) || ae.Code != fmt.Sprint(emu.ErrTransport) {
				t.Fatalf("clear client: %v; want errno %d", err, emu.ErrTransport)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("error holds the key: %v", err)
			}
			t.Logf("clear client against an encrypted emulator: %v", err)

			wrong := cfg
			wrong.AesKey = map[string]string{emu.EncryptAES128: "another-aes-key!", emu.EncryptAES256: strings.Repeat("0f", 32)}[enc]
			wc, err := New(wrong)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wc.BudgetCenterGet(ctx, BudgetCenterGetParams{Length: 10}); !errors.As(err, &ae) {
				t.Errorf("wrong key: %v; want an APIError", err)
			} else if strings.Contains(err.Error(), wrong.AesKey) {
				t.Errorf("error holds the key: %v", err)
			}
		})
	}
}

// TestEncryptionConfigErrors: a bad key is a configuration error naming the variable, never the key.
func TestEncryptionConfigErrors(t *testing.T) {
	base := Config{ClientID: "c", ClientSecret: "s", SignKey: "k", CompanyID: company}
	for _, tc := range []struct{ enc, key, want string }{
		{"aes256", "not-hex-but-a-secret", "didi: DIDI_AES_KEY: want 64 hex digits"},
		{"aes256", strings.Repeat("ab", 16), "didi: DIDI_AES_KEY: want 64 hex digits"},
		{"aes128", "secret-of-19-bytes", "didi: DIDI_AES_KEY: want a key of 16, 24 or 32 bytes, got 18"},
		{"aes128", "", "didi: DIDI_AES_KEY is empty, but DIDI_ENCRYPTION=aes128 needs a key"},
		{"des", "", `didi: DIDI_ENCRYPTION: want one of aes128, aes256, got "des"`},
	} {
		cfg := base
		cfg.Encryption, cfg.AesKey = tc.enc, tc.key
		_, err := New(cfg)
		if err == nil || err.Error() != tc.want {
			t.Errorf("New(%s, key): %v, want %q", tc.enc, err, tc.want)
		}
		if err != nil && tc.key != "" && strings.Contains(err.Error(), tc.key) {
			t.Errorf("error holds the key: %v", err)
		}
	}
}
