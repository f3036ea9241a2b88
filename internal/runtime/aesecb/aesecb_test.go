package aesecb_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/aesecb"
)

// transport is testdata/didi-transport.json: Didi Enterprise's encrypted transport, computed by
// running the official Go and Java SDKs (its "source" member says which commits and files).
type transport struct {
	Vectors []struct {
		Name          string `json:"name"`
		Encryption    string `json:"encryption"`
		Key           string `json:"key"`
		Plaintext     string `json:"plaintext"`
		Ciphertext    string `json:"encrypt_content"`
		CiphertextURL string `json:"encrypt_content_url"`
	} `json:"vectors"`
	Replies []struct {
		Name           string `json:"name"`
		Encryption     string `json:"encryption"`
		Key            string `json:"key"`
		Plaintext      string `json:"plaintext"`
		EncryptData    string `json:"encrypt_data"`
		EncryptDataURL string `json:"encrypt_data_url"`
	} `json:"replies"`
}

func loadTransport(t *testing.T) transport {
	t.Helper()
	b, err := os.ReadFile("testdata/didi-transport.json")
	if err != nil {
		t.Fatal(err)
	}
	var v transport
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Vectors) == 0 || len(v.Replies) == 0 {
		t.Fatal("no vectors")
	}
	return v
}

// cipherFor derives the key as Didi does: aes128 uses the key text, aes256 its hex digits.
func cipherFor(t *testing.T, encryption, key string) *aesecb.Cipher {
	t.Helper()
	var c *aesecb.Cipher
	var err error
	switch encryption {
	case "aes128":
		c, err = aesecb.TextKey(key)
	case "aes256":
		c, err = aesecb.HexKey(key)
	default:
		t.Fatalf("encryption %q", encryption)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVectors(t *testing.T) {
	v := loadTransport(t)
	type sample struct{ name, encryption, key, plain, std, url string }
	var all []sample
	for _, x := range v.Vectors {
		all = append(all, sample{x.Name, x.Encryption, x.Key, x.Plaintext, x.Ciphertext, x.CiphertextURL})
	}
	for _, x := range v.Replies {
		all = append(all, sample{x.Name, x.Encryption, x.Key, x.Plaintext, x.EncryptData, x.EncryptDataURL})
	}
	for _, s := range all {
		t.Run(s.name, func(t *testing.T) {
			c := cipherFor(t, s.encryption, s.key)
			if got := c.EncryptString(s.plain, aesecb.Standard); got != s.std {
				t.Errorf("standard ciphertext:\n got %s\nwant %s", got, s.std)
			}
			forms := []string{s.std, strings.TrimRight(s.std, "=")}
			if s.url != "" {
				if got := c.EncryptString(s.plain, aesecb.URLSafe); got != s.url {
					t.Errorf("URL-safe ciphertext:\n got %s\nwant %s", got, s.url)
				}
				forms = append(forms, s.url, strings.TrimRight(s.url, "="))
			}
			for _, f := range forms {
				got, err := c.DecryptString(f)
				if err != nil {
					t.Fatalf("decrypt %s: %v", f, err)
				}
				if diff := cmp.Diff(s.plain, string(got)); diff != "" {
					t.Errorf("decrypt %s (-want +got):\n%s", f, diff)
				}
			}
		})
	}
}

func TestKeySizes(t *testing.T) {
	tests := []struct {
		name string
		make func() (*aesecb.Cipher, error)
		size int
	}{
		{"text 16", func() (*aesecb.Cipher, error) { return aesecb.TextKey("0123456789abcdef") }, 16},
		{"text 24", func() (*aesecb.Cipher, error) { return aesecb.TextKey("0123456789abcdef01234567") }, 24},
		{"text 32", func() (*aesecb.Cipher, error) { return aesecb.TextKey(strings.Repeat("k", 32)) }, 32},
		{"text counts UTF-8 bytes", func() (*aesecb.Cipher, error) { return aesecb.TextKey("密钥密钥0123") }, 16},
		{"hex 32 digits", func() (*aesecb.Cipher, error) { return aesecb.HexKey(strings.Repeat("0f", 16)) }, 16},
		{"hex 64 upper case", func() (*aesecb.Cipher, error) { return aesecb.HexKey(strings.Repeat("AB", 32)) }, 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.make()
			if err != nil {
				t.Fatal(err)
			}
			if c.Size() != tt.size {
				t.Errorf("Size() = %d, want %d", c.Size(), tt.size)
			}
		})
	}
}

// TestBadKeys checks each bad key is refused with an error that does not contain the key nor any
// run of four of its characters.
func TestBadKeys(t *testing.T) {
	tests := []struct {
		name, key, want string
		hex             bool
	}{
		{"text too short", "secret-key-15ch", "15 bytes", false},
		{"text too long", "Q7-secret-value-thirty-three-ch!!", "33 bytes", false},
		{"text empty", "", "0 bytes", false},
		{"text of 16 characters, 20 bytes", "密钥0123456789abcd", "20 bytes", false},
		{"hex not hex", "zz" + strings.Repeat("a1", 31), "not hexadecimal", true},
		{"hex 63 digits", strings.Repeat("a", 63), "63 digits", true},
		{"hex 62 digits", strings.Repeat("b", 62), "62 digits", true},
		{"hex with a key-like non-hex tail", strings.Repeat("c", 60) + "sEcR", "not hexadecimal", true},
		{"hex empty", "", "0 digits", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.hex {
				_, err = aesecb.HexKey(tt.key)
			} else {
				_, err = aesecb.TextKey(tt.key)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not say %q", msg, tt.want)
			}
			for i := 0; i+4 <= len(tt.key); i++ {
				if strings.Contains(msg, tt.key[i:i+4]) {
					t.Errorf("error %q contains part of the key %q", msg, tt.key[i:i+4])
				}
			}
		})
	}
}

