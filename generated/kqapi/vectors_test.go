package kqapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestSignVectors runs every kqapi vector of shared/vectors/signing.json (the first is the example
// printed in the vendor's documentation) through the generated signer.
func TestSignVectors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "vectors", "signing.json"))
	if err != nil {
		t.Fatalf("read vectors (shared/ must sit beside the repository): %v", err)
	}
	var all struct {
		KQAPI []struct {
			Name         string            `json:"name"`
			Params       map[string]string `json:"params"`
			Key          string            `json:"key"`
			StringToSign string            `json:"string_to_sign"`
			MD5          string            `json:"md5"`
		} `json:"kqapi"`
	}
	if err := json.Unmarshal(b, &all); err != nil {
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
			got, err := Sign(withSign, v.Key)
			if err != nil || got != v.MD5 {
				t.Errorf("Sign = %q, %v; want %q", got, err, v.MD5)
			}
		})
	}
}
