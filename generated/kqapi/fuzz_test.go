package kqapi

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
	"testing"
)

// FuzzSign checks the generated kqapi signer against the rule as kqapi documents it (md5 of the
// values of every parameter except sign, ordered by key, concatenated, then the key; lower-case
// hex), written here independently, for arbitrary parameters and keys: it never panics, ignores a sign parameter, and does not depend on the map's order.
func FuzzSign(f *testing.F) {
	f.Add("account", "abc123", "requesttime", "1717000000", "start", "2026-10-15", "0123456789abcdef")
	f.Add("", "", "sign", "stale", "名字", "研发部", "key with spaces & =")
	f.Add("b", "2", "a", "1", "a", "3", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3, key string) {
		params := map[string]string{k1: v1, k2: v2, k3: v3}
		got := Sign(params, key)
		var keys []string
		for k := range params {
			if k != "sign" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var msg strings.Builder
		for _, k := range keys {
			msg.WriteString(params[k])
		}
		msg.WriteString(key)
		sum := md5.Sum([]byte(msg.String()))
		if want := hex.EncodeToString(sum[:]); got != want {
			t.Fatalf("Sign(%q, %q) = %s, want %s (md5 of %q)", params, key, got, want, msg.String())
		}
		if s := StringToSign(params, key); s != msg.String() {
			t.Fatalf("StringToSign = %q, want %q", s, msg.String())
		}
		params["sign"] = got
		if again := Sign(params, key); again != got {
			t.Fatalf("a sign parameter changed the signature: %s, then %s", got, again)
		}
	})
}
