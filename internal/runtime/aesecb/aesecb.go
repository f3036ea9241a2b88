// Package aesecb encrypts whole messages with AES in ECB mode and PKCS#7 padding, the scheme some
// vendors use for "encrypted transport", with the two ways they configure a key (its text's UTF-8
// bytes, or hex digits) and the two base64 alphabets their SDKs write.
//
// ECB is not a good mode: equal blocks of plaintext give equal blocks of ciphertext. It is here
// because vendors require it, not by choice.
package aesecb

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Cipher is an AES key ready to encrypt and decrypt. It is safe for concurrent use.
type Cipher struct {
	block cipher.Block
	size  int
}

// TextKey makes a Cipher whose key is the UTF-8 bytes of key, which must be 16, 24 or 32 bytes
// long (AES-128, AES-192 or AES-256). Errors never contain the key.
func TextKey(key string) (*Cipher, error) {
	if !validSize(len(key)) {
		return nil, fmt.Errorf("aesecb: key text is %d bytes, want 16, 24 or 32", len(key))
	}
	return newCipher([]byte(key))
}

// HexKey makes a Cipher whose key is the bytes that the hex digits of key encode (either case):
// 32, 48 or 64 digits (AES-128, AES-192 or AES-256). Errors never contain the key.
func HexKey(key string) (*Cipher, error) {
	b := make([]byte, len(key)/2)
	for i := range b {
		hi, ok1 := hexDigit(key[2*i])
		lo, ok2 := hexDigit(key[2*i+1])
		if !ok1 || !ok2 {
			// hex.DecodeString's error would quote the offending character of the key.
			return nil, errors.New("aesecb: key is not hexadecimal")
		}
		b[i] = hi<<4 | lo
	}
	if len(key)%2 != 0 || !validSize(len(b)) {
		return nil, fmt.Errorf("aesecb: hex key has %d digits, want 32, 48 or 64", len(key))
	}
	return newCipher(b)
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func validSize(n int) bool { return n == 16 || n == 24 || n == 32 }

func newCipher(key []byte) (*Cipher, error) {
	block, err := aes.NewCipher(key)
	if err != nil { // unreachable after validSize; aes.KeySizeError holds only the length
		return nil, fmt.Errorf("aesecb: %w", err)
	}
	return &Cipher{block: block, size: len(key)}, nil
}

// Size is the key's length in bytes: 16, 24 or 32.
func (c *Cipher) Size() int { return c.size }

// Encrypt pads plaintext with PKCS#7 and encrypts it block by block.
func (c *Cipher) Encrypt(plaintext []byte) []byte {
	n := aes.BlockSize - len(plaintext)%aes.BlockSize
	buf := make([]byte, len(plaintext)+n)
	copy(buf, plaintext)
	for i := len(plaintext); i < len(buf); i++ {
		buf[i] = byte(n)
	}
	for i := 0; i < len(buf); i += aes.BlockSize {
		c.block.Encrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	return buf
}

// Errors of Decrypt. They say nothing about the key or the plaintext.
var (
	ErrLength  = errors.New("aesecb: ciphertext is not a positive multiple of 16 bytes")
	ErrPadding = errors.New("aesecb: bad padding after decryption (wrong key, or not this cipher's ciphertext)")
)

// Decrypt decrypts ciphertext and removes its PKCS#7 padding. A wrong key is usually reported as
// ErrPadding; about one in 256 wrong keys yields garbage without an error, which the caller's own
// parsing then rejects.
func (c *Cipher) Decrypt(ciphertext []byte) ([]byte, error) {
	if len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return nil, ErrLength
	}
	buf := make([]byte, len(ciphertext))
	for i := 0; i < len(buf); i += aes.BlockSize {
		c.block.Decrypt(buf[i:i+aes.BlockSize], ciphertext[i:i+aes.BlockSize])
	}
	n := int(buf[len(buf)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, ErrPadding
	}
	for _, b := range buf[len(buf)-n:] {
		if int(b) != n {
			return nil, ErrPadding
		}
	}
	return buf[:len(buf)-n], nil
}

// Alphabet is a base64 alphabet (RFC 4648), always written with = padding.
type Alphabet int

const (
	// Standard is the alphabet with + and / (RFC 4648 §4).
	Standard Alphabet = iota
	// URLSafe is the alphabet with - and _ (RFC 4648 §5).
	URLSafe
)

// Encode writes b in base64 with the alphabet.
func (a Alphabet) Encode(b []byte) string {
	if a == URLSafe {
		return base64.URLEncoding.EncodeToString(b)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Decode reads base64 in either alphabet, with or without padding; that is what a reader must
// accept when writers disagree on the alphabet. Surrounding whitespace is ignored.
func Decode(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("-", "+", "_", "/").Replace(s)
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("aesecb: not base64: %w", err)
	}
	return b, nil
}

// EncryptString encrypts plaintext and writes the ciphertext in base64 with the alphabet.
func (c *Cipher) EncryptString(plaintext string, a Alphabet) string {
	return a.Encode(c.Encrypt([]byte(plaintext)))
}

// DecryptString decodes base64 in either alphabet (see Decode) and decrypts it.
func (c *Cipher) DecryptString(s string) ([]byte, error) {
	b, err := Decode(s)
	if err != nil {
		return nil, err
	}
	return c.Decrypt(b)
}
