package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/specpipe/specpipe/internal/runtime/aesecb"
)

// Sealing describes a vendor's encrypted transport (Didi's 整体加密): the parameters of a request,
// but for a few sent in clear, joined into one text that is encrypted with AES-ECB and sent as one
// parameter beside the mode; the answer may carry the whole envelope encrypted in one field.
// Generated code declares it from the spec's encryption section.
type Sealing struct {
	Modes        []SealMode
	ModeParam    string   // the parameter naming the mode (Didi: ent)
	ContentParam string   // the parameter holding the ciphertext (Didi: encrypt_content)
	Clear        []string // parameters sent as they are (Didi: client_id, access_token)
	Pair         string   // each parameter's text: "{key}={value}"
	Separator    string   // between pairs
	Escape       string   // the bytes percent-encoded in keys and values (Didi: "%+&=")
	ReplyField   string   // the answer's field holding the encrypted envelope ("": answers are clear)
}

// KeyForm is how a key's text is turned into AES key bytes.
type KeyForm int

// The key forms.
const (
	KeyText KeyForm = iota // the text's UTF-8 bytes
	KeyHex                 // the bytes the hex digits encode
)

// SealMode is one mode of a Sealing.
type SealMode struct {
	Name     string // the setting that selects it, e.g. aes128
	Code     string // the mode parameter's value, e.g. 1
	Key      KeyForm
	KeyBytes int // the key's required length in bytes; 0: any AES length (16, 24 or 32)
	Alphabet aesecb.Alphabet
}

// Sealer seals requests and opens answers with one key. A nil *Sealer sends in clear and reads
// answers as they are. It is safe for concurrent use.
type Sealer struct {
	desc   *Sealing
	mode   SealMode
	cipher *aesecb.Cipher
}

// NewSealer returns the Sealer for the setting mode ("" means clear: nil, nil) and its key.
// modeEnv and keyEnv name the variables the setting and key come from; errors name them and
// never hold the key.
func NewSealer(desc *Sealing, mode, key, modeEnv, keyEnv string) (*Sealer, error) {
	if mode == "" {
		return nil, nil
	}
	i := slices.IndexFunc(desc.Modes, func(m SealMode) bool { return m.Name == mode })
	if i < 0 {
		var names []string
		for _, m := range desc.Modes {
			names = append(names, m.Name)
		}
		return nil, fmt.Errorf("%s: want one of %s, got %q", modeEnv, strings.Join(names, ", "), mode)
	}
	m := desc.Modes[i]
	if key == "" {
		return nil, fmt.Errorf("%s is empty, but %s=%s needs a key", keyEnv, modeEnv, mode)
	}
	var c *aesecb.Cipher
	var err error
	switch m.Key {
	case KeyHex:
		c, err = aesecb.HexKey(key)
		if err != nil || m.KeyBytes != 0 && c.Size() != m.KeyBytes {
			if m.KeyBytes != 0 {
				return nil, fmt.Errorf("%s: want %d hex digits", keyEnv, 2*m.KeyBytes)
			}
			return nil, fmt.Errorf("%s: want 32, 48 or 64 hex digits", keyEnv)
		}
	default:
		c, err = aesecb.TextKey(key)
		if err != nil || m.KeyBytes != 0 && c.Size() != m.KeyBytes {
			want := "16, 24 or 32"
			if m.KeyBytes != 0 {
				want = fmt.Sprint(m.KeyBytes)
			}
			return nil, fmt.Errorf("%s: want a key of %s bytes, got %d", keyEnv, want, len(key))
		}
	}
	return &Sealer{desc: desc, mode: m, cipher: c}, nil
}

// Plaintext is the text a Sealer encrypts for r: every query and body parameter not sent in
// clear, sorted by name, each as Pair with the Escape bytes of its name and value percent-encoded,
// joined with Separator.
func (s *Sealer) Plaintext(r *Request) string {
	type kv struct{ k, v string }
	var ps []kv
	for _, p := range r.Params {
		if (p.In == Query || p.In == Body) && !slices.Contains(s.desc.Clear, p.Name) {
			ps = append(ps, kv{p.Name, p.Text})
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].k < ps[j].k })
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = strings.NewReplacer("{key}", s.escape(p.k), "{value}", s.escape(p.v)).Replace(s.desc.Pair)
	}
	return strings.Join(parts, s.desc.Separator)
}

// escape percent-encodes the bytes of Escape in t.
func (s *Sealer) escape(t string) string {
	if s.desc.Escape == "" || !strings.ContainsAny(t, s.desc.Escape) {
		return t
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if c := t[i]; strings.IndexByte(s.desc.Escape, c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Seal replaces every query and body parameter of r not sent in clear by the mode parameter and
// the encrypted content, where the request's parameters go. Call it after the common parameters
// are set and before signing, so the signature covers what is sent. A nil Sealer does nothing.
func (s *Sealer) Seal(r *Request) {
	if s == nil {
		return
	}
	content := s.cipher.EncryptString(s.Plaintext(r), s.mode.Alphabet)
	r.Params = slices.DeleteFunc(r.Params, func(p Param) bool {
		return (p.In == Query || p.In == Body) && !slices.Contains(s.desc.Clear, p.Name)
	})
	loc := r.ParamsLocation()
	r.Set(Param{Name: s.desc.ModeParam, In: loc, Text: s.mode.Code, JSON: modeJSON(s.mode.Code)})
	r.Set(Param{Name: s.desc.ContentParam, In: loc, Text: content})
}

// modeJSON is the mode's value in a JSON body: a number when it is one (Didi's "ent": 1).
func modeJSON(code string) json.RawMessage {
	var n json.Number
	if err := json.Unmarshal([]byte(code), &n); err == nil {
		return json.RawMessage(code)
	}
	return nil
}

// ErrOpen is the failure to decrypt an answer's encrypted field; it says nothing of the key or the
// content.
var ErrOpen = errors.New("the encrypted answer does not decrypt with the configured key")

// Open returns the answer body decrypted: when body is a JSON object whose ReplyField is a
// string, that string's plaintext (the whole envelope); otherwise body as it is (an answer sent in
// clear, such as an error found before the request decrypted). A nil Sealer returns body.
func (s *Sealer) Open(body []byte) ([]byte, error) {
	if s == nil || s.desc.ReplyField == "" || !bytes.Contains(body, []byte(s.desc.ReplyField)) {
		return body, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return body, nil
	}
	raw, ok := m[s.desc.ReplyField]
	if !ok {
		return body, nil
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return nil, fmt.Errorf("%s is not a string", s.desc.ReplyField)
	}
	plain, err := s.cipher.DecryptString(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.desc.ReplyField, ErrOpen)
	}
	return plain, nil
}
