// Package vectors holds the request-signature test vectors of the signed APIs, for the generated
// signers' tests.
//
// signing.json is a copy of the team's signature vectors (vectors/signing.json of the project's
// shared references, written from the vendors' documents): kqapi's md5 over key-sorted values
// with the key appended, and Didi's md5/sha256 over k=v pairs with sign_key sorted in. The first
// vector of each API is the example printed in that vendor's documentation.
package vectors

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed signing.json
var signingJSON []byte

// KQAPI is one kqapi signature vector.
type KQAPI struct {
	Name         string            `json:"name"`
	Params       map[string]string `json:"params"`
	Key          string            `json:"key"`
	StringToSign string            `json:"string_to_sign"`
	MD5          string            `json:"md5"`
}

// Didi is one Didi signature vector, with both digests.
type Didi struct {
	Name         string            `json:"name"`
	Params       map[string]string `json:"params"`
	SignKey      string            `json:"sign_key"`
	StringToSign string            `json:"string_to_sign"`
	MD5          string            `json:"md5"`
	SHA256       string            `json:"sha256"`
}

// Signing is every signature vector, by API.
type Signing struct {
	KQAPI []KQAPI `json:"kqapi"`
	Didi  []Didi  `json:"didi"`
}

// Load decodes the embedded vectors.
func Load() (Signing, error) {
	var s Signing
	if err := json.Unmarshal(signingJSON, &s); err != nil {
		return Signing{}, fmt.Errorf("decode signing vectors: %w", err)
	}
	return s, nil
}
