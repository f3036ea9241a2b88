package ir

import (
	"fmt"

	"github.com/specpipe/specpipe/gen/spec"
)

// EncryptionMode is one mode of an encrypted transport (spec.EncryptionMode).
type EncryptionMode = spec.EncryptionMode

// Encryption is an encrypted-transport recipe (spec.Encryption) with its credential references
// resolved.
type Encryption struct {
	Select       *Credential // its value names the mode; empty sends in clear
	Key          *Credential // the key
	Modes        []EncryptionMode
	ModeParam    string
	ContentParam string
	Clear        []string
	Pair         string
	Separator    string
	Escape       string
	Skip         []string
	ReplyField   string
	Doc          string
}

// encryption resolves the spec's encryption section (nil: none) against the credentials of out.
func encryption(e *spec.Encryption, out *API) (*Encryption, error) {
	if e == nil {
		return nil, nil
	}
	cred := func(what, s string) (*Credential, error) {
		name, _ := spec.CredentialRef(s)
		if c := out.Credential(name); c != nil {
			return c, nil
		}
		return nil, fmt.Errorf("encryption: %s: no credential %q", what, s)
	}
	sel, err := cred("select", e.Select)
	if err != nil {
		return nil, err
	}
	key, err := cred("key", e.Key)
	if err != nil {
		return nil, err
	}
	return &Encryption{Select: sel, Key: key, Modes: e.Modes, ModeParam: e.ModeParam, ContentParam: e.ContentParam,
		Clear: e.Clear, Pair: e.Pair, Separator: e.Separator, Escape: e.Escape, Skip: e.Skip, ReplyField: e.ReplyField,
		Doc: e.Doc}, nil
}
