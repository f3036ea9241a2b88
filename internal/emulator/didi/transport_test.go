package didi

import (
	"encoding/json"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/aesecb"
)

// transportVectors is internal/runtime/aesecb/testdata/didi-transport.json, computed by running the
// official Go and Java SDKs (its "source" member says which commits and files).
type transportVectors struct {
	Vectors []struct {
		Name          string            `json:"name"`
		Encryption    string            `json:"encryption"`
		Key           string            `json:"key"`
		Params        map[string]string `json:"params"`
		Plaintext     string            `json:"plaintext"`
		Ciphertext    string            `json:"encrypt_content"`
		CiphertextURL string            `json:"encrypt_content_url"`
		Sent          map[string]string `json:"sent"`
		SignKey       string            `json:"sign_key"`
		SignString    string            `json:"sign_string"`
		MD5           string            `json:"sign_md5"`
		SHA256        string            `json:"sign_sha256"`
		URLMD5        string            `json:"sign_url_md5"`
		URLSHA256     string            `json:"sign_url_sha256"`
	} `json:"vectors"`
	Replies []struct {
		Name           string `json:"name"`
		Encryption     string `json:"encryption"`
		Key            string `json:"key"`
		Plaintext      string `json:"plaintext"`
		EncryptData    string `json:"encrypt_data"`
		EncryptDataURL string `json:"encrypt_data_url"`
	} `json:"replies"`
}

func loadTransportVectors(t *testing.T) transportVectors {
	t.Helper()
	b, err := os.ReadFile("../../runtime/aesecb/testdata/didi-transport.json")
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

// TestTransportVectors checks the emulator's own decryption, plaintext parsing, signature over the
// sent parameters and reply encryption against what the SDKs compute.
func TestTransportVectors(t *testing.T) {
	v := loadTransportVectors(t)
	for _, x := range v.Vectors {
		t.Run(x.Name, func(t *testing.T) {
			k, err := newTransportKey(x.Encryption, x.Key)
			if err != nil {
				t.Fatal(err)
			}
			forms := []string{x.Ciphertext}
			if x.CiphertextURL != "" {
				forms = append(forms, x.CiphertextURL)
			}
			want := params{}
			for k, v := range x.Params {
				if k != "client_id" && k != "access_token" {
					want[k] = v
				}
			}
			for _, f := range forms {
				plain, ok := k.open(f)
				if !ok || string(plain) != x.Plaintext {
					t.Fatalf("open %s = %q, %v; want %q", f, plain, ok, x.Plaintext)
				}
				if diff := cmp.Diff(want, parsePlaintext(string(plain))); diff != "" {
					t.Errorf("parsed plaintext (-want +got):\n%s", diff)
				}
			}
			sent := params(x.Sent)
			if got := signString(sent, x.SignKey, false); got != x.SignString {
				t.Errorf("sign string\n got %s\nwant %s", got, x.SignString)
			}
			if got := digest(SignMD5, signString(sent, x.SignKey, false)); got != x.MD5 {
				t.Errorf("md5 %s, want %s", got, x.MD5)
			}
			if got := digest(SignSHA256, signString(sent, x.SignKey, false)); got != x.SHA256 {
				t.Errorf("sha256 %s, want %s", got, x.SHA256)
			}
			if x.CiphertextURL != "" {
				u := maps.Clone(sent)
				u["encrypt_content"] = x.CiphertextURL
				if got := digest(SignMD5, signString(u, x.SignKey, false)); got != x.URLMD5 {
					t.Errorf("url md5 %s, want %s", got, x.URLMD5)
				}
				if got := digest(SignSHA256, signString(u, x.SignKey, false)); got != x.URLSHA256 {
					t.Errorf("url sha256 %s, want %s", got, x.URLSHA256)
				}
			}
		})
	}
	for _, x := range v.Replies {
		t.Run(x.Name, func(t *testing.T) {
			k, err := newTransportKey(x.Encryption, x.Key)
			if err != nil {
				t.Fatal(err)
			}
			want := x.EncryptData
			if x.EncryptDataURL != "" {
				want = x.EncryptDataURL // ent 2 replies are written URL-safe, as the Java SDK does
			}
			if got := k.seal([]byte(x.Plaintext)); got != want {
				t.Errorf("seal\n got %s\nwant %s", got, want)
			}
			if plain, ok := k.open(x.EncryptData); !ok || string(plain) != x.Plaintext {
				t.Errorf("open = %q, %v", plain, ok)
			}
		})
	}
}

// Keys of the encrypted test clients.
const (
	testAES128Key = "specpipe-aes-128"
	testAES256Key = "c8a7fb8fa04ae646aee5c95fe2c30f862ca923a83d173e94cfb3593b2ce0b636"
)

// startEncrypted starts an emulator whose md5 client requires aes128 and whose sha256 client
// requires aes256.
func startEncrypted(t *testing.T) *harness {
	t.Helper()
	f, err := DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Clients {
		switch f.Clients[i].ClientID {
		case md5Client.id:
			f.Clients[i].Encryption, f.Clients[i].AESKey = EncryptAES128, testAES128Key
		case sha256Client.id:
			f.Clients[i].Encryption, f.Clients[i].AESKey = EncryptAES256, testAES256Key
		}
	}
	return start(t, Options{Fixture: f})
}

// sealed is how a test client encrypts a call.
type sealed struct {
	ent      string
	c        *aesecb.Cipher
	alphabet aesecb.Alphabet
	escape   func(string) string // applied to plaintext values; nil: raw, as the Go SDK sends them
}

func sealer(t *testing.T, encryption string) sealed {
	t.Helper()
	if encryption == EncryptAES128 {
		c, err := aesecb.TextKey(testAES128Key)
		if err != nil {
			t.Fatal(err)
		}
		return sealed{ent: "1", c: c, alphabet: aesecb.Standard}
	}
	c, err := aesecb.HexKey(testAES256Key)
	if err != nil {
		t.Fatal(err)
	}
	return sealed{ent: "2", c: c, alphabet: aesecb.URLSafe}
}

// encrypt turns the call's parameters into what an SDK sends: client_id, access_token, ent,
// encrypt_content, and sign over those.
func (s sealed) encrypt(cr cred, p map[string]string) map[string]string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "client_id" && k != "access_token" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		v := p[k]
		if s.escape != nil {
			v = s.escape(v)
		}
		pairs[i] = k + "=" + v
	}
	sent := map[string]string{"client_id": p["client_id"], "access_token": p["access_token"], "ent": s.ent,
		"encrypt_content": s.c.EncryptString(strings.Join(pairs, "&"), s.alphabet)}
	sent["sign"] = testSign(sent, cr.key, cr.method)
	return sent
}

