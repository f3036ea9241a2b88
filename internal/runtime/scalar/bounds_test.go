package scalar

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDecimalDigitsCapped: a decimal with a million digits (whose parse costs more than
// linear time) is refused quickly with an error that says why, from text and from JSON.
func TestDecimalDigitsCapped(t *testing.T) {
	long := strings.Repeat("9", 1_000_000)
	for _, in := range []string{long, "0." + long, long + ".5", "-" + long + "e-5", strings.Repeat("1", MaxDigits+1)} {
		start := time.Now()
		_, err := ParseDecimal(in)
		if err == nil || !strings.Contains(err.Error(), "digits") || !errors.Is(err, ErrTooManyDigits) {
			t.Errorf("ParseDecimal(%d characters) = %v, want an error about its digits", len(in), err)
		}
		var d Decimal
		err = json.Unmarshal([]byte(`"`+in+`"`), &d)
		if err == nil || !strings.Contains(err.Error(), "digits") || !errors.Is(err, ErrTooManyDigits) {
			t.Errorf("UnmarshalJSON(%d characters) = %v, want an error about its digits", len(in), err)
		}
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("error of %d characters quotes too much", len(err.Error()))
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("refusing %d characters took %v", len(in), d)
		}
	}
	ok := strings.Repeat("1", MaxDigits)
	if d, err := ParseDecimal(ok); err != nil || d.String() != ok {
		t.Errorf("ParseDecimal(%d digits) = %v, %v", MaxDigits, d, err)
	}
}
