package tokencache

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
)

// sealPrefix starts the stored form of a sealed token: the version of the format, then the
// base64url (no padding) of the GCM nonce followed by the ciphertext and its tag.
const sealPrefix = "sealed1:"

// sealInfo is the HKDF info of the sealing key: what the key is for, so that the same secret
// never yields this key for another purpose.
const sealInfo = "specpipe tokencache v1: AES-256-GCM key sealing cached access tokens at rest"

// sealer seals the tokens one Source keeps in its Store, with AES-256-GCM under a key derived
// (HKDF-SHA256) from the connection's secret credentials. The cache key is the additional
// data, so a sealed value copied under another key does not open.
type sealer struct {
	aead cipher.AEAD
	key  string
}

// newSealer returns the sealer of the tokens cached under key, keyed from secrets (empty ones
// are skipped), or nil when every secret is empty: a token that nothing secret protects is
// kept in memory only.
func newSealer(secrets []string, key string) (*sealer, error) {
	var ikm []byte
	for _, s := range secrets {
		if s != "" {
			// Length-prefixed, so that ("ab", "c") and ("a", "bc") give different keys.
			ikm = binary.AppendUvarint(ikm, uint64(len(s)))
			ikm = append(ikm, s...)
		}
	}
	if len(ikm) == 0 {
		return nil, nil
	}
	k, err := hkdf.Key(sha256.New, ikm, nil, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("derive the sealing key: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("sealing cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealing cipher: %w", err)
	}
	return &sealer{aead: aead, key: key}, nil
}

// seal returns the stored form of t: its value sealed, its expiry as it is (not a secret).
func (s *sealer) seal(t Token) Token {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(t.Value)+s.aead.Overhead())
	rand.Read(nonce) // never fails (crypto/rand)
	box := s.aead.Seal(nonce, nonce, []byte(t.Value), []byte(s.key))
	return Token{Value: sealPrefix + base64.RawURLEncoding.EncodeToString(box), Expiry: t.Expiry}
}

// open returns the token whose stored form is t, and false when it does not open: a token
// stored in clear (by a version of specpipe before sealing), sealed under other secrets (the
// credential changed) or under another cache key, or damaged.
func (s *sealer) open(t Token) (Token, bool) {
	enc, ok := strings.CutPrefix(t.Value, sealPrefix)
	if !ok {
		return Token{}, false
	}
	box, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(box) < s.aead.NonceSize() {
		return Token{}, false
	}
	n := s.aead.NonceSize()
	v, err := s.aead.Open(nil, box[:n], box[n:], []byte(s.key))
	if err != nil {
		return Token{}, false
	}
	return Token{Value: string(v), Expiry: t.Expiry}, true
}

// load returns the token the store keeps under the source's key, opened; a token that does
// not open is absent.
func (s *sealer) load(ctx context.Context, store Store) (Token, bool, error) {
	t, ok, err := store.LoadToken(ctx, s.key)
	if err != nil || !ok {
		return Token{}, false, err
	}
	t, ok = s.open(t)
	return t, ok, nil
}
