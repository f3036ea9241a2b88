package scalar

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Decimal is an exact decimal number for money and quotas. It keeps the scale (number of
// digits after the point) it was written with, so "1000.00" prints back as "1000.00", and it
// never passes through float64. The zero value is 0.
//
// A Decimal is immutable; copies share nothing that is ever modified. Use [Decimal.Cmp] or
// [Decimal.Equal] to compare values: == compares representations, not numbers.
type Decimal struct {
	unscaled *big.Int // nil means 0
	scale    int32    // digits after the point; never negative
}

// maxExponent bounds the exponent ParseDecimal accepts, as in "1e999999999".
const maxExponent = 1000

// MaxDigits is the most digits a decimal may have, before and after the point together, as
// written and as printed ("1e999" has 1000): converting n digits costs more than linear time,
// and no amount or quota comes near it.
const MaxDigits = 1000

// ErrTooManyDigits is the cause of the error for a decimal written with more than [MaxDigits]
// digits.
var ErrTooManyDigits = fmt.Errorf("more than %d digits", MaxDigits)

var (
	_ json.Marshaler           = Decimal{}
	_ json.Unmarshaler         = (*Decimal)(nil)
	_ encoding.TextMarshaler   = Decimal{}
	_ encoding.TextUnmarshaler = (*Decimal)(nil)
	_ fmt.Stringer             = Decimal{}
)

// NewDecimal returns unscaled × 10^-scale, e.g. NewDecimal(100050, 2) is 1000.50. A negative
// scale multiplies: NewDecimal(5, -2) is 500.
func NewDecimal(unscaled int64, scale int32) Decimal {
	u := big.NewInt(unscaled)
	if scale < 0 {
		u.Mul(u, pow10(-scale))
		scale = 0
	}
	return Decimal{unscaled: u, scale: scale}
}

// ParseDecimal parses a decimal number such as "1000.00", "-3.5", "+7", "0.125" or "1.5e3".
// Surrounding spaces are ignored; the empty string is an error.
func ParseDecimal(s string) (Decimal, error) {
	d, err := parseDecimal(strings.TrimSpace(s))
	if errors.Is(err, ErrTooManyDigits) {
		return Decimal{}, fmt.Errorf("scalar.Decimal: cannot parse %q as a decimal number: %w", truncate(s), err)
	}
	if err != nil {
		return Decimal{}, fmt.Errorf("scalar.Decimal: cannot parse %q as a decimal number", truncate(s))
	}
	return d, nil
}

// MustDecimal is like ParseDecimal but panics on error. It is for tests and constants in
// code, never for input.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func truncate(s string) string {
	if len(s) <= maxInput {
		return s
	}
	return strings.ToValidUTF8(s[:maxInput], "") + "…"
}

// errNotDecimal is parseDecimal's error for text that is not a decimal number.
var errNotDecimal = errors.New("not a decimal number")

// parseDecimal parses s, or returns errNotDecimal or ErrTooManyDigits.
func parseDecimal(s string) (Decimal, error) {
	d, ok, many := parseDecimalBounded(s)
	switch {
	case many:
		return Decimal{}, ErrTooManyDigits
	case !ok:
		return Decimal{}, errNotDecimal
	}
	return d, nil
}

// parseDecimalBounded parses s; many reports more than MaxDigits digits, as written or as
// String would print the number.
func parseDecimalBounded(s string) (d Decimal, ok, many bool) {
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
		if exp == "" {
			return Decimal{}, false, false
		}
	}
	neg := false
	if mant != "" && (mant[0] == '+' || mant[0] == '-') {
		neg = mant[0] == '-'
		mant = mant[1:]
	}
	intPart, frac, hasDot := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || hasDot && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return Decimal{}, false, false
	}
	written := int64(len(intPart) + len(frac))
	if written > MaxDigits {
		return Decimal{}, false, true
	}
	scale := int64(len(frac))
	if exp != "" {
		e, err := strconv.ParseInt(exp, 10, 32)
		if err != nil || e > maxExponent || e < -maxExponent {
			return Decimal{}, false, false
		}
		scale -= e
	}
	// The digits String prints: the unscaled digits followed by -scale zeros, or at least a
	// "0." and scale digits.
	if printed := max(written-min(scale, 0), scale+1); printed > MaxDigits {
		return Decimal{}, false, true
	}
	u, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return Decimal{}, false, false
	}
	if neg {
		u.Neg(u)
	}
	if scale < 0 {
		u.Mul(u, pow10(int32(-scale)))
		scale = 0
	}
	return Decimal{unscaled: u, scale: int32(scale)}, true, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func pow10(n int32) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// int returns the unscaled value, never nil.
