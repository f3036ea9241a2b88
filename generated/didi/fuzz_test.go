package didi

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"testing"
)

// FuzzSign checks the generated Didi signer against the rule as Didi documents it (every
// parameter except sign, plus sign_key=<key> as a parameter, sorted by key in byte order,
// joined as key=value with &, md5 or sha256, lower-case hex), written here independently, for
// arbitrary parameters, keys and methods: it never panics, fails only for an unknown method,
// and ignores a sign parameter.
func FuzzSign(f *testing.F) {
	f.Add("client_id", "sandbox-client", "timestamp", "1717000000", "name", "研发部", "sandbox-sign-key", "md5")
	f.Add("sign_key", "injected", "sign", "stale", "", "", "k", "sha256")
	f.Add("a", "x&b=y", "b", "", "A", "=", "key", "")
	f.Add("a", "1", "b", "2", "c", "3", "key", "sha1")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3, key, method string) {
		params := map[string]string{k1: v1, k2: v2, k3: v3}
		got, err := Sign(params, key, method)
		if method != "md5" && method != "sha256" && method != "" {
			if err == nil || strings.Contains(err.Error(), key) && len(key) >= 4 {
				t.Fatalf("Sign with method %q = %q, %v; want an error that does not show the key", method, got, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		all := map[string]string{}
		for k, v := range params {
			if k != "sign" {
				all[k] = v
			}
		}
		all["sign_key"] = key
		var keys []string
		for k := range all {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"="+all[k])
		}
		msg := strings.Join(parts, "&")
		var want string
		if method == "sha256" {
			sum := sha256.Sum256([]byte(msg))
			want = hex.EncodeToString(sum[:])
		} else {
			sum := md5.Sum([]byte(msg))
			want = hex.EncodeToString(sum[:])
		}
		if got != want {
			t.Fatalf("Sign(%q, %q, %q) = %s, want %s (of %q)", params, key, method, got, want, msg)
		}
		if s := StringToSign(params, key, method); s != msg {
			t.Fatalf("StringToSign = %q, want %q", s, msg)
		}
		params["sign"] = got
		if again, _ := Sign(params, key, method); again != got {
			t.Fatalf("a sign parameter changed the signature: %s, then %s", got, again)
		}
	})
}
