package scalar

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in      string
		want    string // String() of the result
		wantErr bool
	}{
		{in: "1000.00", want: "1000.00"},
		{in: "0", want: "0"},
		{in: "0.00", want: "0.00"},
		{in: "-3.5", want: "-3.5"},
		{in: "+7", want: "7"},
		{in: "-0", want: "0"},
		{in: "-0.00", want: "0.00"},
		{in: "0.125", want: "0.125"},
		{in: "0.05", want: "0.05"},
		{in: "-0.05", want: "-0.05"},
		{in: ".5", want: "0.5"},
		{in: "007.10", want: "7.10"},
		{in: " 12.30 ", want: "12.30"},
		{in: "1.5e3", want: "1500"},
		{in: "1E+2", want: "100"},
		{in: "125e-2", want: "1.25"},
		{in: "1.50e-1", want: "0.150"},
		{in: "123456789012345678901234567890.12", want: "123456789012345678901234567890.12"},
		{in: "", wantErr: true},
		{in: "abc", wantErr: true},
		{in: "1.2.3", wantErr: true},
		{in: "5.", wantErr: true},
		{in: ".", wantErr: true},
		{in: "-", wantErr: true},
		{in: "1,000.00", wantErr: true},
		{in: "1e", wantErr: true},
		{in: "e5", wantErr: true},
		{in: "NaN", wantErr: true},
		{in: "Inf", wantErr: true},
		{in: "0x10", wantErr: true},
		{in: "1e999999999", wantErr: true},
		{in: "1e-5000", wantErr: true},
		{in: "--1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := ParseDecimal(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDecimal(%q) = %s, want error", tt.in, d)
				}
				if !strings.HasPrefix(err.Error(), "scalar.Decimal: cannot parse ") {
					t.Errorf("error %q lacks the type prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDecimal(%q): %v", tt.in, err)
			}
			if got := d.String(); got != tt.want {
				t.Errorf("ParseDecimal(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecimalZeroValue(t *testing.T) {
	var d Decimal
	if got := d.String(); got != "0" {
		t.Errorf("zero String() = %q, want 0", got)
	}
	if !d.IsZero() || d.Sign() != 0 || d.Float64() != 0 {
		t.Errorf("zero value: IsZero=%v Sign=%d Float64=%v", d.IsZero(), d.Sign(), d.Float64())
	}
	if d.Cmp(MustDecimal("0.00")) != 0 {
		t.Errorf("zero value differs from 0.00")
	}
	if got := d.Add(MustDecimal("1.5")).String(); got != "1.5" {
		t.Errorf("0 + 1.5 = %s", got)
	}
	b, err := json.Marshal(d)
	if err != nil || string(b) != `"0"` {
		t.Errorf("Marshal(zero) = %s, %v; want \"0\"", b, err)
	}
}

func TestDecimalArithmetic(t *testing.T) {
	tests := []struct {
		a, b     string
		sum, dif string
		cmp      int
	}{
		{a: "1000.00", b: "0.5", sum: "1000.50", dif: "999.50", cmp: 1},
		{a: "0.1", b: "0.2", sum: "0.3", dif: "-0.1", cmp: -1},
		{a: "1.50", b: "1.5", sum: "3.00", dif: "0.00", cmp: 0},
		{a: "-3.5", b: "3.5", sum: "0.0", dif: "-7.0", cmp: -1},
		{a: "0", b: "-0.01", sum: "-0.01", dif: "0.01", cmp: 1},
		{a: "99999999999999999999.99", b: "0.01", sum: "100000000000000000000.00", dif: "99999999999999999999.98", cmp: 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_"+tt.b, func(t *testing.T) {
			a, b := MustDecimal(tt.a), MustDecimal(tt.b)
			if got := a.Add(b).String(); got != tt.sum {
				t.Errorf("%s + %s = %s, want %s", tt.a, tt.b, got, tt.sum)
			}
			if got := a.Sub(b).String(); got != tt.dif {
				t.Errorf("%s - %s = %s, want %s", tt.a, tt.b, got, tt.dif)
			}
			if got := a.Cmp(b); got != tt.cmp {
				t.Errorf("Cmp(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.cmp)
			}
			if got := b.Cmp(a); got != -tt.cmp {
				t.Errorf("Cmp(%s, %s) = %d, want %d", tt.b, tt.a, got, -tt.cmp)
			}
			if got := a.Equal(b); got != (tt.cmp == 0) {
				t.Errorf("Equal(%s, %s) = %v", tt.a, tt.b, got)
			}
			// Operands are not modified.
			if a.String() != MustDecimal(tt.a).String() || b.String() != MustDecimal(tt.b).String() {
				t.Errorf("operands changed: %s, %s", a, b)
			}
		})
	}
}

func TestDecimalImmutableCopies(t *testing.T) {
	a := MustDecimal("1.00")
	b := a
	_ = b.Add(MustDecimal("5")) // must not touch the shared value
	_ = b.Neg()
	if a.String() != "1.00" || b.String() != "1.00" {
		t.Errorf("a=%s b=%s, want 1.00", a, b)
	}
}

func TestNewDecimal(t *testing.T) {
	tests := []struct {
		unscaled int64
		scale    int32
		want     string
	}{
		{100050, 2, "1000.50"},
		{-5, 1, "-0.5"},
		{5, -2, "500"},
		{0, 2, "0.00"},
		{7, 0, "7"},
	}
	for _, tt := range tests {
		if got := NewDecimal(tt.unscaled, tt.scale).String(); got != tt.want {
			t.Errorf("NewDecimal(%d, %d) = %s, want %s", tt.unscaled, tt.scale, got, tt.want)
		}
	}
}

func TestDecimalFloat64(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"1000.00", 1000},
		{"-3.5", -3.5},
		{"0.1", 0.1},
		{"1e400", math.Inf(1)},
	}
	for _, tt := range tests {
		if got := MustDecimal(tt.in).Float64(); got != tt.want {
			t.Errorf("Float64(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDecimalJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    string // String() after decoding
		wantOut string // MarshalJSON after decoding
		wantErr string
	}{
		{in: `"1000.00"`, want: "1000.00", wantOut: `"1000.00"`},
		{in: `1000.00`, want: "1000.00", wantOut: `"1000.00"`},
		{in: `"0"`, want: "0", wantOut: `"0"`},
		{in: `-3.5`, want: "-3.5", wantOut: `"-3.5"`},
		{in: `0.1`, want: "0.1", wantOut: `"0.1"`},
		{in: `1e2`, want: "100", wantOut: `"100"`},
		{in: `null`, want: "0", wantOut: `"0"`},
		{in: `""`, want: "0", wantOut: `"0"`},
		{in: `"abc"`, wantErr: `scalar.Decimal: cannot decode "abc" as a decimal number`},
		{in: `true`, wantErr: `scalar.Decimal: cannot decode true as a decimal number`},
		{in: `{}`, wantErr: `as a decimal number`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var v struct {
				Quota Decimal `json:"total_quota"`
			}
			err := json.Unmarshal([]byte(`{"total_quota":`+tt.in+`}`), &v)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Quota.String(); got != tt.want {
				t.Errorf("decoded %s, want %s", got, tt.want)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(out), `{"total_quota":`+tt.wantOut+`}`; got != want {
				t.Errorf("Marshal = %s, want %s", got, want)
			}
		})
	}
}

func TestDecimalText(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "1000.00", want: "1000.00"},
		{in: "", want: "0"},
		{in: "-0.5", want: "-0.5"},
		{in: "x", wantErr: true},
	}
	for _, tt := range tests {
		var d Decimal
		err := d.UnmarshalText([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Fatalf("UnmarshalText(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
		}
		if tt.wantErr {
			continue
		}
		out, _ := d.MarshalText()
		if string(out) != tt.want {
			t.Errorf("UnmarshalText(%q) then MarshalText = %q, want %q", tt.in, out, tt.want)
		}
	}
	// As a map key, encoding/json uses the TextMarshaler.
	b, err := json.Marshal(map[Decimal]int{MustDecimal("1.50"): 1})
	if err != nil || string(b) != `{"1.50":1}` {
		t.Errorf("Marshal(map) = %s, %v", b, err)
	}
}

func TestDecimalCmpEqual(t *testing.T) {
	// go-cmp uses Decimal.Equal, so structs holding Decimals can be diffed without options.
	type row struct{ Amount Decimal }
	if diff := cmp.Diff(row{MustDecimal("1.5")}, row{MustDecimal("1.50")}); diff != "" {
		t.Errorf("1.5 and 1.50 differ under cmp:\n%s", diff)
	}
	if diff := cmp.Diff(row{MustDecimal("1.5")}, row{MustDecimal("1.51")}); diff == "" {
		t.Error("1.5 and 1.51 are equal under cmp")
	}
}

func TestMustDecimalPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustDecimal(\"x\") did not panic")
		}
	}()
	MustDecimal("x")
}
