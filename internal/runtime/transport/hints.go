package transport

import "strings"

// Hint is advice on what to fix, from the spec, for the vendor errors it matches: every
// condition that is set must hold.
type Hint struct {
	Status  int    // HTTP status; 0: any
	Code    string // vendor code; "": any
	Message string // text the vendor's message contains; "": any
	Text    string // the advice
}

// matches reports whether h applies to e.
func (h Hint) matches(e *APIError) bool {
	return (h.Status == 0 || h.Status == e.Status) &&
		(h.Code == "" || h.Code == e.Code) &&
		(h.Message == "" || strings.Contains(e.Message, h.Message))
}

// conditions is how many conditions h sets: the more, the more specific.
func (h Hint) conditions() int {
	n := 0
	for _, set := range []bool{h.Status != 0, h.Code != "", h.Message != ""} {
		if set {
			n++
		}
	}
	return n
}

// hint is the advice for e: of the hints that match, the most specific (with the most
// conditions); among equally specific ones, op's before the API's, each in spec order.
func hint(op *Op, api *API, e *APIError) string {
	best, text := 0, ""
	for _, hs := range [][]Hint{op.Hints, api.Hints} {
		for _, h := range hs {
			if n := h.conditions(); n > best && h.matches(e) {
				best, text = n, h.Text
			}
		}
	}
	return text
}
