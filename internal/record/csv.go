package record

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
)

var (
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	stringerType      = reflect.TypeFor[fmt.Stringer]()
)

// CSVValue reports whether values of t are one value in a CSV cell: text, numbers, booleans,
// times, durations, and types that show themselves as text (a decimal). Lists and objects are
// not: a column puts them as JSON only when it asks (toJSON(...)).
func CSVValue(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType || t.Implements(textMarshalerType) || t.Implements(stringerType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	case reflect.Interface:
		// A value whose type only the record knows (an expression of type any, a field whose
		// expression did not compile): it is shown as CSVCell shows it.
		return true
	}
	return false
}

// CSVCell shows v in a CSV cell, safe to open in a spreadsheet: numbers and decimals as plain
// values (0.00), and text that a spreadsheet would run as a formula (it starts with = + - @, a
// tab or a carriage return, and is not a plain number such as -3.5) gets a leading single
// quote, as OWASP advises against CSV injection. NUL bytes are dropped.
func CSVCell(v reflect.Value) string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	var s string
	switch {
	case v.Type() != timeType && v.Kind() == reflect.Struct && v.Type().Implements(textMarshalerType):
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			b = []byte(err.Error())
		}
		s = string(b)
	case v.Type() != timeType && v.Kind() == reflect.Struct && v.Type().Implements(stringerType):
		s = v.Interface().(fmt.Stringer).String()
	default:
		s = Text(v)
	}
	s = strings.ReplaceAll(s, "\x00", "")
	if v.Kind() == reflect.String && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && !plainNumber(s) {
		return "'" + s
	}
	return s
}

// plainNumber reports whether s is a decimal number: an optional sign, digits with at most one
// point, and an optional exponent.
func plainNumber(s string) bool {
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	digits, point := 0, false
	for _, c := range mant {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !point:
			point = true
		default:
			return false
		}
	}
	if digits == 0 {
		return false
	}
	if !hasExp {
		return true
	}
	if exp != "" && (exp[0] == '+' || exp[0] == '-') {
		exp = exp[1:]
	}
	if exp == "" {
		return false
	}
	for _, c := range exp {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
