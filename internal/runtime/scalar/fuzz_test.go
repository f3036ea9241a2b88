package scalar

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzDecode feeds arbitrary JSON to every lenient decoder: none panics, every failure is an
// *Error that quotes a bounded part of the input, and what decodes keeps its promises (a
// Decimal round-trips exactly with its scale, a Float is finite, an accepted Int is what the
// number says).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`42`, `"42"`, `-7`, `"42.00"`, `42.5`, `null`, `""`, `"1000.00"`, `1.5e3`, `"1e999999999"`,
		`true`, `"0"`, `"TRUE"`, `[1]`, `{"a":1}`, `"\u00e9"`, `1125904357323169`, `"-0.00"`, `9223372036854775808`,
		`"` + strings.Repeat("9", 1001) + `"`, `"1E+2"`, `" 7 "`, `"0x10"`, `"NaN"`, `1e400`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(typ string, err error) {
			if err == nil {
				return
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("%s: error %T %v is not a *scalar.Error", typ, err, err)
			}
			if se.Type != typ || len(se.Input) > maxInput+len("…") {
				t.Fatalf("%s: error %+v", typ, se)
			}
		}
		var i Int
		check("scalar.Int", i.UnmarshalJSON(b))
		var fl Float
		err := fl.UnmarshalJSON(b)
		check("scalar.Float", err)
		if err == nil && (math.IsNaN(float64(fl)) || math.IsInf(float64(fl), 0)) {
			t.Fatalf("Float decoded %s as %v", b, fl)
		}
		var bo Bool
		check("scalar.Bool", bo.UnmarshalJSON(b))
		var s String
		check("scalar.String", s.UnmarshalJSON(b))
		var u Unix
		check("scalar.Unix", u.UnmarshalJSON(b))
		var d Decimal
		err = d.UnmarshalJSON(b)
		check("scalar.Decimal", err)
		if err != nil {
			return
		}
		j, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back Decimal
		if err := json.Unmarshal(j, &back); err != nil || back.Cmp(d) != 0 || back.Scale() != d.Scale() || back.String() != d.String() {
			t.Fatalf("Decimal %s → %s → %v (%v)", b, j, back, err)
		}
	})
}

// FuzzParseDecimal: ParseDecimal never panics, refuses long input at once, and what it
// accepts prints back as text it parses to the same number and scale.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1000.00", "-3.5", "+7", ".5", "1.5e3", "125e-2", "1e-1000", "1e1000", "0.00",
		strings.Repeat("1", MaxDigits), strings.Repeat("1", MaxDigits+1), "1e", "--1", "1,0", " 12.30 ", "9" + strings.Repeat("0", 999) + "e1000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		d, err := ParseDecimal(s)
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("ParseDecimal of %d bytes took %v", len(s), el)
		}
		if err != nil {
			// The message quotes at most maxInput bytes of the input, each at most 4
			// characters when escaped.
			if !strings.HasPrefix(err.Error(), "scalar.Decimal: cannot parse ") || len(err.Error()) > 4*maxInput+100 {
				t.Fatalf("error %q", err)
			}
			return
		}
		back, err := ParseDecimal(d.String())
		if err != nil || back.Cmp(d) != 0 || back.Scale() != d.Scale() {
			t.Fatalf("%q → %s → %v, %v", s, d, back, err)
		}
		if sum := d.Add(d.Neg()); !sum.IsZero() {
			t.Fatalf("%s - %s = %s", d, d, sum)
		}
	})
}

// FuzzParseTime: the date and time parsers never panic, and what they accept formats back to
// the same instant.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-10-15", "2026-10-15 09:00:00", "2026-10-15T09:00", "2026-10-15T09:00:00+0800",
		"2026-10-15T09:00:00.5Z", "2026-10-15 09:00:00+13:00", "09:00", "9:00", "24:00", "23:59:59", "24:01", "2026-02-30", ""} {
		f.Add(s)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tm, err := ParseDateTime(s, shanghai); err == nil {
			// With the offset's seconds: before 1901 Shanghai's local mean time is +08:05:43.
			const layout = "2006-01-02T15:04:05.999999999Z07:00:00"
			back, err := time.Parse(layout, tm.Format(layout))
			if err != nil || !back.Equal(tm) {
				t.Fatalf("ParseDateTime(%q) = %v; round trip %v, %v", s, tm, back, err)
			}
		}
		if tm, err := ParseDate(s, shanghai); err == nil {
			if back, err := ParseDate(FormatDate(tm), shanghai); err != nil || !back.Equal(tm) {
				t.Fatalf("ParseDate(%q) = %v; round trip %v, %v", s, tm, back, err)
			}
		}
		if d, err := ParseTimeOfDay(s); err == nil && (d < 0 || d > 24*time.Hour) {
			t.Fatalf("ParseTimeOfDay(%q) = %v", s, d)
		}
	})
}
