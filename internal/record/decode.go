package record

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
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
	// slots is a perfect hash table of the wire names a plain key (one without escapes or
	// bytes above ASCII) can spell: a key's slot comes from its length and its first 16 bytes,
	// and the slot's words tell a wanted key from the others without a string compare. It is
	// nil when no table of at most maxSlots was found; then keys are looked up in fields.
	slots []keySlot
	mul   uint64 // the table's hash multiplier
	shift uint   // 64 minus the table's bits
}

// keySlot is one slot of Decoder.slots: the name's length (-1 for an empty slot), its words as
// keyWords reads them, the name itself for names longer than the words, and its field.
type keySlot struct {
	n      int
	w0, w1 uint64
	name   string
	fd     *fieldDec
}

// keyWords reads the first 16 bytes of key as two little-endian words, w0 bytes 0 to 7 and w1
// bytes 8 to 15, zero-padded where the key is shorter. With the length they are the whole key
// up to 16 bytes; decode reads the same words from a line with two loads and masks. The bytes
// of a longer key are folded into w1 (FNV-1a), so that long names alike in their first 16
// bytes still hash apart.
func keyWords(key []byte) (w0, w1 uint64) {
	for j := min(len(key), 16) - 1; j >= 0; j-- {
		if j >= 8 {
			w1 = w1<<8 | uint64(key[j])
		} else {
			w0 = w0<<8 | uint64(key[j])
		}
	}
	if len(key) > 16 {
		h := uint64(14695981039346656037)
		for _, c := range key[16:] {
			h = (h ^ uint64(c)) * 1099511628211
		}
		w1 ^= h
	}
	return w0, w1
}

// keyHash mixes a key's length and words; the top bits of the product pick its slot.
func keyHash(n int, w0, w1, mul uint64) uint64 {
	return (w0 ^ bits.RotateLeft64(w1, 32) ^ uint64(n)) * mul
}

// maxSlots bounds the perfect table: a decoder with too many names for one this size looks keys
// up in its map.
const maxSlots = 1 << 12

// buildSlots looks for a multiplier that gives every name a plain key can spell a slot of its
// own, in a table from twice as many slots as names up to maxSlots. The multipliers come from a
// fixed sequence, so a decoder's table does not change from run to run.
func (d *Decoder) buildSlots() {
	var names []keySlot
	for name, fd := range d.fields {
		if scanPlain([]byte(name), 0) < len(name) {
			// A quote, a backslash or a byte above ASCII: only a key with escapes or
			// non-ASCII bytes spells the name, and such keys are looked up in fields.
			continue
		}
		w0, w1 := keyWords([]byte(name))
		names = append(names, keySlot{n: len(name), w0: w0, w1: w1, name: name, fd: fd})
	}
	// Sorted by name, so the table does not depend on the map's order.
	slices.SortFunc(names, func(a, b keySlot) int { return strings.Compare(a.name, b.name) })
	tbits := uint(3)
	for 1<<tbits < 2*len(names) {
		tbits++
	}
	seq := uint64(0)
	for ; 1<<tbits <= maxSlots; tbits++ {
		slots := make([]keySlot, 1<<tbits)
		for range 64 {
			// The next odd multiplier of splitmix64's sequence.
			seq += 0x9e3779b97f4a7c15
			mul := seq
			mul = (mul ^ mul>>30) * 0xbf58476d1ce4e5b9
			mul = (mul ^ mul>>27) * 0x94d049bb133111eb
			mul = (mul ^ mul>>31) | 1
			for i := range slots {
				slots[i] = keySlot{n: -1}
			}
			ok := true
			for _, e := range names {
				s := &slots[keyHash(e.n, e.w0, e.w1, mul)>>(64-tbits)]
				if s.n >= 0 {
					ok = false
					break
				}
				*s = e
			}
			if ok {
				d.slots, d.mul, d.shift = slots, mul, 64-tbits
				return
			}
		}
	}
}

// lookup finds the field of the plain key, nil when the decoder does not decode it.
func (d *Decoder) lookup(key []byte) *fieldDec {
	if d.slots == nil {
		return d.fields[string(key)]
	}
	n := len(key)
	w0, w1 := keyWords(key)
	s := &d.slots[keyHash(n, w0, w1, d.mul)>>d.shift]
	if s.n == n && s.w0 == w0 && s.w1 == w1 && (n <= 16 || s.name == string(key)) {
		return s.fd
	}
	return nil
}

