// Package convert turns loosely typed values (from YAML, JSON, command lines and expressions) into
// the Go types of generated parameter structs. Every function names what it wanted in its error.
package convert

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/scalar"
)

// Int accepts integers of any Go type, whole floats and numeric strings.
func Int(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, fmt.Errorf("%d is too large", x)
		}
		return int64(x), nil
	case uint:
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) || math.IsNaN(x) {
			return 0, fmt.Errorf("want a whole number, got %v", x)
		}
		return int64(x), nil
	case json.Number:
		return x.Int64()
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("want a whole number, got %q", x)
		}
		return n, nil
	case bool:
		return 0, fmt.Errorf("want a whole number, got %v", x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.String:
		return Int(rv.String())
	}
	return 0, fmt.Errorf("want a whole number, got %T", v)
}

// Float accepts numbers and numeric strings.
func Float(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("want a number, got %q", x)
		}
		return f, nil
	}
	n, err := Int(v)
	return float64(n), err
}

// String accepts strings, numbers (as written) and booleans.
func String(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int, int64, int32, uint, uint64, json.Number:
		return fmt.Sprint(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	}
	return "", fmt.Errorf("want text, got %T", v)
}

// Bool accepts booleans, 0/1 and the strings true/false/1/0/yes/no.
func Bool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1", "yes":
			return true, nil
		case "false", "0", "no", "":
			return false, nil
		}
		return false, fmt.Errorf("want true or false, got %q", x)
	}
	n, err := Int(v)
	if err != nil || (n != 0 && n != 1) {
		return false, fmt.Errorf("want true or false, got %v", v)
	}
	return n == 1, nil
}

// Decimal accepts decimal strings and numbers.
func Decimal(v any) (scalar.Decimal, error) {
	switch x := v.(type) {
	case scalar.Decimal:
		return x, nil
	case float64:
		return scalar.ParseDecimal(strconv.FormatFloat(x, 'f', -1, 64))
	}
	s, err := String(v)
	if err != nil {
		return scalar.Decimal{}, fmt.Errorf("want a decimal amount such as \"100.00\", got %T", v)
	}
	return scalar.ParseDecimal(s)
}

// Date accepts a time.Time (its calendar day in loc) or "2006-01-02".
func Date(v any, loc *time.Location) (time.Time, error) {
	if t, ok := v.(time.Time); ok {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
	}
	s, err := String(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a date such as 2026-11-20, got %T", v)
	}
	t, err := scalar.ParseDate(strings.TrimSpace(s), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a date such as 2026-11-20, got %q", s)
	}
	return t, nil
}

// DateTime accepts a time.Time, unix seconds, or the datetime forms scalar.ParseDateTime knows.
func DateTime(v any, loc *time.Location) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case int, int64, float64:
		n, err := Int(x)
		if err != nil {
			return time.Time{}, err
		}
		return time.Unix(n, 0).In(loc), nil
	}
	s, err := String(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a date and time such as 2026-11-20 09:00:00, got %T", v)
	}
	t, err := scalar.ParseDateTime(strings.TrimSpace(s), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a date and time such as 2026-11-20 09:00:00, got %q", s)
	}
	return t, nil
}

// List applies one to each element of a list (a single value becomes a list of one).
func List[T any](v any, one func(any) (T, error)) ([]T, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.Type().Elem().Kind() == reflect.Uint8 {
		x, err := one(v)
		if err != nil {
			return nil, err
		}
		return []T{x}, nil
	}
	out := make([]T, rv.Len())
	for i := range out {
		x, err := one(rv.Index(i).Interface())
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out[i] = x
	}
	return out, nil
}

// JSON converts v into out (a pointer) through JSON, for object-valued parameters.
func JSON(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("want a JSON-like value: %w", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("want %s: %w", reflect.TypeOf(out).Elem(), err)
	}
	return nil
}
