package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/specpipe/specpipe/internal/runtime/convert"
	"github.com/specpipe/specpipe/internal/runtime/scalar"
)

// Decoder decodes JSON lines and CSV rows into new records of one struct type, leniently
// (numbers may arrive as strings, times as unix seconds or dates), converting only the fields
// the pipeline's expressions read. Fields are set through their offsets, without reflection per
// value, so a million-line file streams with few allocations besides the strings themselves.
type Decoder struct {
	t      reflect.Type
	loc    *time.Location
	fields map[string]*fieldDec // by wire name
	// keys lists fields by wire name too, for a JSON key's lookup: a few keys compared by
	// length and bytes beat hashing each key of each line.
	keys []keyDec
}

type keyDec struct {
	name string
	fd   *fieldDec
}

// maxLinear is how many keys lookup compares one by one before it hashes.
const maxLinear = 16

// lookup finds the field of a JSON key, nil when the decoder does not decode it.
func (d *Decoder) lookup(key []byte) *fieldDec {
	if len(d.keys) > maxLinear {
		return d.fields[string(key)]
	}
	for i := range d.keys {
		if k := &d.keys[i]; len(k.name) == len(key) && k.name == string(key) {
			return k.fd
		}
	}
	return nil
}

type decKind int

const (
	decString decKind = iota
	decInt64
	decInt32
	decFloat64
	decBool
	decTime
	decDuration
	decOther
)

type fieldDec struct {
	name string
	off  uintptr
	kind decKind
	typ  reflect.Type
}

func NewDecoder(t reflect.Type, loc *time.Location, want func(string) bool) *Decoder {
	d := &Decoder{t: t, loc: loc, fields: map[string]*fieldDec{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := FieldName(f)
		if !want(name) {
			continue
		}
		fd := &fieldDec{name: name, off: f.Offset, typ: f.Type, kind: decOther}
		switch {
		case f.Type == timeType:
			fd.kind = decTime
		case f.Type == durationType:
			fd.kind = decDuration
		case f.Type.Kind() == reflect.String:
			fd.kind = decString
		case f.Type.Kind() == reflect.Int64 || f.Type.Kind() == reflect.Int:
			fd.kind = decInt64
		case f.Type.Kind() == reflect.Int32:
			fd.kind = decInt32
		case f.Type.Kind() == reflect.Float64:
			fd.kind = decFloat64
		case f.Type.Kind() == reflect.Bool:
			fd.kind = decBool
		}
		d.fields[name] = fd
		if jn, _, _ := strings.Cut(f.Tag.Get("json"), ","); jn != "" && jn != "-" && jn != name {
			d.fields[jn] = fd
		}
	}
	for name, fd := range d.fields {
		d.keys = append(d.keys, keyDec{name: name, fd: fd})
	}
	slices.SortFunc(d.keys, func(a, b keyDec) int { return strings.Compare(a.name, b.name) })
	return d
}

var (
	errSyntax       = errors.New("not a JSON object")
	errUnterminated = fmt.Errorf("%w: unterminated string", errSyntax)
)

// DecodeJSON decodes one JSON object into a new record (a pointer to the struct).
func (d *Decoder) DecodeJSON(b []byte, in *Interner) (any, error) {
	p := reflect.New(d.t)
	base := p.UnsafePointer()
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, errSyntax
	}
	i++
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return nil, errSyntax
		}
		if b[i] == '}' {
			break
		}
		if b[i] != '"' {
			return nil, fmt.Errorf("%w: want a key at byte %d", errSyntax, i+1)
		}
		ks, ke, kesc, err := scanString(b, i)
		if err != nil {
			return nil, err
		}
		var fd *fieldDec
		if kesc {
			s, err := unquote(b[i : ke+1])
			if err != nil {
				return nil, err
			}
			fd = d.fields[s]
		} else {
			fd = d.lookup(b[ks:ke])
		}
		i = skipWS(b, ke+1)
		if i >= len(b) || b[i] != ':' {
			return nil, fmt.Errorf("%w: want : at byte %d", errSyntax, i+1)
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return nil, errSyntax
		}
		if fd == nil {
			// A value the decoder does not decode is only skipped.
			if i, err = skipValue(b, i); err != nil {
				return nil, err
			}
		} else if i, err = d.value(b, i, base, fd, in); err != nil {
			return nil, err
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == '}' {
			break
		}
		return nil, fmt.Errorf("%w: want , or } at byte %d", errSyntax, i+1)
	}
	return p.Interface(), nil
}

// value decodes the value at b[i] into the field fd of the record at base and returns the index
// after it.
func (d *Decoder) value(b []byte, i int, base unsafe.Pointer, fd *fieldDec, in *Interner) (int, error) {
	vstart := i
	var raw []byte
	isStr, esc := false, false
	switch b[i] {
	case '"':
		s, e, hasEsc, err := scanString(b, i)
		if err != nil {
			return i, err
		}
		raw, isStr, esc = b[s:e], true, hasEsc
		i = e + 1
	case '{', '[':
		e, err := skipNested(b, i)
		if err != nil {
			return i, err
		}
		raw = b[i:e]
		i = e
	default:
		e := scalarEnd(b, i)
		raw = b[i:e]
		i = e
	}
	text := ""
	switch {
	case esc:
		var err error
		if text, err = unquote(b[vstart:i]); err != nil {
			return i, fmt.Errorf("%s: %w", fd.name, err)
		}
	case !isStr && string(raw) == "null":
		return i, nil // null leaves the field as it is, as encoding/json does
	case fd.kind == decOther && !isStr:
		if err := json.Unmarshal(raw, reflect.NewAt(fd.typ, unsafe.Add(base, fd.off)).Interface()); err != nil {
			return i, fmt.Errorf("%s: %w", fd.name, err)
		}
		return i, nil
	default:
		text = unsafeString(raw)
	}
	return i, d.set(base, fd, text, esc, in)
}

