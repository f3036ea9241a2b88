package record

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/specpipe/specpipe/internal/runtime/convert"
	"github.com/specpipe/specpipe/internal/runtime/scalar"
)

// The helpers below are the decoder's helpers as they were when refDecodeJSON was frozen
// (before the decoder scanned keys and strings by words). refDecodeJSON uses them, not the
// decoder's current ones, so that the reference keeps its semantics and its cost: the "before"
// sub-benchmark of BenchmarkDecodeJSON stays a fixed yardstick however the decoder changes.

func refSkipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// refScanString scans the JSON string starting at b[i] == '"': its content is b[s:e] and b[e]
// is the closing quote; esc reports escapes in it.
func refScanString(b []byte, i int) (s, e int, esc bool, err error) {
	s = i + 1
	high := false
	for j := s; j < len(b); j++ {
		switch c := b[j]; {
		case c == '\\':
			esc = true
			j++
		case c == '"':
			// Invalid UTF-8 goes the escaped way, which replaces it with U+FFFD as
			// encoding/json does.
			if high && !esc && !utf8.Valid(b[s:j]) {
				esc = true
			}
			return s, j, esc, nil
		case c >= utf8.RuneSelf:
			high = true
		}
	}
	return 0, 0, false, errUnterminated
}

// refSkipNested returns the index after the object or array starting at b[i].
func refSkipNested(b []byte, i int) (int, error) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			_, e, _, err := refScanString(b, j)
			if err != nil {
				return 0, err
			}
			j = e
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: unterminated object or list", errSyntax)
}

// refSet converts text into the field at base+fd.off. text may alias the input line (owned is
// false), so strings are copied.
func (d *Decoder) refSet(base unsafe.Pointer, fd *fieldDec, text string, owned bool, in *Interner) error {
	ptr := unsafe.Add(base, fd.off)
	switch fd.kind {
	case decString:
		switch {
		case owned:
			*(*string)(ptr) = text
		default:
			*(*string)(ptr) = in.refStr(text)
		}
		return nil
	}
	t := strings.TrimSpace(text)
	if t == "" {
		return nil
	}
	switch fd.kind {
	case decInt64, decInt32:
		n, err := refParseInt(t)
		if err != nil {
			v, cerr := convert.Int(t)
			if cerr != nil {
				return fmt.Errorf("%s: want a whole number, got %q", fd.name, t)
			}
			n = v
		}
		if fd.kind == decInt32 {
			*(*int32)(ptr) = int32(n)
		} else {
			*(*int64)(ptr) = n
		}
	case decFloat64:
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return fmt.Errorf("%s: want a number, got %q", fd.name, t)
		}
		*(*float64)(ptr) = f
	case decBool:
		v, err := convert.Bool(t)
		if err != nil {
			return fmt.Errorf("%s: %v", fd.name, err)
		}
		*(*bool)(ptr) = v
	case decTime:
		tm, err := d.refParseTime(t)
		if err != nil {
			return fmt.Errorf("%s: %v", fd.name, err)
		}
		*(*time.Time)(ptr) = tm
	case decDuration:
		if n, err := refParseInt(t); err == nil {
			*(*time.Duration)(ptr) = time.Duration(n) * time.Second
			return nil
		}
		dur, err := time.ParseDuration(t)
		if err != nil {
			return fmt.Errorf("%s: want a duration, got %q", fd.name, t)
		}
		*(*time.Duration)(ptr) = dur
	case decOther:
		v := reflect.NewAt(fd.typ, ptr).Interface()
		if err := json.Unmarshal([]byte(strconv.Quote(t)), v); err != nil {
			if err2 := json.Unmarshal([]byte(t), v); err2 != nil {
				return fmt.Errorf("%s: %v", fd.name, err)
			}
		}
	}
	return nil
}

// refParseTime reads unix seconds ("1763600000"), a date or a date and time in the decoder's
// zone.
func (d *Decoder) refParseTime(t string) (time.Time, error) {
	if n, err := refParseInt(t); err == nil {
		if n == 0 {
			return time.Time{}, nil
		}
		return time.Unix(n, 0).In(d.loc), nil
	}
	if t == "0000-00-00" || t == "0000-00-00 00:00:00" {
		return time.Time{}, nil
	}
	if len(t) <= 10 {
		return scalar.ParseDate(t, d.loc)
	}
	return scalar.ParseDateTime(t, d.loc)
}

// refParseInt parses a decimal integer without allocating.
func refParseInt(s string) (int64, error) {
	if s == "" || len(s) > 18 {
		return 0, errNotInt
	}
	neg := false
	i := 0
	if s[0] == '-' {
		neg, i = true, 1
		if len(s) == 1 {
			return 0, errNotInt
		}
	}
	var n int64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errNotInt
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// refStr is Interner.str as it was: a maphash of every string, compared with the slot's
// string.
func (in *Interner) refStr(s string) string {
	if in == nil || len(s) > maxInternedLen {
		return strings.Clone(s)
	}
	if in.cache == nil {
		in.cache = make([]internSlot, internSlots)
	}
	slot := &in.cache[maphash.String(in.seed, s)&(internSlots-1)]
	if slot.s == s {
		return slot.s
	}
	c := strings.Clone(s)
	*slot = internSlot{s: c}
	return c
}