// key scans the key at b[i] == '"' the general way, for the keys decode does not read with its
// two words: it returns the index of the closing quote and the key's field.
func (d *Decoder) key(b []byte, i int) (int, *fieldDec, error) {
	if ke := scanPlain(b, i+1); ke < len(b) && b[ke] == '"' {
		return ke, d.lookup(b[i+1 : ke]), nil
	}
	ks, ke, esc, err := scanString(b, i)
	if err != nil {
		return 0, nil, err
	}
	if esc {
		s, err := unquote(b[i : ke+1])
		if err != nil {
			return 0, nil, err
		}
		return ke, d.fields[s], nil
	}
	return ke, d.fields[string(b[ks:ke])], nil
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
	d.buildSlots()
	return d
}

var (
	errSyntax       = errors.New("not a JSON object")
	errUnterminated = fmt.Errorf("%w: unterminated string", errSyntax)
)

// DecodeJSON decodes one JSON object into a new record (a pointer to the struct).
func (d *Decoder) DecodeJSON(b []byte, in *Interner) (any, error) {
	p := reflect.New(d.t)
	if err := d.decode(b, p.UnsafePointer(), in); err != nil {
		return nil, err
	}
	return p.Interface(), nil
}

// decode decodes the JSON object b into the record at base.
func (d *Decoder) decode(b []byte, base unsafe.Pointer, in *Interner) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errSyntax
	}
	i++
	// The table in locals: the stores into the record do not make the compiler load them again.
	slots, mul, shift := d.slots, d.mul, d.shift
	for {
		// Whitespace is all at or below ' ': one comparison passes the common case of none.
		if i < len(b) && b[i] <= ' ' {
			i = skipWS(b, i)
		}
		if i >= len(b) {
			return errSyntax
		}
		if b[i] == '}' {
			break
		}
		if b[i] != '"' {
			return fmt.Errorf("%w: want a key at byte %d", errSyntax, i+1)
		}
		var fd *fieldDec
		ks, ke := i+1, -1
		if ks+16 <= len(b) && slots != nil {
			// The common key, plain and shorter than 16 bytes, ends in one of the two words
			// after its opening quote: the words, masked to the key, are its slot's words.
			k := b[ks : ks+16 : ks+16]
			w0 := binary.LittleEndian.Uint64(k)
			w1 := binary.LittleEndian.Uint64(k[8:])
			n := -1
			if m := plainMask(w0); m != 0 {
				n = bits.TrailingZeros64(m) >> 3
				w0 &= 1<<(8*uint(n)) - 1
				w1 = 0
			} else if m := plainMask(w1); m != 0 {
				n = 8 + bits.TrailingZeros64(m)>>3
				w1 &= 1<<(8*uint(n-8)) - 1
			}
			if n >= 0 && k[n] == '"' {
				ke = ks + n
				if s := &slots[keyHash(n, w0, w1, mul)>>shift]; s.n == n && s.w0 == w0 && s.w1 == w1 {
					fd = s.fd
				}
			}
		}
		if ke < 0 {
			var err error
			if ke, fd, err = d.key(b, i); err != nil {
				return err
			}
		}
		i = ke + 1
		if i < len(b) && b[i] == ':' {
			i++
		} else {
			i = skipWS(b, i)
			if i >= len(b) || b[i] != ':' {
				return fmt.Errorf("%w: want : at byte %d", errSyntax, i+1)
			}
			i++
		}
		if i < len(b) && b[i] <= ' ' {
			i = skipWS(b, i)
		}
		if i >= len(b) {
			return errSyntax
		}
		var err error
		if fd == nil {
			// A value the decoder does not decode is only skipped.
			if b[i] == '"' {
				i, err = skipString(b, i)
			} else {
				i, err = skipValue(b, i)
			}
			if err != nil {
				return err
			}
		} else if i, err = d.value(b, i, base, fd, in); err != nil {
			return err
		}
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == '}' {
			break
		}
		return fmt.Errorf("%w: want , or } at byte %d", errSyntax, i+1)
	}
	return nil
}

// value decodes the value at b[i] into the field fd of the record at base and returns the index
// after it.
func (d *Decoder) value(b []byte, i int, base unsafe.Pointer, fd *fieldDec, in *Interner) (int, error) {
	var raw []byte
	switch b[i] {
	case '"':
		e := scanPlain(b, i+1)
		if e >= len(b) || b[e] != '"' {
			return d.stringValue(b, i, base, fd, in)
		}
		// A plain string: no escapes, nothing above ASCII, so the first quote closes it.
		raw = b[i+1 : e]
		i = e + 1
	case '{', '[':
		e, err := skipNested(b, i)
		if err != nil {
			return i, err
		}
		raw = b[i:e]
		i = e
		if fd.kind == decOther {
			return i, d.unmarshal(raw, base, fd)
		}
	default:
		e := scalarEnd(b, i)
		raw = b[i:e]
		i = e
		if string(raw) == "null" {
			return i, nil // null leaves the field as it is, as encoding/json does
		}
		if fd.kind == decOther {
			return i, d.unmarshal(raw, base, fd)
		}
	}
	ptr := unsafe.Add(base, fd.off)
	// The common kinds of plain text are set here; set takes the rest (and what these do not
	// parse), trimming spaces and converting leniently.
	switch fd.kind {
	case decString:
		*(*string)(ptr) = in.str(unsafeString(raw))
		return i, nil
	case decTime:
		if n, err := parseInt(unsafeString(raw)); err == nil {
			// Unix seconds, as parseTime reads them.
			if n == 0 {
				*(*time.Time)(ptr) = time.Time{}
			} else {
				*(*time.Time)(ptr) = time.Unix(n, 0).In(d.loc)
			}
			return i, nil
		}
	case decInt64:
		if n, err := parseInt(unsafeString(raw)); err == nil {
			*(*int64)(ptr) = n
			return i, nil
		}
	}
	return i, d.set(base, fd, unsafeString(raw), false, in)
}