// open decrypts an answer's encrypt_data into the envelope it carries.
func (s sealed) open(t *testing.T, raw []byte) answer {
	t.Helper()
	var outer struct {
		Errno       json.Number `json:"errno"`
		EncryptData string      `json:"encrypt_data"`
		Data        any         `json:"data"`
	}
	if err := json.Unmarshal(raw, &outer); err != nil {
		t.Fatal(err)
	}
	if outer.EncryptData == "" || outer.Data != nil {
		t.Fatalf("not an encrypted answer: %s", raw)
	}
	plain, err := s.c.DecryptString(outer.EncryptData)
	if err != nil {
		t.Fatalf("decrypt encrypt_data: %v", err)
	}
	var a answer
	if err := json.Unmarshal(plain, &a); err != nil {
		t.Fatalf("decrypted %s: %v", plain, err)
	}
	if a.Errno != outer.Errno {
		t.Errorf("clear errno %s, sealed errno %s", outer.Errno, a.Errno)
	}
	return a
}

func (h *harness) sealedGet(s sealed, c cred, tok string, p map[string]any) []byte {
	h.t.Helper()
	raw, _ := h.getRaw("/river/BudgetCenter/get", s.encrypt(c, strs(h.common(c, tok, p))))
	return raw
}

func TestEncryptedCalls(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    cred
		enc  string
	}{{"aes128", md5Client, EncryptAES128}, {"aes256", sha256Client, EncryptAES256}} {
		t.Run(tc.name, func(t *testing.T) {
			h := startEncrypted(t)
			s := sealer(t, tc.enc)
			tok := h.authorize(tc.c) // authorize stays clear

			a := s.open(t, h.sealedGet(s, tc.c, tok, map[string]any{"type": 1, "offset": 0, "length": 100}))
			var pg bcPage
			if err := json.Unmarshal(a.Data, &pg); err != nil || a.Errno != "0" || a.Errmsg != "SUCCESS" {
				t.Fatalf("%+v %v", a, err)
			}
			if pg.Total == "" || pg.Total == "0" || len(pg.Records) == 0 {
				t.Fatalf("no departments: %+v", pg)
			}

			// POST: ent is a JSON number; the new center is found by a later encrypted GET.
			body := s.encrypt(tc.c, strs(h.common(tc.c, tok, map[string]any{"type": 1, "name": "加密 部门",
				"budget_cycle": 0, "total_quota": "0", "out_budget_id": "ENC-1"})))
			post := map[string]any{}
			for k, v := range body {
				post[k] = v
			}
			post["ent"] = int(body["ent"][0] - '0')
			raw, _ := h.postRaw("/river/BudgetCenter/add", post)
			added := s.open(t, raw)
			var id struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(added.Data, &id); err != nil || id.ID == "" {
				t.Fatalf("add: %+v", added)
			}
			a = s.open(t, h.sealedGet(s, tc.c, tok, map[string]any{"id": id.ID, "offset": 0, "length": 10}))
			if err := json.Unmarshal(a.Data, &pg); err != nil || len(pg.Records) != 1 || !strings.Contains(string(pg.Records[0]), "加密 部门") {
				t.Fatalf("get added: %s", a.Data)
			}

			// The other alphabet, unpadded, and values percent-encoded as the Java SDK's GET does.
			other := s
			other.alphabet = aesecb.Standard
			if s.alphabet == aesecb.Standard {
				other.alphabet = aesecb.URLSafe
			}
			other.escape = url.QueryEscape
			a = s.open(t, h.sealedGet(other, tc.c, tok, map[string]any{"name": "加密 部门", "is_exact_name": 1, "offset": 0, "length": 10}))
			if err := json.Unmarshal(a.Data, &pg); err != nil || len(pg.Records) != 1 {
				t.Fatalf("by name, escaped: %s", a.Data)
			}

			// The Java SDK's GET double-encodes encrypt_content, signed before encoding.
			q := s.encrypt(tc.c, strs(h.common(tc.c, tok, map[string]any{"offset": 0, "length": 1})))
			q["encrypt_content"] = url.QueryEscape(q["encrypt_content"])
			raw, _ = h.getRaw("/river/BudgetCenter/get", q)
			if a := s.open(t, raw); a.Errno != "0" {
				t.Fatalf("double-encoded: %+v", a)
			}

			// Errors after decryption are sealed too.
			a = s.open(t, h.sealedGet(s, tc.c, "0000000000000000000000000000000000000000", map[string]any{"offset": 0, "length": 1}))
			if a.Errno != "401" {
				t.Errorf("bad token: %+v", a)
			}
			a = s.open(t, h.sealedGet(s, tc.c, tok, map[string]any{"offset": 0, "length": 1,
				"timestamp": h.clock.Now().Add(-time.Hour).Unix()}))
			if a.Errno != "409" {
				t.Errorf("stale timestamp inside encrypt_content: %+v", a)
			}

			// The journal holds what the call meant, access_token masked, and no key.
			entries := h.emu.Journal.Entries()
			last := entries[len(entries)-1]
			if last.Params["ent"] != s.ent || last.Params["length"] != "1" || last.Params["access_token"] != "***" {
				t.Errorf("journal: %+v", last.Params)
			}
			j, _ := json.Marshal(entries)
			if strings.Contains(string(j), testAES128Key) || strings.Contains(string(j), testAES256Key) || strings.Contains(string(j), tok) {
				t.Error("journal holds a key or token")
			}
		})
	}
}

