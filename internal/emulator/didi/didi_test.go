package didi

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/emulator/company"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
)

var t0 = time.Date(2026, 10, 20, 10, 0, 0, 0, company.Location())

type harness struct {
	t     *testing.T
	emu   *Emulator
	srv   *httptest.Server
	clock *emukit.FakeClock
}

func start(t *testing.T, opts Options) *harness {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	opts.Clock = clock
	emu, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &harness{t: t, emu: emu, srv: srv, clock: clock}
}

// cred is what a caller holds.
type cred struct {
	id, secret, key, method string
}

var (
	md5Client    = cred{SandboxClientID, SandboxClientSecret, SandboxSignKey, SignMD5}
	sha256Client = cred{SandboxClientID2, SandboxClientSecret2, SandboxSignKey2, SignSHA256}
)

// testSign is the test's own copy of the documented recipe, written apart from the emulator's.
func testSign(p map[string]string, signKey, method string) string {
	all := map[string]string{"sign_key": signKey}
	for k, v := range p {
		all[k] = v
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = k + "=" + all[k]
	}
	s := strings.Join(pairs, "&")
	if method == SignSHA256 {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

type answer struct {
	Errno     json.Number     `json:"errno"`
	Errmsg    string          `json:"errmsg"`
	RequestID string          `json:"request_id"`
	Data      json.RawMessage `json:"data"`
	// authorize
	AccessToken string      `json:"access_token"`
	ExpiresIn   json.Number `json:"expires_in"`
	TokenType   string      `json:"token_type"`
	Scope       string      `json:"scope"`
}

func (h *harness) do(req *http.Request) ([]byte, answer) {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	var a answer
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		h.t.Fatalf("decode %s: %v", b, err)
	}
	return b, a
}

// getRaw sends p as the query, unchanged.
func (h *harness) getRaw(path string, p map[string]string) ([]byte, answer) {
	h.t.Helper()
	q := url.Values{}
	for k, v := range p {
		q.Set(k, v)
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path+"?"+q.Encode(), nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

// postRaw sends body as JSON, unchanged.
func (h *harness) postRaw(path string, body map[string]any) ([]byte, answer) {
	h.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return h.do(req)
}

func strs(body map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range body {
		switch x := v.(type) {
		case string:
			out[k] = x
		case int:
			out[k] = strconv.Itoa(x)
		case int64:
			out[k] = strconv.FormatInt(x, 10)
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out
}

func (h *harness) authorize(c cred) string {
	h.t.Helper()
	body := map[string]any{"client_id": c.id, "client_secret": c.secret, "grant_type": "client_credentials",
		"timestamp": h.clock.Now().Unix()}
	body["sign"] = testSign(strs(body), c.key, c.method)
	raw, a := h.postRaw(AuthorizePath, body)
	if a.AccessToken == "" {
		h.t.Fatalf("authorize: %s", raw)
	}
	return a.AccessToken
}

// common adds client_id, access_token, company_id and timestamp (unless already set) to p.
func (h *harness) common(c cred, tok string, p map[string]any) map[string]any {
	out := map[string]any{"client_id": c.id, "access_token": tok, "company_id": SandboxCompanyID, "timestamp": h.clock.Now().Unix()}
	for k, v := range p {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

func (h *harness) get(c cred, tok, path string, p map[string]any) ([]byte, answer) {
	h.t.Helper()
	q := strs(h.common(c, tok, p))
	q["sign"] = testSign(q, c.key, c.method)
	return h.getRaw(path, q)
}

func (h *harness) post(c cred, tok, path string, p map[string]any) ([]byte, answer) {
	h.t.Helper()
	body := h.common(c, tok, p)
	body["sign"] = testSign(strs(body), c.key, c.method)
	return h.postRaw(path, body)
}

func mustOK(t *testing.T, raw []byte, a answer) {
	t.Helper()
	if a.Errno != "0" || a.Errmsg != "SUCCESS" {
		t.Fatalf("errno %s %s: %s", a.Errno, a.Errmsg, raw)
	}
}

type bcPage struct {
	Total   string            `json:"total"`
	Records []json.RawMessage `json:"records"`
}

type bcRec struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	OutBudgetID string `json:"out_budget_id"`
	ParentID    string `json:"parent_id"`
	TotalQuota  string `json:"total_quota"`
}

func (h *harness) budgets(c cred, tok string, p map[string]any) (string, []bcRec) {
	h.t.Helper()
	raw, a := h.get(c, tok, "/river/BudgetCenter/get", p)
	mustOK(h.t, raw, a)
	var pg bcPage
	if err := json.Unmarshal(a.Data, &pg); err != nil {
		h.t.Fatal(err)
	}
	var out []bcRec
	for _, r := range pg.Records {
		var x bcRec
		if err := json.Unmarshal(r, &x); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, x)
	}
	return pg.Total, out
}

func TestSignVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/signing.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors struct {
		Didi []struct {
			Name         string            `json:"name"`
			Params       map[string]string `json:"params"`
			SignKey      string            `json:"sign_key"`
			StringToSign string            `json:"string_to_sign"`
			MD5          string            `json:"md5"`
			SHA256       string            `json:"sha256"`
		} `json:"didi"`
	}
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors.Didi) == 0 {
		t.Fatal("no didi vectors")
	}
	for _, v := range vectors.Didi {
		for _, method := range []string{SignMD5, SignSHA256} {
			want := map[string]string{SignMD5: v.MD5, SignSHA256: v.SHA256}[method]
			t.Run(v.Name+"/"+method, func(t *testing.T) {
				if s := signString(params(v.Params), v.SignKey, false); s != v.StringToSign {
					t.Errorf("string to sign\n got %s\nwant %s", s, v.StringToSign)
				}
				if got := digest(method, v.StringToSign); got != want {
					t.Errorf("%s = %s, want %s", method, got, want)
				}
				// The emulator accepts the vector's request, sent the way the SDKs send it.
				p := v.Params
				company := p["company_id"]
				fx := &Fixture{
					Clients:       []Client{{ClientID: p["client_id"], ClientSecret: p["client_secret"], SignKey: v.SignKey, SignMethod: method, Companies: []string{company}}},
					Companies:     []Company{{ID: company}},
					BudgetCenters: []BudgetCenter{{ID: "1125904357323169", CompanyID: company, Name: "研发部", Type: 1, OutBudgetID: "RD-000", ParentID: "0"}},
				}
				h := start(t, Options{Fixture: fx})
				ts, _ := strconv.ParseInt(p["timestamp"], 10, 64)
				h.clock.Set(time.Unix(ts, 0))
				if tok := p["access_token"]; tok != "" {
					if err := h.emu.IssueToken(tok, p["client_id"]); err != nil {
						t.Fatal(err)
					}
				}
				var raw []byte
				var a answer
				switch {
				case strings.HasPrefix(v.Name, "authorize") || strings.Contains(v.Name, "authorize"):
					body := map[string]any{"sign": want}
					for k, x := range p {
						body[k] = x
					}
					body["timestamp"] = ts // a JSON number, as the 2024 docs send it
					raw, a = h.postRaw(AuthorizePath, body)
					if a.AccessToken == "" {
						t.Errorf("authorize refused: %s", raw)
					}
					return
				case strings.Contains(v.Name, "add"):
					body := map[string]any{"sign": want}
					for k, x := range p {
						body[k] = x
					}
					body["type"], body["budget_cycle"], body["timestamp"] = 1, 0, ts // numbers sign as decimals
					raw, a = h.postRaw("/river/BudgetCenter/add", body)
				default:
					q := map[string]string{"sign": want}
					for k, x := range p {
						q[k] = x
					}
					raw, a = h.getRaw("/river/BudgetCenter/get", q)
				}
				mustOK(t, raw, a)
			})
		}
	}
}

func TestAuthorize(t *testing.T) {
	h := start(t, Options{})
	body := map[string]any{"client_id": SandboxClientID, "client_secret": SandboxClientSecret,
		"grant_type": "client_credentials", "timestamp": t0.Unix()}
	body["sign"] = testSign(strs(body), SandboxSignKey, SignMD5)
	raw, a := h.postRaw(AuthorizePath, body)
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(a.AccessToken) || a.ExpiresIn != "1800" || a.TokenType != "Bearer" ||
		a.Scope == "" || a.Errno != "0" || a.Errmsg != "SUCCESS" || a.RequestID == "" {
		t.Errorf("authorize answer %s", raw)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&m)
	if _, ok := m["expires_in"].(json.Number); !ok {
		t.Errorf("expires_in is not a number: %s", raw)
	}

	signed := func(mod func(map[string]any)) map[string]any {
		b := map[string]any{"client_id": SandboxClientID, "client_secret": SandboxClientSecret,
			"grant_type": "client_credentials", "timestamp": t0.Unix()}
		mod(b)
		b["sign"] = testSign(strs(b), SandboxSignKey, SignMD5)
		return b
	}
	tests := []struct {
		name  string
		body  map[string]any
		errno string
	}{
		{"wrong secret", signed(func(b map[string]any) { b["client_secret"] = "nope" }), "400"},
		{"unknown client", signed(func(b map[string]any) { b["client_id"] = "nobody" }), "400"},
		{"missing secret", signed(func(b map[string]any) { delete(b, "client_secret") }), "412"},
		{"bad grant type", signed(func(b map[string]any) { b["grant_type"] = "password" }), "400"},
		{"missing timestamp", signed(func(b map[string]any) { delete(b, "timestamp") }), "408"},
		{"non-numeric timestamp", signed(func(b map[string]any) { b["timestamp"] = "yesterday" }), "408"},
		{"stale timestamp", signed(func(b map[string]any) { b["timestamp"] = t0.Unix() - 301 }), "409"},
		{"with phone (legacy)", signed(func(b map[string]any) { b["phone"] = "13800138000" }), "0"},
		{"bad phone", signed(func(b map[string]any) { b["phone"] = "12" }), "402"},
		{"timestamp as string", signed(func(b map[string]any) { b["timestamp"] = strconv.FormatInt(t0.Unix(), 10) }), "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, a := h.postRaw(AuthorizePath, tc.body)
			if a.Errno.String() != tc.errno {
				t.Errorf("errno %s, want %s: %s", a.Errno, tc.errno, raw)
			}
			if tc.errno != "0" && a.AccessToken != "" {
				t.Errorf("token issued: %s", raw)
			}
		})
	}

	// A wrong sign: 19999 with the server's string to sign, secrets redacted.
	bad := signed(func(map[string]any) {})
	bad["sign"] = strings.Repeat("0", 32)
	raw, a = h.postRaw(AuthorizePath, bad)
	var d struct {
		ParamsSignStr string `json:"params_sign_str"`
	}
	_ = json.Unmarshal(a.Data, &d)
	wantStr := "client_id=sandbox-client&client_secret=***&grant_type=client_credentials&sign_key=***&timestamp=" + strconv.FormatInt(t0.Unix(), 10)
	if a.Errno != "19999" || a.Errmsg != "签名失败" || d.ParamsSignStr != wantStr {
		t.Errorf("bad sign answer %s", raw)
	}
	if bytes.Contains(raw, []byte(SandboxClientSecret)) || bytes.Contains(raw, []byte(SandboxSignKey)) {
		t.Errorf("secret in answer: %s", raw)
	}

	// GET is refused; a form body carries no JSON parameters.
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+AuthorizePath, nil)
	if _, a := h.do(req); a.Errno != "405" {
		t.Errorf("GET authorize errno %s", a.Errno)
	}
	form := url.Values{}
	for k, v := range strs(signed(func(map[string]any) {})) {
		form.Set(k, v)
	}
	req, _ = http.NewRequest(http.MethodPost, h.srv.URL+AuthorizePath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, a := h.do(req); a.Errno != "412" {
		t.Errorf("form authorize errno %s", a.Errno)
	}
}

func TestRejections(t *testing.T) {
	h := start(t, Options{})
	tok := h.authorize(md5Client)
	tok2 := h.authorize(sha256Client)
	list := map[string]any{"offset": 0, "length": 10}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{"offset": 0, "length": 10}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name  string
		c     cred
		tok   string
		path  string
		p     map[string]any
		errno string
	}{
		{"ok", md5Client, tok, "/river/BudgetCenter/get", list, "0"},
		{"sha256 client ok", sha256Client, tok2, "/river/BudgetCenter/get", list, "0"},
		{"unknown token", md5Client, strings.Repeat("ab", 20), "/river/BudgetCenter/get", list, "401"},
		{"token of another client", sha256Client, tok, "/river/BudgetCenter/get", list, "410"},
		{"missing token", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"access_token": nil}), "412"},
		{"missing company", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"company_id": nil}), "12001"},
		{"unknown company", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"company_id": "42"}), "12002"},
		{"company not managed", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"company_id": OtherCompanyID}), "12002"},
		{"other company managed by sha256 client", sha256Client, tok2, "/river/BudgetCenter/get", with(map[string]any{"company_id": OtherCompanyID}), "0"},
		{"stale timestamp", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"timestamp": t0.Unix() - 301}), "409"},
		{"future timestamp", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"timestamp": t0.Unix() + 301}), "409"},
		{"timestamp within window", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"timestamp": t0.Unix() - 300}), "0"},
		{"milliseconds timestamp", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"timestamp": t0.UnixMilli()}), "409"},
		{"missing timestamp", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"timestamp": nil}), "408"},
		{"length over 100", md5Client, tok, "/river/BudgetCenter/get", map[string]any{"offset": 0, "length": 101}, "10003"},
		{"length 100", md5Client, tok, "/river/BudgetCenter/get", map[string]any{"offset": 0, "length": 100}, "0"},
		{"no offset", md5Client, tok, "/river/BudgetCenter/get", map[string]any{"length": 10}, "10003"},
		{"no length", md5Client, tok, "/river/BudgetCenter/get", map[string]any{"offset": 0}, "10003"},
		{"bad type", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"type": 3}), "10003"},
		{"member offset not a multiple", md5Client, tok, "/river/Member/get", map[string]any{"offset": 5, "length": 10}, "10003"},
		{"member length over 100", md5Client, tok, "/river/Member/get", map[string]any{"offset": 0, "length": 200}, "10003"},
		{"legal entity length over 100", md5Client, tok, "/river/LegalEntity/get", map[string]any{"offset": 0, "length": 101}, "10003"},
		{"empty value is signed", md5Client, tok, "/river/BudgetCenter/get", with(map[string]any{"name": ""}), "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, a := h.get(tc.c, tc.tok, tc.path, tc.p)
			if a.Errno.String() != tc.errno {
				t.Errorf("errno %s, want %s: %s", a.Errno, tc.errno, raw)
			}
		})
	}

	t.Run("wrong sign", func(t *testing.T) {
		q := strs(h.common(md5Client, tok, map[string]any{"offset": 0, "length": 10, "name": "研发 部"}))
		q["sign"] = testSign(q, "wrong-key", SignMD5)
		raw, a := h.getRaw("/river/BudgetCenter/get", q)
		var d struct {
			ParamsSignStr string `json:"params_sign_str"`
		}
		_ = json.Unmarshal(a.Data, &d)
		want := "access_token=***&client_id=sandbox-client&company_id=" + SandboxCompanyID +
			"&length=10&name=研发 部&offset=0&sign_key=***&timestamp=" + strconv.FormatInt(t0.Unix(), 10)
		if a.Errno != "19999" || d.ParamsSignStr != want {
			t.Errorf("got %s\nwant params_sign_str %s", raw, want)
		}
		if bytes.Contains(raw, []byte(tok)) {
			t.Error("access token in the answer")
		}
	})
	t.Run("sha256 client signing md5", func(t *testing.T) {
		q := strs(h.common(sha256Client, tok2, list))
		q["sign"] = testSign(q, SandboxSignKey2, SignMD5)
		if _, a := h.getRaw("/river/BudgetCenter/get", q); a.Errno != "19999" {
			t.Errorf("errno %s", a.Errno)
		}
	})
	t.Run("sign_key sent by a buggy client is ignored", func(t *testing.T) {
		q := strs(h.common(md5Client, tok, list))
		q["sign"] = testSign(q, SandboxSignKey, SignMD5)
		q["sign_key"] = SandboxSignKey
		raw, a := h.getRaw("/river/BudgetCenter/get", q)
		mustOK(t, raw, a)
		for _, e := range h.emu.Journal.Entries() {
			b, _ := json.Marshal(e)
			if bytes.Contains(b, []byte(SandboxSignKey)) {
				t.Errorf("sign_key in the journal: %s", b)
			}
		}
	})
	t.Run("GET arguments in a POST body do not count", func(t *testing.T) {
		q := strs(h.common(md5Client, tok, map[string]any{"type": 2, "name": "x", "budget_cycle": 0, "total_quota": "0"}))
		q["sign"] = testSign(q, SandboxSignKey, SignMD5)
		v := url.Values{}
		for k, x := range q {
			v.Set(k, x)
		}
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/river/BudgetCenter/add?"+v.Encode(), strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		if _, a := h.do(req); a.Errno != "412" {
			t.Errorf("errno %s", a.Errno)
		}
	})
	t.Run("token expires after 1800 s", func(t *testing.T) {
		h.clock.Advance(1799 * time.Second)
		if raw, a := h.get(md5Client, tok, "/river/BudgetCenter/get", list); a.Errno != "0" {
			t.Fatalf("token refused at 1799 s: %s", raw)
		}
		h.clock.Advance(time.Second)
		raw, a := h.get(md5Client, tok, "/river/BudgetCenter/get", list)
		if a.Errno != "401" || a.Errmsg != "access_token不合法或已过期" {
			t.Errorf("expired token: %s", raw)
		}
		fresh := h.authorize(md5Client)
		if raw, a := h.get(md5Client, fresh, "/river/BudgetCenter/get", list); a.Errno != "0" {
			t.Errorf("fresh token refused: %s", raw)
		}
	})
}