// skipValue returns the index after the value at b[i], failing where DecodeJSON fails on it.
func skipValue(b []byte, i int) (int, error) {
	switch b[i] {
	case '"':
		// The closing quote is the first one after an even number of backslashes.
		for j := i + 1; ; {
			q := bytes.IndexByte(b[j:], '"')
			if q < 0 {
				return i, errUnterminated
			}
			j += q
			bs := 0
			for k := j - 1; k > i && b[k] == '\\'; k-- {
				bs++
			}
			if bs%2 == 0 {
				return j + 1, nil
			}
			j++
		}
	case '{', '[':
		return skipNested(b, i)
	}
	return scalarEnd(b, i), nil
}

// scalarEnd is the index after the bare scalar (number, true, false, null) at b[i].
func scalarEnd(b []byte, i int) int {
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ' ' && b[i] != '\t' && b[i] != '\r' {
		i++
	}
	return i
}

// unquote decodes a JSON string with escapes (kept out of the loop so that only escaped strings
// pay for a heap variable).
func unquote(b []byte) (string, error) {
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// unsafeString views b as a string without copying; set copies what it keeps.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// set converts text into the field at base+fd.off. text may alias the input line (owned is
// false), so strings are copied.
func (d *Decoder) set(base unsafe.Pointer, fd *fieldDec, text string, owned bool, in *Interner) error {
	ptr := unsafe.Add(base, fd.off)
	switch fd.kind {
	case decString:
		switch {
		case owned:
			*(*string)(ptr) = text
		default:
			*(*string)(ptr) = in.str(text)
		}
		return nil
	}
	t := strings.TrimSpace(text)
	if t == "" {
		return nil
	}
	switch fd.kind {
	case decInt64, decInt32:
		n, err := parseInt(t)
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
		tm, err := d.parseTime(t)
		if err != nil {
			return fmt.Errorf("%s: %v", fd.name, err)
		}
		*(*time.Time)(ptr) = tm
	case decDuration:
		if n, err := parseInt(t); err == nil {
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

// parseTime reads unix seconds ("1763600000"), a date or a date and time in the decoder's zone.
func (d *Decoder) parseTime(t string) (time.Time, error) {
	if n, err := parseInt(t); err == nil {
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

var errNotInt = errors.New("not an integer")

// parseInt parses a decimal integer without allocating.
func parseInt(s string) (int64, error) {
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

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// scanString scans the JSON string starting at b[i] == '"': its content is b[s:e] and b[e] is
// the closing quote; esc reports escapes in it.
func scanString(b []byte, i int) (s, e int, esc bool, err error) {
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

// skipNested returns the index after the object or array starting at b[i].
func skipNested(b []byte, i int) (int, error) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			_, e, _, err := scanString(b, j)
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

// Columns maps the columns of a CSV header onto the fields to decode (nil for a column not read).
type Columns []*fieldDec

// Columns maps a CSV header onto the fields to decode.
func (d *Decoder) Columns(header []string) Columns {
	cols := make([]*fieldDec, len(header))
	for i, h := range header {
		cols[i] = d.fields[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))]
	}
	return cols
}

// Fields lists the names of the fields the decoder decodes, sorted.
func (d *Decoder) Fields() []string {
	var out []string
	for name, fd := range d.fields {
		if name == fd.name {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Missing lists the fields to decode that no column provides.
func (d *Decoder) Missing(cols Columns) []string {
	var out []string
	for name, fd := range d.fields {
		if name == fd.name && !slices.Contains(cols, fd) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// DecodeRow decodes one CSV row into a new record.
func (d *Decoder) DecodeRow(cols Columns, row []string, in *Interner) (any, error) {
	p := reflect.New(d.t)
	base := p.UnsafePointer()
	for i, text := range row {
		if i >= len(cols) || cols[i] == nil {
			continue
		}
		// A row's strings share one allocation per line: copy (or intern) what is kept, so a
		// kept field does not hold the whole line.
		if err := d.set(base, cols[i], text, false, in); err != nil {
			return nil, err
		}
	}
	return p.Interface(), nil
}

// Interner shares the memory of short strings that repeat (accounts, statuses, device
// numbers), so records held by a group or lookup do not each keep a copy. It belongs to one
// goroutine of one run. It is a direct-mapped cache by hash, not a map: a string found costs a
// hash and a comparison (a map's probe cost twice that in the transform benchmark's decoding), and
// a string that another pushed out is copied again.
type Interner struct {
	seed  maphash.Seed
	cache []string // internSlots entries, made on first use
}

const (
	internSlots    = 1 << 14
	maxInternedLen = 32
)

func NewInterner() *Interner { return &Interner{seed: maphash.MakeSeed()} }

// str returns a string equal to s (which may alias a reused buffer) that the caller may keep.
func (in *Interner) str(s string) string {
	if in == nil || len(s) > maxInternedLen {
		return strings.Clone(s)
	}
	if in.cache == nil {
		in.cache = make([]string, internSlots)
	}
	slot := &in.cache[maphash.String(in.seed, s)&(internSlots-1)]
	if *slot == s {
		return *slot
	}
	c := strings.Clone(s)
	*slot = c
	return c
}
