package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/scalar"
)

func TestCSVCell(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"text", "研发部", "研发部"},
		{"formula", "=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"plus", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage return", "\r=1", "'\r=1"},
		{"negative number as text", "-3.5", "-3.5"},
		{"signed number as text", "+12", "+12"},
		{"exponent as text", "-1e5", "-1e5"},
		{"negative float", -3.5, "-3.5"},
		{"negative int", -42, "-42"},
		{"a minus alone", "-", "'-"},
		{"NUL", "a\x00b", "ab"},
		{"NUL before a formula", "\x00=1", "'=1"},
		{"decimal", scalar.MustDecimal("0.00"), "0.00"},
		{"negative decimal", scalar.MustDecimal("-12.50"), "-12.50"},
		{"time", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), "2026-11-20T09:00:00Z"},
		{"duration", 90 * time.Minute, "1h30m0s"},
	}
	for _, tt := range tests {
		if got := CSVCell(reflect.ValueOf(tt.v)); got != tt.want {
			t.Errorf("%s: CSVCell(%#v) = %q, want %q", tt.name, tt.v, got, tt.want)
		}
	}
}

func TestCSVValue(t *testing.T) {
	type inner struct{ A int }
	tests := []struct {
		v    any
		want bool
	}{
		{"x", true}, {1, true}, {2.5, true}, {true, true}, {time.Time{}, true}, {time.Second, true},
		{scalar.Decimal{}, true}, {new(string), true},
		{[]string{"a"}, false}, {map[string]int{}, false}, {inner{}, false}, {&inner{}, false},
	}
	for _, tt := range tests {
		if got := CSVValue(reflect.TypeOf(tt.v)); got != tt.want {
			t.Errorf("CSVValue(%T) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
