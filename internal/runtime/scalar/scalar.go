// Package scalar holds lenient scalar types for decoding JSON from APIs that send numbers as
// strings, booleans as 0/1 and absent values as null or "", plus the date and time parsers
// the API clients share.
//
// The types are meant for generated "wire" structs: each decodes every form an API is known
// to send for one kind of value, and reports anything else with an [*Error] that names the
// type and the bad input, such as
//
//	scalar.Int: cannot decode "abc" as an integer
package scalar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Error reports a JSON value a scalar type cannot decode.
type Error struct {
	Type  string // the Go type, e.g. "scalar.Int"
	Input string // the JSON text as received, shortened when long
	Want  string // what was expected, e.g. "an integer"
	Err   error  // the underlying cause, e.g. strconv.ErrRange; may be nil
}

// Error returns "<type>: cannot decode <input> as <want>", plus the cause if any.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: cannot decode %s as %s", e.Type, e.Input, e.Want)
	if errors.Is(e.Err, strconv.ErrRange) {
		msg += ": value out of range"
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// maxInput is how much of a bad input an Error quotes.
const maxInput = 64

func newError(typ string, raw []byte, want string, err error) *Error {
	in := string(bytes.TrimSpace(raw))
	if len(in) > maxInput {
		cut := maxInput
		for cut > 0 && !utf8.RuneStart(in[cut]) {
			cut--
		}
		in = in[:cut] + "…"
	}
	return &Error{Type: typ, Input: in, Want: want, Err: err}
}

// token is one JSON scalar, classified.
type token struct {
	text   string // the string's contents, or the literal text of a number, true or false
	quoted bool   // text came from a JSON string
	null   bool   // the JSON literal null
}

// empty reports whether the token is null or the empty string.
func (t token) empty() bool { return t.null || (t.quoted && t.text == "") }

// readToken classifies a JSON value. Objects and arrays are rejected.
func readToken(typ string, raw []byte, want string) (token, error) {
	b := bytes.TrimSpace(raw)
	switch {
	case len(b) == 0:
		return token{}, newError(typ, raw, want, errors.New("empty input"))
	case string(b) == "null":
		return token{null: true}, nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return token{}, newError(typ, raw, want, err)
		}
		return token{text: s, quoted: true}, nil
	case b[0] == '{' || b[0] == '[':
		return token{}, newError(typ, raw, want, nil)
	default:
		if !json.Valid(b) {
			return token{}, newError(typ, raw, want, errors.New("invalid JSON"))
		}
		return token{text: string(b)}, nil
	}
}

// Int is an int64 that decodes from a JSON number (42) or a string holding one ("42", "-7").
// null and "" decode as 0. A number with a zero fraction ("42.00") is accepted; any other
// fraction is an error.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (i *Int) UnmarshalJSON(b []byte) error {
	const typ, want = "scalar.Int", "an integer"
	tok, err := readToken(typ, b, want)
	if err != nil {
		return err
	}
	if tok.empty() {
		*i = 0
		return nil
	}
	s := strings.TrimSpace(tok.text)
	if dot := strings.IndexByte(s, '.'); dot >= 0 && strings.Trim(s[dot+1:], "0") == "" && dot > 0 {
		s = s[:dot]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return newError(typ, b, want, strconv.ErrRange)
		}
		return newError(typ, b, want, nil)
	}
	*i = Int(n)
	return nil
}

// Float is a float64 that decodes from a JSON number (1.5) or a string holding one ("1.5").
// null and "" decode as 0. NaN and infinities are rejected. Use [Decimal] for money.
type Float float64

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	const typ, want = "scalar.Float", "a number"
	tok, err := readToken(typ, b, want)
	if err != nil {
		return err
	}
	if tok.empty() {
		*f = 0
		return nil
	}
	s := strings.TrimSpace(tok.text)
	if !isNumeral(s) {
		return newError(typ, b, want, nil)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return newError(typ, b, want, nil)
	}
	if err != nil || math.IsInf(v, 0) {
		return newError(typ, b, want, strconv.ErrRange)
	}
	*f = Float(v)
	return nil
}

// isNumeral reports whether s is a decimal number, optionally signed and with an exponent:
// what strconv.ParseFloat accepts minus "NaN", "Inf", hexadecimal and underscores.
func isNumeral(s string) bool {
	if s == "" {
		return false
	}
	digits := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E':
		default:
			return false
		}
	}
	return digits
}

// Bool decodes from true/false, the numbers 1/0 and the strings "1"/"0"/"true"/"false"
// (case-insensitive). null and "" decode as false.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	const typ, want = "scalar.Bool", "a boolean"
	tok, err := readToken(typ, b, want)
	if err != nil {
		return err
	}
	if tok.empty() {
		*v = false
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(tok.text)) {
	case "1", "true":
		*v = true
	case "0", "false":
		*v = false
	default:
		return newError(typ, b, want, nil)
	}
	return nil
}

// String decodes from a JSON string, or from a number or boolean kept as its literal text
// (1125904357323169 → "1125904357323169", 1.50 → "1.50", true → "true"). null decodes as "".
// It marshals as an ordinary JSON string.
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(b []byte) error {
	tok, err := readToken("scalar.String", b, "a string")
	if err != nil {
		return err
	}
	*s = String(tok.text)
	return nil
}

// Unix is a time in unix seconds that decodes from a JSON number (1522405040) or a string
// holding one ("1522405040"). 0, "0", "" and null decode as 0, which stands for "no time":
// [Unix.Time] returns the zero time.Time for it. It marshals as a JSON number.
type Unix int64

// UnixOf returns t in unix seconds; the zero time.Time gives 0.
func UnixOf(t time.Time) Unix {
	if t.IsZero() {
		return 0
	}
	return Unix(t.Unix())
}

// Time returns the time in UTC, or the zero time.Time when u is 0.
func (u Unix) Time() time.Time {
	if u == 0 {
		return time.Time{}
	}
	return time.Unix(int64(u), 0).UTC()
}

// UnmarshalJSON implements json.Unmarshaler.
func (u *Unix) UnmarshalJSON(b []byte) error {
	var i Int
	if err := i.UnmarshalJSON(b); err != nil {
		var se *Error
		if errors.As(err, &se) {
			se.Type, se.Want = "scalar.Unix", "unix seconds"
		}
		return err
	}
	*u = Unix(i)
	return nil
}