func TestDecryptErrors(t *testing.T) {
	c, err := aesecb.TextKey("0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	other, err := aesecb.TextKey("fedcba9876543210")
	if err != nil {
		t.Fatal(err)
	}
	// A wrong key: the padding check fails for this ciphertext (checked, not assumed).
	wrong := other.Encrypt([]byte("company_id=1&offset=0"))
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", aesecb.ErrLength},
		{"not a block", aesecb.Standard.Encode([]byte("short")), aesecb.ErrLength},
		{"wrong key", aesecb.Standard.Encode(wrong), aesecb.ErrPadding},
		{"zero padding byte", aesecb.Standard.Encode(c.Encrypt(make([]byte, 16))[:16]), aesecb.ErrPadding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.DecryptString(tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := c.DecryptString("not base64!"); err == nil || !strings.Contains(err.Error(), "not base64") {
		t.Errorf("bad base64: err = %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	c, err := aesecb.HexKey(strings.Repeat("5a", 32))
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n <= 48; n++ {
		p := bytes.Repeat([]byte{'x'}, n)
		ct := c.Encrypt(p)
		if len(ct) != (n/16+1)*16 {
			t.Errorf("len %d: ciphertext %d bytes", n, len(ct))
		}
		got, err := c.Decrypt(ct)
		if err != nil || !bytes.Equal(got, p) {
			t.Errorf("len %d: got %q, %v", n, got, err)
		}
	}
}

func TestDecode(t *testing.T) {
	b := []byte{0xfb, 0xff, 0xfe, 0x01}
	for _, s := range []string{"+//+AQ==", "-__-AQ==", "-__-AQ", " +//+AQ==\n"} {
		got, err := aesecb.Decode(s)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("Decode(%q) = %x, %v", s, got, err)
		}
	}
	if got := aesecb.URLSafe.Encode(b); got != "-__-AQ==" {
		t.Errorf("URLSafe.Encode = %s", got)
	}
	if got := aesecb.Standard.Encode(b); got != "+//+AQ==" {
		t.Errorf("Standard.Encode = %s", got)
	}
}

// FuzzDecryptString: decryption never panics, and what decrypts re-encrypts to the same bytes.
func FuzzDecryptString(f *testing.F) {
	c, err := aesecb.TextKey("specpipe-aes-128")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.EncryptString("company_id=1&timestamp=1792461600", aesecb.Standard))
	f.Add("")
	f.Add("====")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := c.DecryptString(s)
		if err != nil {
			return
		}
		raw, err := aesecb.Decode(s)
		if err != nil {
			t.Fatalf("DecryptString accepted what Decode refuses: %v", err)
		}
		if !bytes.Equal(c.Encrypt(p), raw) {
			t.Errorf("re-encryption differs for %q", s)
		}
	})
}
