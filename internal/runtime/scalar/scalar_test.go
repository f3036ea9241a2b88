package scalar

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// decodeCase is one JSON input and either the value it decodes to or a substring of the error.
type decodeCase[T any] struct {
	in      string
	want    T
	wantErr string
}

// runDecode decodes each case both directly and as a field inside an object, the way
// generated wire structs use the types.
func runDecode[T any](t *testing.T, cases []decodeCase[T]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			var got T
			err := json.Unmarshal([]byte(tc.in), &got)
			checkDecode(t, got, err, tc)

			var wrapped struct{ V T }
			err = json.Unmarshal([]byte(`{"V":`+tc.in+`}`), &wrapped)
			checkDecode(t, wrapped.V, err, tc)
		})
	}
}

func checkDecode[T any](t *testing.T, got T, err error, tc decodeCase[T]) {
	t.Helper()
	if tc.wantErr != "" {
		if err == nil {
			t.Fatalf("decoded %s as %v, want error containing %q", tc.in, got, tc.wantErr)
		}
		if !strings.Contains(err.Error(), tc.wantErr) {
			t.Fatalf("error %q does not contain %q", err, tc.wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("decode %s: %v", tc.in, err)
	}
	if diff := cmp.Diff(tc.want, got); diff != "" {
		t.Errorf("decode %s (-want +got):\n%s", tc.in, diff)
	}
}

func TestInt(t *testing.T) {
	runDecode(t, []decodeCase[Int]{
		{in: `42`, want: 42},
		{in: `"42"`, want: 42},
		{in: `"-7"`, want: -7},
		{in: `-7`, want: -7},
		{in: `" 12 "`, want: 12},
		{in: `"1125904357323169"`, want: 1125904357323169},
		{in: `9223372036854775807`, want: 9223372036854775807},
		{in: `"42.00"`, want: 42},
		{in: `42.0`, want: 42},
		{in: `null`, want: 0},
		{in: `""`, want: 0},
		{in: `"0"`, want: 0},
		{in: `"abc"`, wantErr: `scalar.Int: cannot decode "abc" as an integer`},
		{in: `1.5`, wantErr: `scalar.Int: cannot decode 1.5 as an integer`},
		{in: `"1.5"`, wantErr: `cannot decode "1.5" as an integer`},
		{in: `".0"`, wantErr: `as an integer`},
		{in: `1e3`, wantErr: `cannot decode 1e3 as an integer`},
		{in: `true`, wantErr: `cannot decode true as an integer`},
		{in: `{}`, wantErr: `cannot decode {} as an integer`},
		{in: `[1]`, wantErr: `cannot decode [1] as an integer`},
		{in: `9223372036854775808`, wantErr: `9223372036854775808 as an integer: value out of range`},
	})
}

func TestIntErrorType(t *testing.T) {
	var i Int
	err := json.Unmarshal([]byte(`"99999999999999999999"`), &i)
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *scalar.Error", err, err)
	}
	want := &Error{Type: "scalar.Int", Input: `"99999999999999999999"`, Want: "an integer", Err: strconv.ErrRange}
	if diff := cmp.Diff(*want, *se, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if !errors.Is(err, strconv.ErrRange) {
		t.Errorf("errors.Is(err, strconv.ErrRange) = false")
	}
}

func TestErrorInputTruncated(t *testing.T) {
	long := `"` + strings.Repeat("研", 100) + `"`
	var i Int
	err := json.Unmarshal([]byte(long), &i)
	if err == nil {
		t.Fatal("no error")
	}
	if len(err.Error()) > 150 {
		t.Errorf("error is %d bytes long: %s", len(err.Error()), err)
	}
	if !strings.Contains(err.Error(), "…") || !strings.HasPrefix(err.Error(), `scalar.Int: cannot decode "研`) {
		t.Errorf("error %q does not show the truncated input", err)
	}
	if !utf8.ValidString(err.Error()) {
		t.Errorf("error is not valid UTF-8: %q", err)
	}
}

func TestFloat(t *testing.T) {
	runDecode(t, []decodeCase[Float]{
		{in: `1.5`, want: 1.5},
		{in: `"1.5"`, want: 1.5},
		{in: `"-0.25"`, want: -0.25},
		{in: `3`, want: 3},
		{in: `"1e3"`, want: 1000},
		{in: `null`, want: 0},
		{in: `""`, want: 0},
		{in: `"abc"`, wantErr: `scalar.Float: cannot decode "abc" as a number`},
		{in: `"NaN"`, wantErr: `cannot decode "NaN" as a number`},
		{in: `"Inf"`, wantErr: `cannot decode "Inf" as a number`},
		{in: `"0x10"`, wantErr: `as a number`},
		{in: `"1_000"`, wantErr: `as a number`},
		{in: `"1e"`, wantErr: `cannot decode "1e" as a number`},
		{in: `"1e999"`, wantErr: `"1e999" as a number: value out of range`},
		{in: `false`, wantErr: `cannot decode false as a number`},
	})
}

func TestBool(t *testing.T) {
	runDecode(t, []decodeCase[Bool]{
		{in: `true`, want: true},
		{in: `false`, want: false},
		{in: `1`, want: true},
		{in: `0`, want: false},
		{in: `"1"`, want: true},
		{in: `"0"`, want: false},
		{in: `"true"`, want: true},
		{in: `"FALSE"`, want: false},
		{in: `null`, want: false},
		{in: `""`, want: false},
		{in: `2`, wantErr: `scalar.Bool: cannot decode 2 as a boolean`},
		{in: `"yes"`, wantErr: `cannot decode "yes" as a boolean`},
		{in: `[]`, wantErr: `as a boolean`},
	})
}

func TestString(t *testing.T) {
	runDecode(t, []decodeCase[String]{
		{in: `"x"`, want: "x"},
		{in: `"研发部"`, want: "研发部"},
		{in: `"a\"b\u00e9"`, want: `a"bé`},
		{in: `1125904357323169`, want: "1125904357323169"},
		{in: `4591398120721764364`, want: "4591398120721764364"},
		{in: `1.50`, want: "1.50"},
		{in: `-3`, want: "-3"},
		{in: `true`, want: "true"},
		{in: `false`, want: "false"},
		{in: `null`, want: ""},
		{in: `""`, want: ""},
		{in: `{"a":1}`, wantErr: `scalar.String: cannot decode {"a":1} as a string`},
		{in: `["x"]`, wantErr: `as a string`},
	})
}

func TestStringMarshal(t *testing.T) {
	b, err := json.Marshal(struct{ ID String }{ID: "1125904357323169"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"ID":"1125904357323169"}`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
}

func TestUnix(t *testing.T) {
	runDecode(t, []decodeCase[Unix]{
		{in: `1522405040`, want: 1522405040},
		{in: `"1522405040"`, want: 1522405040},
		{in: `0`, want: 0},
		{in: `"0"`, want: 0},
		{in: `""`, want: 0},
		{in: `null`, want: 0},
		{in: `"yesterday"`, wantErr: `scalar.Unix: cannot decode "yesterday" as unix seconds`},
		{in: `1.5`, wantErr: `scalar.Unix: cannot decode 1.5 as unix seconds`},
	})
}

func TestUnixTime(t *testing.T) {
	tests := []struct {
		u    Unix
		want time.Time
	}{
		{u: 0, want: time.Time{}},
		{u: 1522405040, want: time.Date(2018, 3, 30, 10, 17, 20, 0, time.UTC)},
		{u: -1, want: time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := tt.u.Time()
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("Unix(%d).Time() = %v, want %v", tt.u, got, tt.want)
		}
		if back := UnixOf(got); back != tt.u {
			t.Errorf("UnixOf(%v) = %d, want %d", got, back, tt.u)
		}
	}
}
