// Package record is the pipelines' record codec: records are pointers to structs whose fields
// carry the names expressions use (an expr tag); it decodes JSON lines and CSV rows into them
// with a hand-written scanner (Decoder) and writes them as JSON and CSV cells, and builds the
// struct types steps make (StructOf, Narrow). It knows nothing of pipelines or steps.
package record

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/specpipe/specpipe/internal/runtime/convert"
)

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
)

// UnixNano is t's Unix time in nanoseconds, ok false where that does not fit (before 1678 or
// after 2262, where time.Time.UnixNano is undefined). It is cheaper than UnixNano: seconds and
// nanoseconds.
func UnixNano(t time.Time) (n int64, ok bool) {
	const minSec, maxSec = math.MinInt64/int64(time.Second) + 1, math.MaxInt64/int64(time.Second) - 1
	sec := t.Unix()
	if sec <= minSec || sec >= maxSec {
		return 0, false
	}
	return sec*int64(time.Second) + int64(t.Nanosecond()), true
}

// Map turns a struct record (or a pointer to one) into a map by the names expressions use,
// for JSON; other values are returned as they are.
func Map(rec any) any {
	v := reflect.ValueOf(rec)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type() == timeType {
		return rec
	}
	m := make(map[string]any, v.NumField())
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && fv.Type() != timeType || fv.Kind() == reflect.Pointer {
			m[FieldName(f)] = Map(fv.Interface())
			continue
		}
		m[FieldName(f)] = fv.Interface()
	}
	return m
}

// Field returns the field of a struct record with the given expression name.
func Field(rec any, name string) (any, bool) {
	v := reflect.ValueOf(rec)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, false
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() && FieldName(f) == name {
			return v.Field(i).Interface(), true
		}
	}
	return nil, false
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

// AppendJSON appends v as JSON: times as RFC 3339 in their own zone, durations as Go
// durations ("1h30m0s"), structs by expression names in field order.
func AppendJSON(b []byte, v reflect.Value) []byte {
	switch v.Kind() {
	case reflect.String:
		return AppendJSONString(b, v.String())
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Type() == durationType {
			return AppendJSONString(b, time.Duration(v.Int()).String())
		}
		return strconv.AppendInt(b, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(b, v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if f != f || f > 1e300 || f < -1e300 {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return append(b, "null"...)
		}
		return AppendJSON(b, v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			if t.IsZero() {
				return append(b, `""`...)
			}
			b = append(b, '"')
			b = t.AppendFormat(b, time.RFC3339)
			return append(b, '"')
		}
		if v.Type().Implements(marshalerType) { // asked of the type: boxing the struct allocates
			break
		}
		b = append(b, '{')
		t := v.Type()
		first := true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = AppendJSONString(b, FieldName(f))
			b = append(b, ':')
			b = AppendJSON(b, v.Field(i))
		}
		return append(b, '}')
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			break // []byte, json.RawMessage
		}
		if v.IsNil() {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSON(b, v.Index(i))
		}
		return append(b, ']')
	}
	out, err := json.Marshal(v.Interface())
	if err != nil {
		return AppendJSONString(b, err.Error())
	}
	return append(b, out...)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Text shows a value in a CSV cell.
func Text(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		return Text(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			if t.IsZero() {
				return ""
			}
			return t.Format(time.RFC3339)
		}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Bool:
		if v.Type() == durationType {
			return time.Duration(v.Int()).String()
		}
		s, _ := convert.String(v.Interface())
		return s
	}
	return string(AppendJSON(nil, v))
}

// FieldName is the name expressions use for struct field f: its expr tag, else its Go name.
func FieldName(f reflect.StructField) string {
	if n, _, _ := strings.Cut(f.Tag.Get("expr"), ","); n != "" {
		return n
	}
	return f.Name
}

// FieldNames lists the names expressions use for the exported fields of struct t, in order.
func FieldNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		out = append(out, FieldName(f))
	}
	return out
}

// ExportedIndex is the field index of the i-th exported field of struct t.
func ExportedIndex(t reflect.Type, i int) int {
	n := 0
	for j := 0; j < t.NumField(); j++ {
		if t.Field(j).IsExported() {
			if n == i {
				return j
			}
			n++
		}
	}
	return i
}

// StructOf builds a record type with the given field names and types, in order; expressions
// and outputs see the names.
func StructOf(names []string, types []reflect.Type) reflect.Type {
	fields := make([]reflect.StructField, len(names))
	for i, n := range names {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("F%d", i),
			Type: types[i],
			Tag:  reflect.StructTag(fmt.Sprintf(`expr:"%s" json:"%s"`, n, n)),
		}
	}
	return reflect.StructOf(fields)
}

// Narrow is struct t with only the fields (by expression name) in keep, tags kept.
func Narrow(t reflect.Type, keep []string) reflect.Type {
	var fields []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.IsExported() && slices.Contains(keep, FieldName(f)) {
			fields = append(fields, reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag})
		}
	}
	return reflect.StructOf(fields)
}