// stringValue decodes the string at b[i] that has escapes or bytes above ASCII into the field
// fd of the record at base and returns the index after it.
func (d *Decoder) stringValue(b []byte, i int, base unsafe.Pointer, fd *fieldDec, in *Interner) (int, error) {
	s, e, esc, err := scanString(b, i)
	if err != nil {
		return i, err
	}
	if !esc {
		return e + 1, d.set(base, fd, unsafeString(b[s:e]), false, in)
	}
	text, err := unquote(b[i : e+1])
	if err != nil {
		return e + 1, fmt.Errorf("%s: %w", fd.name, err)
	}
	return e + 1, d.set(base, fd, text, true, in)
}

// unmarshal decodes the JSON value raw (not a string) into the field fd, of a type the decoder
// has no conversion of its own for, with encoding/json.
func (d *Decoder) unmarshal(raw []byte, base unsafe.Pointer, fd *fieldDec) error {
	if err := json.Unmarshal(raw, reflect.NewAt(fd.typ, unsafe.Add(base, fd.off)).Interface()); err != nil {
		return fmt.Errorf("%s: %w", fd.name, err)
	}
	return nil
}

// skipValue returns the index after the value at b[i], failing where DecodeJSON fails on it.
func skipValue(b []byte, i int) (int, error) {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		return skipNested(b, i)
	}
	return scalarEnd(b, i), nil
}

// skipString returns the index after the string at b[i] == '"'. The first 32 bytes are tested
// eight at a time for a quote or a backslash: a short string without escapes ends at the first
// quote found there. A longer string is searched with bytes.IndexByte, faster over long text,
// and a quote after an odd number of backslashes is escaped.
func skipString(b []byte, i int) (int, error) {
	j := i + 1
	for k := 0; k < 4 && j+8 <= len(b); k++ {
		x := binary.LittleEndian.Uint64(b[j : j+8 : j+8])
		q := x ^ '"'*lsbs
		bs := x ^ '\\'*lsbs
		if m := ((q-lsbs)&^q | (bs-lsbs)&^bs) & msbs; m != 0 {
			j += bits.TrailingZeros64(m) >> 3
			if b[j] == '"' {
				return j + 1, nil
			}
			break
		}
		j += 8
	}
	for {
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
	for ; i+8 <= len(s); i += 8 {
		// Eight digits at a time: each byte's high nibble is 3 and adding 6 to it does not
		// carry (it is at most '9'); then pairs, quadruples and the eight combine in lanes of
		// the word, the first digit in its lowest byte.
		x := le64(s[i:])
		if x&0xf0f0f0f0f0f0f0f0 != 0x3030303030303030 || (x+0x0606060606060606)&0xf0f0f0f0f0f0f0f0 != 0x3030303030303030 {
			return 0, errNotInt
		}
		x -= 0x3030303030303030
		x = (x*10 + x>>8) & 0x00ff00ff00ff00ff
		x = (x*100 + x>>16) & 0x0000ffff0000ffff
		x = (x*10000 + x>>32) & 0xffffffff
		n = n*100000000 + int64(x)
	}
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

// le64 reads the first eight bytes of s as a little-endian word (the compiler makes it one load).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
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
	q := bytes.IndexByte(b[s:], '"')
	if q < 0 {
		return 0, 0, false, errUnterminated
	}
	if bytes.IndexByte(b[s:s+q], '\\') < 0 {
		// Without a backslash the first quote closes the string. Invalid UTF-8 goes the
		// escaped way, which replaces it with U+FFFD as encoding/json does.
		return s, s + q, !utf8.Valid(b[s : s+q]), nil
	}
	// A backslash before the first quote: the string has escapes, and its closing quote is
	// the first one no backslash escapes.
	for j := s; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return s, j, true, nil
		}
	}
	return 0, 0, false, errUnterminated
}

