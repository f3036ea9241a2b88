package didi

import (
	"testing"

	"github.com/specpipe/specpipe/internal/vectors"
)

// TestSignVectors runs every didi vector of internal/vectors/signing.json (the first is the example
// of Didi's signature documentation) through the generated signer, with md5 and sha256.
func TestSignVectors(t *testing.T) {
	all, err := vectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Didi) == 0 {
		t.Fatal("no didi vectors")
	}
	for _, v := range all.Didi {
		t.Run(v.Name, func(t *testing.T) {
			if v.MD5 == "" || v.SHA256 == "" {
				t.Fatalf("vector lacks a digest: md5 %q, sha256 %q", v.MD5, v.SHA256)
			}
			for _, method := range []string{"md5", "sha256"} {
				if got := StringToSign(v.Params, v.SignKey, method); got != v.StringToSign {
					t.Errorf("StringToSign(%s) = %q, want %q", method, got, v.StringToSign)
				}
			}
			// The signature parameter itself never takes part.
			withSign := map[string]string{SignParam: "stale"}
			for k, x := range v.Params {
				withSign[k] = x
			}
			for _, tc := range []struct{ method, want string }{
				{"md5", v.MD5},
				{"", v.MD5}, // the default method
				{"sha256", v.SHA256},
			} {
				got, err := Sign(withSign, v.SignKey, tc.method)
				if err != nil || got != tc.want {
					t.Errorf("Sign(%q) = %q, %v; want %q", tc.method, got, err, tc.want)
				}
			}
		})
	}
}

func TestSignUnknownMethod(t *testing.T) {
	if _, err := Sign(map[string]string{"a": "1"}, "k", "sha1"); err == nil {
		t.Error("Sign with method sha1: no error")
	}
}