func TestRevokeOnReauthorize(t *testing.T) {
	for _, revoke := range []bool{false, true} {
		h := start(t, Options{RevokeOnReauthorize: revoke})
		old := h.authorize(md5Client)
		_ = h.authorize(md5Client)
		_, a := h.get(md5Client, old, "/river/BudgetCenter/get", map[string]any{"offset": 0, "length": 1})
		want := map[bool]string{false: "0", true: "401"}[revoke]
		if a.Errno.String() != want {
			t.Errorf("revoke=%v: old token errno %s, want %s", revoke, a.Errno, want)
		}
	}
}

// shape replaces scalars by their JSON type and keeps the first element of arrays.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{shape(x[0])}
	case string:
		return "string"
	case json.Number:
		return "number"
	}
	return "other"
}

func decodeAny(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

// docGetExample is the answer printed in seeds/didi-budgetcenter-get.v2024.zh.txt.
const docGetExample = `{"errno":0,"errmsg":"SUCCESS","data":{"total":32,"records":[{"id":"6388733755640532997","name":"openapi1452169149","company_id":"4591398120721764364","status":"0","out_budget_id":"0","type":"1","budget_cycle":"1","is_limit_quota":"1","member_num":"0","total_quota":"1000.00","available_quota":"1000.00","budget_extra_info":"{\"test\":\"test1\"}","leader_item_list":[{"leader_id":"1125935173600502","leader_name":"郭蒙3","leader_type":"major"}],"freeze_quota":"0.00"}]}}`

func TestDocExampleShapes(t *testing.T) {
	doc := decodeAny(t, []byte(docGetExample))
	docRec := shape(doc["data"].(map[string]any)["records"].([]any)[0]).(map[string]any)

	t.Run("stringify mode matches the doc example", func(t *testing.T) {
		h := start(t, Options{StringifyScalars: true, ErrnoAsString: true})
		tok := h.authorize(md5Client)
		// A project with budget_extra_info and leaders, like the example.
		raw, a := h.get(md5Client, tok, "/river/BudgetCenter/get", map[string]any{"offset": 0, "length": 1, "out_budget_id": "P-RD-ATT"})
		mustOK(t, raw, a)
		m := decodeAny(t, raw)
		rec := shape(m["data"].(map[string]any)["records"].([]any)[0]).(map[string]any)
		for k, want := range docRec {
			if d := cmp.Diff(want, rec[k]); d != "" {
				t.Errorf("record field %s (-doc +emulator):\n%s", k, d)
			}
		}
		if m["errno"] != "0" {
			t.Errorf("errno %#v, want \"0\" in string mode", m["errno"])
		}
	})
	t.Run("default mode follows the Go SDK types", func(t *testing.T) {
		h := start(t, Options{})
		tok := h.authorize(md5Client)
		raw, a := h.get(md5Client, tok, "/river/BudgetCenter/get", map[string]any{"offset": 0, "length": 1, "out_budget_id": "P-RD-ATT"})
		mustOK(t, raw, a)
		m := decodeAny(t, raw)
		if m["errno"] != json.Number("0") || m["errmsg"] != "SUCCESS" || m["request_id"] == "" {
			t.Errorf("envelope %v", m)
		}
		data := m["data"].(map[string]any)
		if _, ok := data["total"].(string); !ok {
			t.Errorf("total is not a string: %s", raw)
		}
		rec := shape(data["records"].([]any)[0]).(map[string]any)
		want := map[string]any{"id": "string", "name": "string", "type": "string", "budget_cycle": "number",
			"out_budget_id": "string", "total_quota": "string", "is_limit_quota": "number", "member_num": "number",
			"available_quota": "string", "freeze_quota": "string", "leader_id": "string", "parent_id": "string",
			"member_used": "number", "start_date": "string", "expiry_date": "string", "legal_entity_id": "string",
			"budget_extra_info": "string", "company_id": "string", "status": "string",
			"leader_item_list": []any{map[string]any{"leader_id": "string", "leader_name": "string", "leader_type": "string"}}}
		if d := cmp.Diff(want, rec); d != "" {
			t.Errorf("record shape (-want +got):\n%s", d)
		}
	})
}

func TestBudgetCenterPagingAndFilters(t *testing.T) {
	h := start(t, Options{})
	tok := h.authorize(md5Client)
	var ids []string
	for off := 0; ; off += 5 {
		total, recs := h.budgets(md5Client, tok, map[string]any{"offset": off, "length": 5})
		if total != "16" {
			t.Fatalf("total %s, want 16", total)
		}
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		if len(recs) < 5 {
			break
		}
	}
	var want []string
	for _, bc := range h.emu.BudgetCenters() {
		want = append(want, bc.ID)
	}
	if d := cmp.Diff(want, ids); d != "" {
		t.Errorf("paging (-want +got):\n%s", d)
	}
	for _, id := range ids {
		if !regexp.MustCompile(`^[1-9][0-9]{15}$`).MatchString(id) {
			t.Errorf("id %q is not a 16-digit number", id)
		}
	}

	names := func(p map[string]any) []string {
		p["offset"], p["length"] = 0, 100
		_, recs := h.budgets(md5Client, tok, p)
		var out []string
		for _, r := range recs {
			out = append(out, r.Name)
		}
		return out
	}
	tests := []struct {
		name string
		p    map[string]any
		want []string
	}{
		{"exact name", map[string]any{"name": "研发部", "is_exact_name": 1}, []string{"研发部"}},
		{"fuzzy name", map[string]any{"name": "测试"}, []string{"测试部", "自动化测试"}},
		{"fuzzy is the default", map[string]any{"name": "研发"}, []string{"研发部"}},
		{"exact miss", map[string]any{"name": "研发", "is_exact_name": 1}, nil},
		{"out_budget_id", map[string]any{"out_budget_id": "D-FIN"}, []string{"财务部"}},
		{"id", map[string]any{"id": ids[3]}, []string{"产品部"}},
		{"type 2", map[string]any{"type": 2, "name": "数据"}, []string{"数据中台"}},
		{"type 1 and name", map[string]any{"type": 1, "name": "测试"}, []string{"测试部"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, names(tc.p)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestBudgetCenterState(t *testing.T) {
	h := start(t, Options{})
	tok := h.authorize(md5Client)
	add := func(p map[string]any) (string, answer) {
		raw, a := h.post(md5Client, tok, "/river/BudgetCenter/add", p)
		var d struct {
			ID string `json:"id"`
		}
		if a.Errno == "0" {
			if err := json.Unmarshal(a.Data, &d); err != nil || d.ID == "" {
				t.Fatalf("add answer %s", raw)
			}
		}
		return d.ID, a
	}
	_, rd := h.budgets(md5Client, tok, map[string]any{"offset": 0, "length": 1, "out_budget_id": "D-RD"})
	rdID := rd[0].ID

	// A department needs an out_budget_id of at most 64 characters, unique.
	for _, tc := range []struct {
		name  string
		p     map[string]any
		errno string
	}{
		{"department without out_budget_id", map[string]any{"type": 1, "name": "新部门", "budget_cycle": 0, "total_quota": "0"}, "10003"},
		{"out_budget_id of 65", map[string]any{"type": 1, "name": "新部门", "budget_cycle": 0, "total_quota": "0", "out_budget_id": strings.Repeat("x", 65)}, "10003"},
		{"duplicate out_budget_id", map[string]any{"type": 1, "name": "新部门", "budget_cycle": 0, "total_quota": "0", "out_budget_id": "D-RD"}, "10003"},
		{"missing total_quota", map[string]any{"type": 2, "name": "新项目", "budget_cycle": 0}, "10003"},
		{"unknown parent", map[string]any{"type": 2, "name": "新项目", "budget_cycle": 0, "total_quota": "0", "parent_id": "1"}, "10003"},
		{"member_used 2 needs a whitelist", map[string]any{"type": 2, "name": "新项目", "budget_cycle": 0, "total_quota": "0", "member_used": 2}, "10001"},
	} {
		if _, a := add(tc.p); a.Errno.String() != tc.errno {
			t.Errorf("%s: errno %s, want %s", tc.name, a.Errno, tc.errno)
		}
	}

	dept, a := add(map[string]any{"type": 1, "name": "算法部", "budget_cycle": 1, "total_quota": "1000", "out_budget_id": "D-ALG"})
	if a.Errno != "0" {
		t.Fatalf("add department: %v", a)
	}
	proj, a := add(map[string]any{"type": 2, "name": "推荐系统", "budget_cycle": 0, "total_quota": "0", "parent_id": rdID,
		"start_date": "2026-10-01", "budget_extra_info": `{"k":"v"}`})
	if a.Errno != "0" {
		t.Fatalf("add project: %v", a)
	}
	if len(dept) != 16 || len(proj) != 16 || dept == proj {
		t.Errorf("ids %q %q", dept, proj)
	}
	total, recs := h.budgets(md5Client, tok, map[string]any{"offset": 0, "length": 100, "id": proj})
	if total != "1" || recs[0].Name != "推荐系统" || recs[0].ParentID != rdID || recs[0].Type != "2" || recs[0].OutBudgetID != "" {
		t.Errorf("project after add: %s %+v", total, recs)
	}
	_, recs = h.budgets(md5Client, tok, map[string]any{"offset": 0, "length": 100, "out_budget_id": "D-ALG"})
	if len(recs) != 1 || recs[0].TotalQuota != "1000.00" {
		t.Errorf("department after add: %+v", recs)
	}

	// Edit by id, then by out_budget_id and type.
	if raw, a := h.post(md5Client, tok, "/river/BudgetCenter/edit", map[string]any{"id": proj, "name": "推荐系统二期"}); a.Errno != "0" || string(a.Data) != "{}" {
		t.Errorf("edit by id: %s", raw)
	}
	if raw, a := h.post(md5Client, tok, "/river/BudgetCenter/edit", map[string]any{"out_budget_id": "D-ALG", "type": 1, "name": "算法平台部", "total_quota": "2000.5"}); a.Errno != "0" {
		t.Errorf("edit by out_budget_id: %s", raw)
	}
	if _, a := h.post(md5Client, tok, "/river/BudgetCenter/edit", map[string]any{"out_budget_id": "D-ALG", "name": "x"}); a.Errno != "10003" {
		t.Errorf("edit by out_budget_id without type: errno %s", a.Errno)
	}
	if _, a := h.post(md5Client, tok, "/river/BudgetCenter/edit", map[string]any{"id": "1125904357399999", "name": "x"}); a.Errno != "10003" {
		t.Errorf("edit of a missing id: errno %s", a.Errno)
	}
	_, recs = h.budgets(md5Client, tok, map[string]any{"offset": 0, "length": 100, "name": "推荐系统二期", "is_exact_name": 1})
	if len(recs) != 1 || recs[0].ID != proj {
		t.Errorf("renamed project: %+v", recs)
	}
	_, recs = h.budgets(md5Client, tok, map[string]any{"offset": 0, "length": 100, "id": dept})
	if len(recs) != 1 || recs[0].Name != "算法平台部" || recs[0].TotalQuota != "2000.50" {
		t.Errorf("edited department: %+v", recs)
	}

	// Delete disables: gone from get, still in BudgetCenters() with Deleted.
	if raw, a := h.post(md5Client, tok, "/river/BudgetCenter/del", map[string]any{"id": proj}); a.Errno != "0" {
		t.Errorf("del: %s", raw)
	}
	if raw, a := h.post(md5Client, tok, "/river/BudgetCenter/del", map[string]any{"out_budget_id": "D-ALG", "type": 1}); a.Errno != "0" {
		t.Errorf("del by out_budget_id: %s", raw)
	}
	if _, a := h.post(md5Client, tok, "/river/BudgetCenter/del", map[string]any{"id": proj}); a.Errno != "10003" {
		t.Errorf("second del: errno %s", a.Errno)
	}
	if total, _ := h.budgets(md5Client, tok, map[string]any{"offset": 0, "length": 100}); total != "16" {
		t.Errorf("total after add 2, del 2: %s", total)
	}
	deleted := 0
	for _, bc := range h.emu.BudgetCenters() {
		if bc.Deleted {
			deleted++
		}
	}
	if deleted != 2 {
		t.Errorf("%d deleted in BudgetCenters(), want 2", deleted)
	}
	// The out_budget_id of a disabled department can be used again.
	if _, a := add(map[string]any{"type": 1, "name": "算法部", "budget_cycle": 0, "total_quota": "0", "out_budget_id": "D-ALG"}); a.Errno != "0" {
		t.Errorf("re-add after del: errno %s", a.Errno)
	}
}

func TestMutators(t *testing.T) {
	h := start(t, Options{})
	tok := h.authorize(md5Client)
	_, recs := h.budgets(md5Client, tok, map[string]any{"offset": 0, "length": 1, "out_budget_id": "D-QA"})
	id := recs[0].ID
	if err := h.emu.RenameBudgetCenter(id, "质量部"); err != nil {
		t.Fatal(err)
	}
	_, recs = h.budgets(md5Client, tok, map[string]any{"offset": 0, "length": 1, "id": id})
	if recs[0].Name != "质量部" {
		t.Errorf("after rename: %+v", recs)
	}
	if err := h.emu.DeleteBudgetCenter(id); err != nil {
		t.Fatal(err)
	}
	if total, _ := h.budgets(md5Client, tok, map[string]any{"offset": 0, "length": 1, "id": id}); total != "0" {
		t.Errorf("deleted center still listed")
	}
	nid, err := h.emu.AddBudgetCenter(BudgetCenter{Name: "控制台新建", Type: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, recs = h.budgets(md5Client, tok, map[string]any{"offset": 0, "length": 1, "id": nid}); len(recs) != 1 || recs[0].Name != "控制台新建" {
		t.Errorf("added center: %+v", recs)
	}
	if err := h.emu.RenameBudgetCenter("nope", "x"); err == nil {
		t.Error("rename of a missing id succeeded")
	}
}

func TestMembersAndLegalEntities(t *testing.T) {
	h := start(t, Options{})
	tok := h.authorize(md5Client)
	type memberPage struct {
		Total   json.Number `json:"total"`
		Records []struct {
			ID             string `json:"id"`
			Phone          string `json:"phone"`
			RealName       string `json:"realname"`
			EmployeeNumber string `json:"employee_number"`
			BudgetCenterID string `json:"budget_center_id"`
		} `json:"records"`
	}
	members := func(p map[string]any) memberPage {
		raw, a := h.get(md5Client, tok, "/river/Member/get", p)
		mustOK(t, raw, a)
		var pg memberPage
		if err := json.Unmarshal(a.Data, &pg); err != nil {
			t.Fatal(err)
		}
		return pg
	}
	all := h.emu.Members()
	var seen []string
	for off := 0; ; off += 50 {
		pg := members(map[string]any{"offset": off, "length": 50})
		if pg.Total.String() != strconv.Itoa(len(all)) {
			t.Fatalf("total %s, want %d", pg.Total, len(all))
		}
		for _, r := range pg.Records {
			seen = append(seen, r.ID)
		}
		if len(pg.Records) < 50 {
			break
		}
	}
	if len(seen) != len(all) {
		t.Errorf("walked %d members, want %d", len(seen), len(all))
	}
	e := all[10]
	if pg := members(map[string]any{"offset": 0, "length": 10, "employee_number": e.EmployeeNumber}); len(pg.Records) != 1 ||
		pg.Records[0].Phone != e.Phone || pg.Records[0].BudgetCenterID != e.BudgetCenterID {
		t.Errorf("by employee_number: %+v", pg)
	}
	if pg := members(map[string]any{"offset": 0, "length": 10, "phone": e.Phone}); len(pg.Records) != 1 || pg.Records[0].EmployeeNumber != e.EmployeeNumber {
		t.Errorf("by phone: %+v", pg)
	}
	left := 0
	for _, m := range all {
		if m.Status == 4 {
			left++
		}
	}
	if pg := members(map[string]any{"offset": 0, "length": 100, "status": "4"}); pg.Total.String() != strconv.Itoa(left) || left == 0 {
		t.Errorf("status 4: total %s, want %d", pg.Total, left)
	}
	pg := members(map[string]any{"offset": 0, "length": 3, "last_id": "0", "realname": "不存在的名字"})
	if len(pg.Records) != 3 {
		t.Fatalf("last_id ignores realname: %+v", pg)
	}
	next := members(map[string]any{"offset": 0, "length": 3, "last_id": pg.Records[2].ID})
	if len(next.Records) != 3 || !numericLess(pg.Records[2].ID, next.Records[0].ID) {
		t.Errorf("last_id cursor: %+v after %+v", next, pg)
	}

	raw, a := h.get(md5Client, tok, "/river/LegalEntity/get", map[string]any{"offset": 0, "length": 10})
	mustOK(t, raw, a)
	var le struct {
		Total   json.Number `json:"total"`
		Records []struct {
			ID     string      `json:"legal_entity_id"`
			Name   string      `json:"name"`
			Status json.Number `json:"status"`
		} `json:"records"`
	}
	_ = json.Unmarshal(a.Data, &le)
	if le.Total != "2" || len(le.Records) != 2 || le.Records[0].Status != "1" {
		t.Errorf("legal entities (active only): %s", raw)
	}
	_, a = h.get(md5Client, tok, "/river/LegalEntity/get", map[string]any{"offset": 0, "length": 10, "keyword": "北京"})
	_ = json.Unmarshal(a.Data, &le)
	if len(le.Records) != 1 || !strings.Contains(le.Records[0].Name, "北京") {
		t.Errorf("keyword: %+v", le)
	}
}

func TestFaultsAndJournal(t *testing.T) {
	h := start(t, Options{})
	tok := h.authorize(md5Client)
	h.emu.Faults.Queue(emukit.FaultRateLimit, emukit.Fault5xx)
	raw, a := h.get(md5Client, tok, "/river/BudgetCenter/get", map[string]any{"offset": 0, "length": 1})
	if a.Errno != "411" || a.Errmsg != "由于访问过于频繁,请稍后访问" {
		t.Errorf("rate-limit fault: %s", raw)
	}
	q := strs(h.common(md5Client, tok, map[string]any{"offset": 0, "length": 1}))
	q["sign"] = testSign(q, SandboxSignKey, SignMD5)
	v := url.Values{}
	for k, x := range q {
		v.Set(k, x)
	}
	resp, err := http.Get(h.srv.URL + "/river/BudgetCenter/get?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("5xx fault: %d", resp.StatusCode)
	}
	h.get(md5Client, tok, "/river/BudgetCenter/get", map[string]any{"offset": 0, "length": 1})
	h.get(md5Client, "bad", "/river/BudgetCenter/get", map[string]any{"offset": 0, "length": 1})

	entries := h.emu.Journal.Entries()
	if len(entries) != 5 {
		t.Fatalf("%d entries, want 5", len(entries))
	}
	got := make([]string, len(entries))
	for i, e := range entries {
		got[i] = e.Method + " " + e.Path + " " + e.Code + " " + e.Outcome + " " + e.Identity
	}
	want := []string{
		"POST /river/Auth/authorize 0 ok sandbox-client",
		"GET /river/BudgetCenter/get  fault: ratelimit ",
		"GET /river/BudgetCenter/get  fault: 5xx ",
		"GET /river/BudgetCenter/get 0 ok sandbox-client",
		"GET /river/BudgetCenter/get 401 access_token不合法或已过期 sandbox-client",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("journal (-want +got):\n%s", d)
	}
	b, _ := json.Marshal(entries)
	for _, secret := range []string{SandboxClientSecret, SandboxSignKey, tok, q["sign"]} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("journal contains a secret: %s", b)
		}
	}
	if entries[0].Params["client_secret"] != emukit.Masked || entries[3].Params["access_token"] != emukit.Masked ||
		entries[3].Params["sign"] != emukit.Masked || entries[3].Params["offset"] != "0" || !entries[3].Time.Equal(t0) {
		t.Errorf("entries %+v %+v", entries[0], entries[3])
	}
}

func TestDefaultFixture(t *testing.T) {
	b, err := EncodeFixture(BuildFixture(company.Default()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, defaultFixtureJSON) {
		t.Fatal("fixture.json is stale: run go generate ./internal/emulator/didi")
	}
	fx, err := DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	c := company.Default()
	var depts, projects, noOut int
	deptIDs := map[string]bool{}
	for _, bc := range fx.BudgetCenters {
		switch bc.Type {
		case 1:
			depts++
			deptIDs[bc.ID] = true
			if bc.OutBudgetID == "" || len(bc.LeaderIDs) == 0 {
				t.Errorf("department %s without out_budget_id or leader", bc.Name)
			}
		case 2:
			projects++
			if bc.OutBudgetID == "" {
				noOut++
			}
			if !deptIDs[bc.ParentID] {
				t.Errorf("project %s: parent %s is not a department", bc.Name, bc.ParentID)
			}
		}
	}
	if depts != len(c.Departments) || projects != len(c.Projects) || noOut == 0 || len(fx.Members) != len(c.Employees) ||
		len(fx.LegalEntities) == 0 || len(fx.Clients) < 2 || fx.Clients[1].SignMethod != SignSHA256 {
		t.Errorf("fixture: %d departments, %d projects (%d without out id), %d members, %d legal entities, %d clients",
			depts, projects, noOut, len(fx.Members), len(fx.LegalEntities), len(fx.Clients))
	}
}

func TestJSONString(t *testing.T) {
	tests := []struct {
		raw  string
		want string
		ok   bool
	}{
		{`"研发部"`, "研发部", true},
		{`1566764837`, "1566764837", true},
		{`1.0`, "1", true},
		{`100.50`, "100.5", true},
		{`true`, "true", true},
		{`null`, "", false},
		{`{"a": 1}`, `{"a":1}`, true},
		{`[1, 2]`, `[1,2]`, true},
		{`""`, "", true},
	}
	for _, tc := range tests {
		got, ok := jsonString(json.RawMessage(tc.raw))
		if got != tc.want || ok != tc.ok {
			t.Errorf("jsonString(%s) = %q, %v; want %q, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}
