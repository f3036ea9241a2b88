package sandbox

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/runtime/aesecb"
)

// sign is Didi's md5 signature: every parameter and sign_key, sorted, joined as k=v with &.
func sign(p map[string]string, signKey string) string {
	all := map[string]string{"sign_key": signKey}
	for k, v := range p {
		all[k] = v
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = k + "=" + all[k]
	}
	sum := md5.Sum([]byte(strings.Join(pairs, "&")))
	return hex.EncodeToString(sum[:])
}

type envelope struct {
	Errno       json.Number     `json:"errno"`
	Errmsg      string          `json:"errmsg"`
	AccessToken string          `json:"access_token"`
	EncryptData string          `json:"encrypt_data"`
	Data        json.RawMessage `json:"data"`
}

func decode(t *testing.T, resp *http.Response, err error) envelope {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return e
}

func getJSON(t *testing.T, u string) envelope {
	t.Helper()
	resp, err := http.Get(u)
	return decode(t, resp, err)
}

func TestDidiEncryption(t *testing.T) {
	for _, enc := range []string{"aes128", "aes256"} {
		t.Run(enc, func(t *testing.T) {
			sb, err := Start(Options{DidiEncryption: enc, KQAPIInterval: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sb.Close)
			get := sb.Getenv
			if get("DIDI_ENCRYPTION") != enc || get("DIDI_AES_KEY") == "" {
				t.Fatalf("env: %v", sb.Env())
			}
			var c *aesecb.Cipher
			if enc == "aes128" {
				c, err = aesecb.TextKey(get("DIDI_AES_KEY"))
			} else {
				c, err = aesecb.HexKey(get("DIDI_AES_KEY"))
			}
			if err != nil {
				t.Fatal(err)
			}
			now := strconv.FormatInt(time.Now().Unix(), 10)

			// authorize stays clear
			auth := map[string]string{"client_id": get("DIDI_CLIENT_ID"), "client_secret": get("DIDI_CLIENT_SECRET"),
				"grant_type": "client_credentials", "timestamp": now}
			auth["sign"] = sign(auth, get("DIDI_SIGN_KEY"))
			body, _ := json.Marshal(auth)
			resp, err := http.Post(get("DIDI_BASE_URL")+"/river/Auth/authorize", "application/json", bytes.NewReader(body))
			tok := decode(t, resp, err).AccessToken
			if tok == "" {
				t.Fatal("no token")
			}

			// a clear call is refused
			q := map[string]string{"client_id": get("DIDI_CLIENT_ID"), "access_token": tok,
				"company_id": get("DIDI_COMPANY_ID"), "timestamp": now, "offset": "0", "length": "1"}
			clear := url.Values{}
			for k, v := range q {
				clear.Set(k, v)
			}
			clear.Set("sign", sign(q, get("DIDI_SIGN_KEY")))
			if e := getJSON(t, get("DIDI_BASE_URL")+"/river/BudgetCenter/get?"+clear.Encode()); e.Errno != "10003" {
				t.Fatalf("clear call: %+v", e)
			}

			// an encrypted one is answered in encrypt_data
			sent := map[string]string{"client_id": q["client_id"], "access_token": tok,
				"ent":             map[string]string{"aes128": "1", "aes256": "2"}[enc],
				"encrypt_content": c.EncryptString("company_id="+q["company_id"]+"&length=1&offset=0&timestamp="+now, aesecb.Standard)}
			v := url.Values{}
			for k, x := range sent {
				v.Set(k, x)
			}
			v.Set("sign", sign(sent, get("DIDI_SIGN_KEY")))
			e := getJSON(t, get("DIDI_BASE_URL")+"/river/BudgetCenter/get?"+v.Encode())
			if e.Errno != "0" || e.EncryptData == "" {
				t.Fatalf("encrypted call: %+v", e)
			}
			plain, err := c.DecryptString(e.EncryptData)
			if err != nil {
				t.Fatal(err)
			}
			var inner envelope
			if err := json.Unmarshal(plain, &inner); err != nil || inner.Errno != "0" || len(inner.Data) == 0 {
				t.Fatalf("decrypted %s: %v", plain, err)
			}
		})
	}
}

func TestDidiClearByDefault(t *testing.T) {
	sb, err := Start(Options{KQAPIInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	for _, v := range sb.Env() {
		if v.Name == "DIDI_ENCRYPTION" || v.Name == "DIDI_AES_KEY" {
			t.Errorf("exported %s without encryption", v.Name)
		}
	}
	if _, err := Start(Options{DidiEncryption: "rot13"}); err == nil || !strings.Contains(err.Error(), "rot13") {
		t.Errorf("unknown encryption: err = %v", err)
	}
}

// TestKimaiFixtureAndConfig: the sandbox's Kimai takes the head-office fixture and a changed
// system configuration, which GET /api/config/timesheet reports.
func TestKimaiFixtureAndConfig(t *testing.T) {
	sb, err := Start(Options{KQAPIInterval: 10 * time.Millisecond, KimaiFixture: "head-office",
		KimaiConfig: func(c *kimai.Config) { c.ForbidFutureTimes = true; c.ActiveEntriesHardLimit = 3 }})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	get := func(path string) map[string]any {
		t.Helper()
		req, err := http.NewRequest("GET", sb.KimaiURL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+sb.Getenv("KIMAI_TOKEN"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return m
	}
	if z := get("/api/users/me")["timezone"]; z != "Europe/Berlin" {
		t.Errorf("admin's zone = %v, want Europe/Berlin", z)
	}
	cfg := get("/api/config/timesheet")
	if cfg["isAllowOverlapping"] != false || cfg["isAllowFutureTimes"] != false || cfg["activeEntriesHardLimit"] != float64(3) {
		t.Errorf("config = %v; want overlapping and future times forbidden, hard limit 3", cfg)
	}
	if _, err := Start(Options{KimaiFixture: "nope"}); err == nil {
		t.Error("an unknown fixture name started a sandbox")
	}
}