func TestEncryptedRejections(t *testing.T) {
	h := startEncrypted(t)
	s128, s256 := sealer(t, EncryptAES128), sealer(t, EncryptAES256)
	tok := h.authorize(md5Client)
	tok2 := h.authorize(sha256Client)
	base := func(c cred, tok string) map[string]string {
		return strs(h.common(c, tok, map[string]any{"offset": 0, "length": 1}))
	}
	tests := []struct {
		name      string
		sent      map[string]string
		errno     string
		errmsgHas string
	}{
		{"clear call to a client that requires encryption", func() map[string]string {
			p := base(md5Client, tok)
			p["sign"] = testSign(p, md5Client.key, md5Client.method)
			return p
		}(), "10003", "加密传输"},
		{"ent 0 to a client that requires encryption", func() map[string]string {
			p := base(md5Client, tok)
			p["ent"] = "0"
			p["sign"] = testSign(p, md5Client.key, md5Client.method)
			return p
		}(), "10003", "加密传输"},
		{"wrong ent", func() map[string]string {
			p := s128.encrypt(md5Client, base(md5Client, tok))
			p["ent"] = "2"
			p["sign"] = testSign(without(p, "sign"), md5Client.key, md5Client.method)
			return p
		}(), "10003", "ent"},
		{"signed over the plaintext, not what was sent", func() map[string]string {
			p := s128.encrypt(md5Client, base(md5Client, tok))
			p["sign"] = testSign(base(md5Client, tok), md5Client.key, md5Client.method)
			return p
		}(), "19999", "签名失败"},
		{"another key", func() map[string]string {
			wrong := s256
			wrong.ent = "1"
			p := wrong.encrypt(md5Client, base(md5Client, tok))
			return p
		}(), "10003", "解密失败"},
		{"not base64", func() map[string]string {
			p := s128.encrypt(md5Client, base(md5Client, tok))
			p["encrypt_content"] = "!!"
			p["sign"] = testSign(without(p, "sign"), md5Client.key, md5Client.method)
			return p
		}(), "10003", "解密失败"},
		{"aes256 client, aes128 request", s128.encrypt(sha256Client, base(sha256Client, tok2)), "10003", "ent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, a := h.getRaw("/river/BudgetCenter/get", tt.sent)
			if a.Errno.String() != tt.errno || !strings.Contains(a.Errmsg, tt.errmsgHas) {
				t.Errorf("got %s", raw)
			}
			if strings.Contains(string(raw), "encrypt_data") {
				t.Errorf("a transport error is answered in clear: %s", raw)
			}
		})
	}

	// A client without encryption refuses an encrypted call.
	clear := start(t, Options{})
	ctok := clear.authorize(md5Client)
	raw, a := clear.getRaw("/river/BudgetCenter/get", s128.encrypt(md5Client, strs(clear.common(md5Client, ctok, map[string]any{"offset": 0, "length": 1}))))
	if a.Errno != "10003" || !strings.Contains(a.Errmsg, "未开启加密传输") {
		t.Errorf("encrypted call to a clear client: %s", raw)
	}
}

