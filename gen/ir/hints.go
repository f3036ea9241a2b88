package ir

import (
	"slices"
	"strings"

	"github.com/specpipe/specpipe/gen/spec"
)

// Hint is advice attached to the vendor errors it matches (spec.Hint): every condition that is
// set must hold.
type Hint struct {
	Status  int    // HTTP status; 0: any
	Code    string // vendor code; "": any
	Message string // text in the vendor's message; "": any
	Text    string // the advice
}

func hints(hs []spec.Hint) []Hint {
	var out []Hint
	for _, h := range hs {
		out = append(out, Hint{Status: h.Status, Code: h.Code, Message: h.Message, Text: h.Hint})
	}
	return out
}

// permissionHint is the advice for a refusal of an operation that needs perm: the permission,
// and for each of its terms the default roles that hold it. perm is written as the vendor's
// access rules read: terms joined by & (all) or | (either); a term attribute:subject (a voter
// on the subject) is looked up in the roles as attribute_subject.
func permissionHint(perm string, p *spec.Permissions) Hint {
	var parts []string
	for _, term := range strings.FieldsFunc(perm, func(r rune) bool { return r == '&' || r == '|' }) {
		name := strings.ReplaceAll(term, ":", "_")
		var roles []string
		for role, perms := range p.Roles {
			if slices.Contains(perms, name) {
				roles = append(roles, role)
			}
		}
		if len(roles) == 0 {
			continue
		}
		slices.Sort(roles)
		parts = append(parts, name+": "+strings.Join(roles, ", "))
	}
	text := "the user needs the permission " + perm
	if len(parts) > 0 {
		text += " (default roles with " + strings.Join(parts, "; with ") + ")"
	}
	return Hint{Status: p.Status, Text: text}
}

// opHints are op's own hints, then the one its permission gives.
func (b *builder) opHints(op *spec.Operation) []Hint {
	out := hints(op.Hints)
	if op.Permission != "" && b.spec.Permissions != nil {
		out = append(out, permissionHint(op.Permission, b.spec.Permissions))
	}
	return out
}
