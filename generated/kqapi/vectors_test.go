package kqapi

import (
	"testing"

	"github.com/specpipe/specpipe/internal/vectors"
)

// TestSignVectors runs every kqapi vector of internal/vectors/signing.json (the first is the example
// printed in the vendor's documentation) through the generated signer.
func TestSignVectors(t *testing.T) {
	all, err := vectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(all.KQAPI) == 0 {
		t.Fatal("no kqapi vectors")
	}
	for _, v := range all.KQAPI {
		t.Run(v.Name, func(t *testing.T) {
			if got := StringToSign(v.Params, v.Key); got != v.StringToSign {
				t.Errorf("StringToSign = %q, want %q", got, v.StringToSign)
			}
			// The signature parameter itself never takes part.
			withSign := map[string]string{SignParam: "whatever"}
			for k, x := range v.Params {
				withSign[k] = x
			}
			if got := Sign(withSign, v.Key); got != v.MD5 {
				t.Errorf("Sign = %q, want %q", got, v.MD5)
			}
		})
	}
}