func without(p map[string]string, k string) map[string]string {
	out := maps.Clone(p)
	delete(out, k)
	return out
}

func TestAllowList(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		errno   string
	}{
		{"elsewhere only", []string{"10.1.2.3", "192.168.0.0/16"}, "10002"},
		{"loopback address", []string{"10.1.2.3", "127.0.0.1"}, "0"},
		{"loopback prefix", []string{"127.0.0.0/8"}, "0"},
		{"IPv6 loopback only", []string{"::1"}, "10002"},
		{"empty list allows all", nil, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DefaultFixture()
			if err != nil {
				t.Fatal(err)
			}
			for i := range f.Clients {
				f.Clients[i].AllowedIPs = tt.allowed
			}
			h := start(t, Options{Fixture: f})
			// authorize and a management call are both behind the list
			body := map[string]any{"client_id": md5Client.id, "client_secret": md5Client.secret,
				"grant_type": "client_credentials", "timestamp": h.clock.Now().Unix()}
			body["sign"] = testSign(strs(body), md5Client.key, md5Client.method)
			raw, a := h.postRaw(AuthorizePath, body)
			if a.Errno.String() != tt.errno {
				t.Fatalf("authorize: %s", raw)
			}
			if tt.errno == "10002" {
				if !strings.Contains(a.Errmsg, "127.0.0.1") || !strings.Contains(a.Errmsg, "白名单") {
					t.Errorf("errmsg %q", a.Errmsg)
				}
				raw, a = h.get(md5Client, "0000000000000000000000000000000000000000", "/river/BudgetCenter/get", map[string]any{"offset": 0, "length": 1})
				if a.Errno != "10002" {
					t.Errorf("call: %s", raw)
				}
				return
			}
			raw, a = h.get(md5Client, a.AccessToken, "/river/BudgetCenter/get", map[string]any{"offset": 0, "length": 1})
			mustOK(t, raw, a)
		})
	}
}

func TestClientSettingsValidated(t *testing.T) {
	tests := []struct {
		name     string
		set      func(*Client)
		errHas   string
		mustHide string
	}{
		{"aes128 key of 15 bytes", func(c *Client) { c.Encryption, c.AESKey = EncryptAES128, "hidden-key-15ch" }, "15 bytes", "hidden-key-15ch"},
		{"aes256 key not hex", func(c *Client) { c.Encryption, c.AESKey = EncryptAES256, strings.Repeat("zq", 32) }, "64 hex", "zqzq"},
		{"aes256 key of 32 digits", func(c *Client) { c.Encryption, c.AESKey = EncryptAES256, strings.Repeat("ab", 16) }, "64 hex", "abab"},
		{"unknown encryption", func(c *Client) { c.Encryption = "rsa" }, "unknown encryption", ""},
		{"bad allow list", func(c *Client) { c.AllowedIPs = []string{"localhost"} }, "allowed_ips", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DefaultFixture()
			if err != nil {
				t.Fatal(err)
			}
			tt.set(&f.Clients[0])
			_, err = New(Options{Fixture: f})
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("err = %v, want it to say %q", err, tt.errHas)
			}
			if tt.mustHide != "" && strings.Contains(err.Error(), tt.mustHide) {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}

func TestParsePlaintext(t *testing.T) {
	tests := []struct {
		in   string
		want params
	}{
		{"a=1&b=2", params{"a": "1", "b": "2"}},
		{"name=研发部&x=", params{"name": "研发部", "x": ""}},
		{"name=%E7%A0%94%E5%8F%91+%E9%83%A8", params{"name": "研发 部"}},
		{"q=100%&r=%zz&s=%4", params{"q": "100%", "r": "%zz", "s": "%4"}},
		{"v=a%2Bb%26c%3Dd%25", params{"v": "a+b&c=d%"}},
		{"a=1&&a=2&novalue", params{"a": "2", "novalue": ""}},
		{"", params{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, parsePlaintext(tt.in)); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.in, diff)
		}
	}
}
