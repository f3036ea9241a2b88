package spec

import (
	"slices"
	"strings"
)

// Encryption is an encrypted-transport recipe (Didi's 整体加密): every query and body parameter
// but those sent in clear is joined into one text, encrypted with AES-ECB/PKCS#7 and sent as one
// parameter beside the mode; an answer may carry the whole envelope encrypted in one field.
type Encryption struct {
	Pos          Pos
	Select       string           `yaml:"select"`        // {credential.NAME}: its value names the mode; "" sends in clear
	Key          string           `yaml:"key"`           // {credential.NAME}: the key (a secret credential)
	Modes        []EncryptionMode `yaml:"modes"`         // the modes the select credential may name
	ModeParam    string           `yaml:"mode_param"`    // parameter naming the mode, e.g. ent
	ContentParam string           `yaml:"content_param"` // parameter holding the ciphertext, e.g. encrypt_content
	Clear        []string         `yaml:"clear"`         // parameters sent as they are
	Sort         string           `yaml:"sort"`          // "key": ascending byte order of names
	Pair         string           `yaml:"pair"`          // each parameter's text: "{key}={value}"
	Separator    string           `yaml:"separator"`     // between pairs
	Escape       string           `yaml:"escape"`        // bytes percent-encoded in names and values
	Skip         []string         `yaml:"skip"`          // operations sent in clear
	ReplyField   string           `yaml:"reply_field"`   // answer field holding the encrypted envelope
	Doc          string           `yaml:"doc"`
}

// EncryptionMode is one mode of an Encryption.
type EncryptionMode struct {
	Pos      Pos
	Name     string `yaml:"name"`      // the select credential's value, e.g. aes128
	Code     string `yaml:"code"`      // the mode parameter's value, e.g. 1
	Key      string `yaml:"key"`       // text (the key's UTF-8 bytes) or hex (the bytes its digits encode)
	KeyBytes int    `yaml:"key_bytes"` // required key length in bytes (16, 24 or 32); 0: any of them
	Alphabet string `yaml:"alphabet"`  // base64 alphabet written: standard or url
	Doc      string `yaml:"doc"`
}

// CredentialRef returns NAME of a template that is exactly "{credential.NAME}".
func CredentialRef(s string) (string, bool) {
	m := templateRe.FindStringSubmatch(s)
	if m == nil || m[0] != s || !strings.HasPrefix(m[1], "credential.") {
		return "", false
	}
	return strings.TrimPrefix(m[1], "credential."), true
}

func (c *checker) checkEncryption() {
	e := c.api.Encryption
	if e == nil {
		return
	}
	ref := func(what, s string) *Credential {
		name, ok := CredentialRef(s)
		if !ok {
			c.errorf(e.Pos, "encryption: %s must be {credential.NAME}, got %q", what, s)
			return nil
		}
		cr := c.creds[name]
		if cr == nil {
			c.errorf(e.Pos, "encryption: %s: unknown credential %q", what, name)
		}
		return cr
	}
	sel := ref("select", e.Select)
	if key := ref("key", e.Key); key != nil && !key.Secret {
		c.errorf(key.Pos, "credential %q is an encryption key: mark it secret", key.Name)
	}
	if e.ModeParam == "" || e.ContentParam == "" {
		c.errorf(e.Pos, "encryption: mode_param and content_param are required")
	}
	if e.Sort != "key" {
		c.errorf(e.Pos, "encryption: sort must be \"key\", got %q", e.Sort)
	}
	if !strings.Contains(e.Pair, "{value}") {
		c.errorf(e.Pos, "encryption: pair must contain {value}, e.g. \"{key}={value}\"")
	}
	if rest := strings.ReplaceAll(strings.ReplaceAll(e.Pair, "{key}", ""), "{value}", ""); strings.ContainsAny(rest, "{}") {
		c.errorf(e.Pos, "encryption: pair may only use {key} and {value}")
	}
	c.checkOpRefs(e.Pos, e.Skip)
	if len(e.Modes) == 0 {
		c.errorf(e.Pos, "encryption: modes: give at least one")
	}
	var names []string
	for _, m := range e.Modes {
		switch {
		case m.Name == "" || m.Code == "":
			c.errorf(m.Pos, "encryption mode: name and code are required")
		case slices.Contains(names, m.Name):
			c.errorf(m.Pos, "encryption mode %q: given twice", m.Name)
		}
		names = append(names, m.Name)
		if m.Key != "text" && m.Key != "hex" {
			c.errorf(m.Pos, "encryption mode %q: key must be text or hex, got %q", m.Name, m.Key)
		}
		if m.KeyBytes != 0 && m.KeyBytes != 16 && m.KeyBytes != 24 && m.KeyBytes != 32 {
			c.errorf(m.Pos, "encryption mode %q: key_bytes must be 16, 24 or 32", m.Name)
		}
		if m.Alphabet != "standard" && m.Alphabet != "url" {
			c.errorf(m.Pos, "encryption mode %q: alphabet must be standard or url, got %q", m.Name, m.Alphabet)
		}
	}
	if sel != nil {
		if !sel.Optional || sel.Default != "" {
			c.errorf(sel.Pos, "credential %q selects the encryption: make it optional without a default (empty sends in clear)", sel.Name)
		}
		if !slices.Equal(slices.Sorted(slices.Values(sel.Enum)), slices.Sorted(slices.Values(names))) {
			c.errorf(sel.Pos, "credential %q selects the encryption: its enum must be the mode names (%s)", sel.Name, strings.Join(names, ", "))
		}
	}
}