// Bytes of a little-endian word: the constants of scanPlain's word test.
const (
	lsbs = 0x0101010101010101
	msbs = 0x8080808080808080
)

// plainMask flags, in the top bit of each byte, the quotes, backslashes and bytes above ASCII
// of the little-endian word x, exactly up to the first of them: a byte equal to c is a zero
// byte of x^(c*lsbs), and (v-lsbs)&^v&msbs flags the zero bytes of v, the first one exactly (a
// borrow from it may flag bytes after it as well).
func plainMask(x uint64) uint64 {
	q := x ^ '"'*lsbs
	bs := x ^ '\\'*lsbs
	return ((q-lsbs)&^q | (bs-lsbs)&^bs | x) & msbs
}

// scanPlain returns the index of the first quote, backslash or byte above ASCII in b from j on,
// or len(b), testing eight bytes at a time.
func scanPlain(b []byte, j int) int {
	for ; j+8 <= len(b); j += 8 {
		if m := plainMask(binary.LittleEndian.Uint64(b[j:])); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	for ; j < len(b); j++ {
		if c := b[j]; c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return j
		}
	}
	return j
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
// hash and a comparison (a map's probe cost twice that in the transform benchmark's decoding),
// and a string that others pushed out is copied again. The cache is two-way: a string's two
// slots share a cache line, and a new string takes the first, moving the one there to the
// second (of 5,000 accounts in a one-way cache of 16,384 slots, a quarter pushed each other out).
// A slot holds the first 16 bytes of its
// string beside it, so a string of up to 16 bytes is compared without reading the string's own
// memory (a cache miss per string, with thousands of accounts); a string of one byte is a slice
// of a constant and costs nothing.
type Interner struct {
	k0, k1 uint64 // the hash's random keys
	seed   maphash.Seed
	cache  []internSlot // internSlots entries, made on first use
}

type internSlot struct {
	w0, w1 uint64 // the first 16 bytes of s, zero-padded, little-endian
	s      string
}

const (
	internSlots    = 1 << 14
	maxInternedLen = 32
)

// everyByte holds every byte value once, in order: a string of one byte b is everyByte[b : b+1].
const everyByte = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b\x2c\x2d\x2e\x2f\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x3a\x3b\x3c\x3d\x3e\x3f\x40\x41\x42\x43\x44\x45\x46\x47\x48\x49\x4a\x4b\x4c\x4d\x4e\x4f\x50\x51\x52\x53\x54\x55\x56\x57\x58\x59\x5a\x5b\x5c\x5d\x5e\x5f\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f\x70\x71\x72\x73\x74\x75\x76\x77\x78\x79\x7a\x7b\x7c\x7d\x7e\x7f\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xbb\xbc\xbd\xbe\xbf\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9\xca\xcb\xcc\xcd\xce\xcf\xd0\xd1\xd2\xd3\xd4\xd5\xd6\xd7\xd8\xd9\xda\xdb\xdc\xdd\xde\xdf\xe0\xe1\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xea\xeb\xec\xed\xee\xef\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff"

func NewInterner() *Interner {
	return &Interner{k0: rand.Uint64() | 1, k1: rand.Uint64() | 1, seed: maphash.MakeSeed()}
}

// firstWords are the first 16 bytes of s (zero-padded) as two little-endian words.
func firstWords(s string) (w0, w1 uint64) {
	var b [16]byte
	copy(b[:], s)
	return binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])
}

// Intern returns a string equal to s (which may alias a reused buffer) that the caller may keep,
// shared with the strings equal to it that the Interner returned lately.
func (in *Interner) Intern(s string) string { return in.str(s) }

// str returns a string equal to s (which may alias a reused buffer) that the caller may keep.
func (in *Interner) str(s string) string {
	n := len(s)
	switch {
	case n == 0:
		return ""
	case n == 1:
		return everyByte[s[0] : int(s[0])+1]
	case in == nil || n > maxInternedLen:
		return strings.Clone(s)
	}
	if in.cache == nil {
		in.cache = make([]internSlot, internSlots)
	}
	w0, w1 := firstWords(s)
	var h uint64
	if n <= 16 {
		h = (w0*in.k0 ^ w1*in.k1 ^ uint64(n)) * in.k1
		h ^= h >> 32
	} else {
		h = maphash.String(in.seed, s)
	}
	set := in.cache[h&(internSlots/2-1)*2:][:2]
	for i := range set {
		if e := &set[i]; len(e.s) == n && e.w0 == w0 && e.w1 == w1 && (n <= 16 || e.s[16:] == s[16:]) {
			return e.s
		}
	}
	c := strings.Clone(s)
	set[1], set[0] = set[0], internSlot{w0: w0, w1: w1, s: c}
	return c
}