func (d Decimal) int() *big.Int {
	if d.unscaled == nil {
		return new(big.Int)
	}
	return d.unscaled
}

// Scale returns the number of digits after the point.
func (d Decimal) Scale() int32 { return d.scale }

// rescale returns the unscaled value of d at scale s >= d.scale.
func (d Decimal) rescale(s int32) *big.Int {
	u := d.int()
	if s == d.scale {
		return u
	}
	return new(big.Int).Mul(u, pow10(s-d.scale))
}

// String returns the canonical text, keeping the scale: "1000.00", "-3.5", "0".
// Zero never has a sign.
func (d Decimal) String() string {
	u := d.int()
	digits := new(big.Int).Abs(u).String()
	if d.scale > 0 {
		if pad := int(d.scale) + 1 - len(digits); pad > 0 {
			digits = strings.Repeat("0", pad) + digits
		}
		cut := len(digits) - int(d.scale)
		digits = digits[:cut] + "." + digits[cut:]
	}
	if u.Sign() < 0 {
		return "-" + digits
	}
	return digits
}

// Cmp compares d and e numerically and returns -1, 0 or +1; 1.50 and 1.5 are equal.
func (d Decimal) Cmp(e Decimal) int {
	s := max(d.scale, e.scale)
	return d.rescale(s).Cmp(e.rescale(s))
}

// Equal reports whether d and e are the same number, whatever their scales. go-cmp uses it.
func (d Decimal) Equal(e Decimal) bool { return d.Cmp(e) == 0 }

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int { return d.int().Sign() }

// IsZero reports whether d is 0 (at any scale).
func (d Decimal) IsZero() bool { return d.Sign() == 0 }

// Float64 returns the float64 nearest to d. Use it for display or statistics, not for money.
func (d Decimal) Float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64) // always a valid numeral; ±Inf on overflow
	return f
}

// Add returns d + e, at the larger of the two scales: 1000.00 + 0.5 is 1000.50.
func (d Decimal) Add(e Decimal) Decimal {
	s := max(d.scale, e.scale)
	return Decimal{unscaled: new(big.Int).Add(d.rescale(s), e.rescale(s)), scale: s}
}

// Sub returns d - e, at the larger of the two scales.
func (d Decimal) Sub(e Decimal) Decimal { return d.Add(e.Neg()) }

// Neg returns -d.
func (d Decimal) Neg() Decimal {
	return Decimal{unscaled: new(big.Int).Neg(d.int()), scale: d.scale}
}

// MarshalJSON encodes d as a JSON string holding its canonical text, e.g. "1000.00", which is
// how the vendors want amounts sent.
func (d Decimal) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON decodes a JSON number (1000.00) or a string holding one ("1000.00"), keeping
// its scale. null and "" decode as 0.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	const typ, want = "scalar.Decimal", "a decimal number"
	tok, err := readToken(typ, b, want)
	if err != nil {
		return err
	}
	if tok.empty() {
		*d = Decimal{}
		return nil
	}
	v, err := parseDecimal(strings.TrimSpace(tok.text))
	if errors.Is(err, ErrTooManyDigits) {
		return newError(typ, b, want, err)
	}
	if err != nil {
		return newError(typ, b, want, nil)
	}
	*d = v
	return nil
}

// MarshalText returns the canonical text, as String does.
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses text as ParseDecimal does, except that empty text decodes as 0.
func (d *Decimal) UnmarshalText(text []byte) error {
	if len(strings.TrimSpace(string(text))) == 0 {
		*d = Decimal{}
		return nil
	}
	v, err := ParseDecimal(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
