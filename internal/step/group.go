package step

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
	"github.com/specpipe/specpipe/internal/yamlx"
)

func groupKind() Kind {
	return Kind{Name: "group", Doc: "group records by key fields; a group has count, first, last and records", Compile: compileGroup, Config: reflect.TypeFor[groupYAML]()}
}

// groupStep groups records by key fields. A group record has the key fields, count, first and
// last (by order:, else by arrival) and records (every record of the group, in arrival order).
// Groups are emitted when the input ends, in the order their first record arrived. Only when a
// later expression reads records are the records kept: first, last and count alone need memory
// per group, not per record.
type groupStep struct {
	names   []string
	keys    []*eval.Program
	order   *eval.Program
	in, out reflect.Type
	keepAll bool // a later expression reads .records
	// simpleKeys reports whether every key is text or a whole number (int, int64), which the
	// encoded key holds exactly.
	simpleKeys bool
	// projType, when set, is the type of first and last: the input record with only the fields
	// later expressions read through them; project maps its fields (input index, own index).
	projType reflect.Type
	project  [][2]int
	// copies copy the projected fields of a record of type in into a slot, at offsets, when
	// every field can be copied so (else keep copies through reflect).
	copies   []fieldCopy
	slotSize uintptr
	edge     reflect.Type // the type of first and last
	slot     reflect.Type // what a chunk keeps of first and last: projType, else edge
	countIdx int
	firstIdx int
	lastIdx  int
	recsIdx  int
	// keyAt are the offsets of the key fields in a group record, countAt, firstAt and lastAt
	// those of count, first and last.
	keyAt                    []uintptr
	countAt, firstAt, lastAt uintptr
	// keyReads and orderRead, where set, read a key or the order that is one field of the
	// record (r.atten_uid) straight from it, instead of running the expression.
	keyReads  []*fieldRead
	orderRead *fieldRead
	seed      maphash.Seed // of the keys' hashes
}

// fieldRead reads one field of a record at its offset, without boxing it in an interface.
type fieldRead struct {
	off  uintptr
	kind reflect.Kind // String, Int, Int64, Float64; Struct for time.Time
}

// readsField finds the field that p, when it is one member of the record (r.x), reads of records
// of type in (a pointer to a struct), and how to read it; kinds are the field kinds allowed.
func readsField(p *eval.Program, in reflect.Type, kinds ...reflect.Kind) *fieldRead {
	of, member, ok := p.Member()
	if !ok || of != "r" || in.Kind() != reflect.Pointer || in.Elem().Kind() != reflect.Struct {
		return nil
	}
	t := in.Elem()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || record.FieldName(f) != member || f.Type != p.Out {
			continue
		}
		k := f.Type.Kind()
		if f.Type == reflect.TypeFor[time.Time]() {
			k = reflect.Struct
		} else if f.Type.PkgPath() != "" {
			return nil // a named type may order or compare otherwise
		}
		if slices.Contains(kinds, k) {
			return &fieldRead{off: f.Offset, kind: k}
		}
		return nil
	}
	return nil
}

// appendKey appends the field, as appendKey does its value.
func (f *fieldRead) appendKey(b []byte, base unsafe.Pointer) []byte {
	p := unsafe.Add(base, f.off)
	switch f.kind {
	case reflect.String:
		return appendKeyText(b, *(*string)(p))
	case reflect.Int:
		b = append(b, 8)
		return binary.LittleEndian.AppendUint64(b, uint64(*(*int)(p)))
	}
	b = append(b, 8)
	return binary.LittleEndian.AppendUint64(b, uint64(*(*int64)(p)))
}

// ord is the field as an order value, as toOrd makes it of the value.
func (f *fieldRead) ord(base unsafe.Pointer) ordVal {
	p := unsafe.Add(base, f.off)
	switch f.kind {
	case reflect.Struct:
		return timeOrd(*(*time.Time)(p))
	case reflect.Int:
		return ordVal{n: int64(*(*int)(p))}
	case reflect.Float64:
		return floatOrd(*(*float64)(p))
	}
	return ordVal{n: *(*int64)(p)}
}

type groupYAML struct {
	By    *yaml.Node `yaml:"by"`
	Order *yaml.Node `yaml:"order"`
}

var groupFields = []string{"count", "first", "last", "records"}

func compileGroup(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	var gy groupYAML
	c.Decode(n, &gy)
	if gy.By == nil || gy.By.Kind != yaml.MappingNode || len(gy.By.Content) == 0 {
		c.Errorf(yamlx.KeyNode(n, "by"), "step %s: group: by: want a mapping of key names to expressions", c.ID())
		return nil, nil
	}
	for i := 0; i < len(gy.By.Content); i += 2 {
		k := gy.By.Content[i]
		if slices.Contains(groupFields, k.Value) {
			c.Errorf(k, "step %s: key %q: the name is taken by the group's %s", c.ID(), k.Value, k.Value)
		} else if !ValidIdent(k.Value) {
			c.Errorf(k, "step %s: key %q: a name is letters, digits and _", c.ID(), k.Value)
		}
	}
	sc := c.RecScope()
	names, keys, ok := c.ExprMap(gy.By, sc, "by")
	for i, k := range keys {
		if !k.Out.Comparable() || k.Out.Kind() == reflect.Interface {
			c.Errorf(gy.By.Content[2*i+1], "step %s: key %s is %s, which cannot be compared", c.ID(), names[i], eval.TypeName(k.Out))
			ok = false
		}
	}
	g := &groupStep{names: names, keys: keys, in: c.In(), simpleKeys: true, seed: maphash.MakeSeed()}
	for _, k := range keys {
		if k.Out != reflect.TypeFor[string]() && k.Out != reflect.TypeFor[int]() && k.Out != reflect.TypeFor[int64]() {
			g.simpleKeys = false
		}
	}
	if gy.Order != nil {
		g.order = c.Compile(gy.Order, sc, eval.WantAny)
		if g.order == nil {
			ok = false
		} else if !ordered(g.order.Out) {
			c.Errorf(gy.Order, "step %s: order: %s cannot be ordered (want a time, number or text)", c.ID(), eval.TypeName(g.order.Out))
			ok = false
		}
	}
	if !ok {
		return nil, nil
	}
	if g.simpleKeys {
		reads := make([]*fieldRead, len(keys))
		for i, k := range keys {
			reads[i] = readsField(k, g.in, reflect.String, reflect.Int, reflect.Int64)
		}
		if slices.ContainsFunc(reads, func(f *fieldRead) bool { return f != nil }) {
			g.keyReads = reads
		}
	}
	if g.order != nil {
		g.orderRead = readsField(g.order, g.in, reflect.Struct, reflect.Int, reflect.Int64, reflect.Float64)
	}
	types := make([]reflect.Type, 0, len(keys)+4)
	for _, k := range keys {
		types = append(types, k.Out)
	}
	all := append(slices.Clone(names), groupFields...)
	edge := c.In() // the type of first and last
	if keep, ok := c.Narrowed(); ok {
		proj := record.Narrow(c.In().Elem(), keep)
		edge = reflect.PointerTo(proj)
		for j := 0; j < proj.NumField(); j++ {
			f, _ := c.In().Elem().FieldByName(proj.Field(j).Name)
			g.project = append(g.project, [2]int{f.Index[0], j})
			g.copies = append(g.copies, fieldCopy{src: f.Offset, dst: proj.Field(j).Offset, copy: copierOf(f.Type)})
		}
		g.projType = proj
	}
	g.edge = edge
	g.slot = edge
	if g.projType != nil {
		g.slot = g.projType
	}
	g.slotSize = g.slot.Size()
	types = append(types, reflect.TypeFor[int](), edge, edge, reflect.SliceOf(c.In()))
	g.countIdx, g.firstIdx, g.lastIdx, g.recsIdx = len(keys), len(keys)+1, len(keys)+2, len(keys)+3
	g.out = reflect.PointerTo(record.StructOf(all, types))
	ot := g.out.Elem()
	for i := range keys {
		g.keyAt = append(g.keyAt, ot.Field(i).Offset)
	}
	g.countAt, g.firstAt, g.lastAt = ot.Field(g.countIdx).Offset, ot.Field(g.firstIdx).Offset, ot.Field(g.lastIdx).Offset
	// Whether any expression (of any step) reads records is known once every expression is
	// compiled (narrow).
	g.keepAll = true
	return g, g.out
}

// narrow keeps the records of a group only when an expression reads records; and when it
// keeps only first and last, of them only the fields read through first and last, unless
// whole records go to an output.
func (g *groupStep) Narrow(u Usage) ([]string, bool) {
	g.keepAll = u.Used("records")
	if g.keepAll || u.Final() || g.in.Kind() != reflect.Pointer || g.in.Elem().Kind() != reflect.Struct || u.WholeHolds(g.in) {
		return nil, false
	}
	keep := []string{}
	names := record.FieldNames(g.in.Elem())
	for _, name := range names {
		if u.UsedUnder("first", name) || u.UsedUnder("last", name) {
			keep = append(keep, name)
		}
	}
	return keep, len(keep) < len(names)
}

// KeepsRecords reports whether the groups keep every record (a later expression reads
// records), once the pipeline is compiled.
func (g *groupStep) KeepsRecords() bool { return g.keepAll }

func ordered(t reflect.Type) bool {
	if t == reflect.TypeFor[time.Time]() {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32:
		return true
	}
	return false
}

// group is one group being collected. Text and whole-number keys are kept only in their encoded
// form, which keeps a group small when there are many: a key of up to shortKey bytes in the
// group itself, so that finding a group reads one cache line of it, a longer one in ext. Its
// first and last records are in its chunk's slots.
type group struct {
	short    [shortKey]byte
	shortLen int8 // the length of the key in short; -1: the key is ext.long
	// firstOrd and lastOrd are the order values of first and last (of a text order, in ext).
	firstOrd, lastOrd int64
	count             int
	ext               *groupExt // what few groups need; nil when unused
}

// shortKey is the longest key a group keeps in itself (an account and a day take 19 bytes).
const shortKey = 23

// setKey makes key (which may alias a buffer the caller reuses) the group's key.
func (gr *group) setKey(key string) {
	if len(key) <= shortKey {
		gr.shortLen = int8(copy(gr.short[:], key))
		return
	}
	if gr.ext == nil {
		gr.ext = &groupExt{}
	}
	gr.shortLen, gr.ext.long = -1, strings.Clone(key)
}

// key is the group's encoded key; it aliases the group for a short key.
func (gr *group) key() string {
	if gr.shortLen < 0 {
		return gr.ext.long
	}
	return unsafe.String(&gr.short[0], gr.shortLen)
}

// chunkSize is how many groups share a chunk.
const chunkSize = 1024

// chunk holds groups in the order their first record arrived, and their first and last
// records: slices of the slot type (the fields first and last keep when the group narrows them,
// else the record or the pointer to it), so that a group costs no allocation of its own and a new
// first or last record is copied into its slot, not allocated.
type chunk struct {
	groups      []group
	first, last reflect.Value
	// firstBase and lastBase are where first's and last's slots start (first and last keep
	// them).
	firstBase, lastBase unsafe.Pointer
}

// groupExt is the rarer part of a group.
type groupExt struct {
	vals          []any   // the key values, when they are not all text or whole numbers
	records       []any   // every record, when a later expression reads records
	firstS, lastS *string // the order values of first and last, for a text order
	long          string  // a key longer than shortKey
}

func (gr *group) firstOrdVal() ordVal {
	if gr.ext != nil {
		return ordVal{n: gr.firstOrd, s: gr.ext.firstS}
	}
	return ordVal{n: gr.firstOrd}
}

func (gr *group) lastOrdVal() ordVal {
	if gr.ext != nil {
		return ordVal{n: gr.lastOrd, s: gr.ext.lastS}
	}
	return ordVal{n: gr.lastOrd}
}

func (gr *group) setFirst(o ordVal) {
	gr.firstOrd = o.n
	if gr.ext != nil {
		gr.ext.firstS = o.s
	}
}

func (gr *group) setLast(o ordVal) {
	gr.lastOrd = o.n
	if gr.ext != nil {
		gr.ext.lastS = o.s
	}
}

// ordVal is an order: value without boxing: times as unix nanoseconds (clamped to the years
// 1678-2262), numbers in n (floats mapped onto integers that sort the same), text in s.
type ordVal struct {
	n int64
	s *string
}

func (a ordVal) less(b ordVal) bool {
	if a.n != b.n {
		return a.n < b.n
	}
	if a.s == nil || b.s == nil {
		return false
	}
	return *a.s < *b.s
}

var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

func timeOrd(t time.Time) ordVal {
	if n, ok := record.UnixNano(t); ok {
		return ordVal{n: n}
	}
	switch {
	case t.Before(minNanoTime):
		return ordVal{n: math.MinInt64}
	case t.After(maxNanoTime):
		return ordVal{n: math.MaxInt64}
	}
	return ordVal{n: t.UnixNano()}
}

// floatOrd maps x onto an integer that sorts the same.
func floatOrd(x float64) ordVal {
	u := math.Float64bits(x)
	if u>>63 == 1 {
		u = ^u
	} else {
		u |= 1 << 63
	}
	return ordVal{n: int64(u ^ (1 << 63))}
}

func toOrd(v any) ordVal {
	switch x := v.(type) {
	case time.Time:
		return timeOrd(x)
	case string:
		return ordVal{s: &x}
	case int:
		return ordVal{n: int64(x)}
	case int64:
		return ordVal{n: x}
	case float64:
		return floatOrd(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ordVal{n: rv.Int()}
	case reflect.Float32, reflect.Float64:
		return toOrd(rv.Float())
	case reflect.String:
		str := rv.String()
		return ordVal{s: &str}
	}
	return ordVal{}
}

type groupRun struct {
	g      *groupStep
	ev     *eval.Evaluator
	index  groupIndex
	chunks []*chunk
	n      int // groups
	kb     []byte
	vals   []any
	// touched sums what Prefetch reads, so that the compiler keeps the reads.
	touched int8
}

// decodeKey sets the key fields of the record at base (text or whole numbers, at offsets at, of
// the types of keys) from an encoded key; in interns the text (key may alias a group).
func decodeKey(key string, base unsafe.Pointer, at []uintptr, keys []*eval.Program, in *record.Interner) {
	for i, off := range at {
		p := unsafe.Add(base, off)
		switch keys[i].Out.Kind() {
		case reflect.String:
			var l uint64
			w := 0
			for shift := 0; ; shift += 7 {
				c := key[w]
				w++
				l |= uint64(c&0x7f) << shift
				if c < 0x80 {
					break
				}
			}
			*(*string)(p) = in.Intern(key[w : w+int(l)])
			key = key[w+int(l):]
			continue
		case reflect.Int:
			*(*int)(p) = int(binary.LittleEndian.Uint64([]byte(key[1:9])))
		default:
			*(*int64)(p) = int64(binary.LittleEndian.Uint64([]byte(key[1:9])))
		}
		key = key[9:]
	}
}

// appendKeyText appends s, length-prefixed, to a group's map key.
func appendKeyText(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendKey appends v, length-prefixed, to a group's map key.
func appendKey(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendKeyText(b, x)
	case int:
		b = append(b, 8)
		return binary.LittleEndian.AppendUint64(b, uint64(x))
	case int64:
		b = append(b, 8)
		return binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	s := fmt.Sprintf("%#v", v)
	if t, ok := v.(time.Time); ok {
		s = t.Format(time.RFC3339Nano)
	}
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func (g *groupStep) Start(e Env) (Run, error) {
	return &groupRun{g: g, ev: e.Eval(), index: newGroupIndex()}, nil
}

// Prep is what a group prepared of a record (see [Preparer]): its encoded key (in buf, which
// the next record that uses the Prep overwrites), the key's hash, its order and, for keys that
// are not all text or whole numbers, the key values.
type Prep struct {
	buf  []byte
	hash uint64
	ord  ordVal
	vals []any
}

// Holds reports whether the group holds the records it takes: when it keeps them all, or first
// and last whole (it keeps copies of the fields later steps read otherwise).
func (g *groupStep) Holds() bool { return g.keepAll || g.projType == nil }

// Prepares reports whether the group prepares its records: unless a key or the order calls a
// resolver, which may call an API.
func (g *groupStep) Prepares() bool {
	return !slices.ContainsFunc(g.keys, (*eval.Program).Resolves) && (g.order == nil || !g.order.Resolves())
}

// Prepare computes the key and order of rec, for ProcessPrepared. It only reads g, so the
// goroutines of a parallel source call it at once, each with its own evaluator.
func (g *groupStep) Prepare(ev *eval.Evaluator, rec any, p *Prep) error {
	kb, vals, ord, err := g.keyOf(ev, rec, p.buf[:0], nil)
	if err != nil {
		return err
	}
	p.buf, p.ord, p.vals = kb, ord, vals
	p.hash = maphash.Bytes(g.seed, kb)
	return nil
}

// keyOf appends the encoded key of rec to kb and its values (for keys that are not all text or
// whole numbers) to vals, and computes its order; ev evaluates the expressions.
func (g *groupStep) keyOf(ev *eval.Evaluator, rec any, kb []byte, vals []any) ([]byte, []any, ordVal, error) {
	ev.Set("r", rec)
	var base unsafe.Pointer // the record's fields, for the keys and order read straight from it
	if g.keyReads != nil || g.orderRead != nil {
		// A record of another dynamic type (the stream's type may be wider) runs the
		// expressions.
		if reflect.TypeOf(rec) == g.in && g.in.Kind() == reflect.Pointer {
			base = reflect.ValueOf(rec).UnsafePointer()
		}
	}
	for i, k := range g.keys {
		if base != nil && g.keyReads != nil && g.keyReads[i] != nil {
			kb = g.keyReads[i].appendKey(kb, base)
			continue
		}
		if k.Out == reflect.TypeFor[string]() && g.simpleKeys {
			s, err := ev.String(k)
			if err != nil {
				return nil, nil, ordVal{}, RecordFailed(err)
			}
			kb = appendKeyText(kb, s)
			continue
		}
		v, err := ev.Run(k)
		if err != nil {
			return nil, nil, ordVal{}, RecordFailed(err)
		}
		kb = appendKey(kb, v)
		if !g.simpleKeys {
			vals = append(vals, v)
		}
	}
	var ord ordVal
	switch {
	case base != nil && g.orderRead != nil:
		ord = g.orderRead.ord(base)
	case g.order != nil:
		v, err := ev.Run(g.order)
		if err != nil {
			return nil, nil, ordVal{}, RecordFailed(err)
		}
		ord = toOrd(v)
	}
	return kb, vals, ord, nil
}

func (r *groupRun) Process(rec any, emit func(any) error) error {
	kb, vals, ord, err := r.g.keyOf(r.ev, rec, r.kb[:0], r.vals[:0])
	if err != nil {
		return err
	}
	r.kb, r.vals = kb, vals
	key := unsafe.String(unsafe.SliceData(kb), len(kb)) // only looked up; a new group copies it
	return r.add(rec, key, maphash.Bytes(r.g.seed, kb), ord, vals)
}

// ProcessPrepared is Process of a record that Prepare prepared.
func (r *groupRun) ProcessPrepared(rec any, p *Prep, emit func(any) error) error {
	return r.add(rec, unsafe.String(unsafe.SliceData(p.buf), len(p.buf)), p.hash, p.ord, p.vals)
}

// add adds rec to the group of key (whose hash is hash), making the group if it is the key's
// first record (key and vals may alias buffers the caller reuses: the group copies them).
func (r *groupRun) add(rec any, key string, hash uint64, ord ordVal, vals []any) error {
	i, ok := r.find(hash, key)
	if !ok {
		if r.n >= math.MaxInt32-1 {
			return fmt.Errorf("group: more than %d groups", math.MaxInt32-1)
		}
		i = int32(r.n)
		r.n++
		if int(i)%chunkSize == 0 {
			c := &chunk{
				groups: make([]group, 0, chunkSize),
				first:  reflect.MakeSlice(reflect.SliceOf(r.g.slot), chunkSize, chunkSize),
				last:   reflect.MakeSlice(reflect.SliceOf(r.g.slot), chunkSize, chunkSize),
			}
			c.firstBase, c.lastBase = c.first.UnsafePointer(), c.last.UnsafePointer()
			r.chunks = append(r.chunks, c)
		}
	}
	c, at := r.chunks[i/chunkSize], int(i%chunkSize)
	switch {
	case !ok:
		c.groups = append(c.groups, group{})
		gr := &c.groups[at]
		if !r.g.simpleKeys || r.g.keepAll || ord.s != nil {
			gr.ext = &groupExt{}
		}
		gr.setKey(key)
		gr.setFirst(ord)
		gr.setLast(ord)
		if !r.g.simpleKeys {
			gr.ext.vals = slices.Clone(vals)
		}
		r.index.insert(hash, i)
		r.keepAt(c, false, at, rec)
		r.keepAt(c, true, at, rec)
	case r.g.order == nil:
		r.keepAt(c, true, at, rec)
	default:
		gr := &c.groups[at]
		if ord.less(gr.firstOrdVal()) {
			r.keepAt(c, false, at, rec)
			gr.setFirst(ord)
		}
		if !ord.less(gr.lastOrdVal()) {
			r.keepAt(c, true, at, rec)
			gr.setLast(ord)
		}
	}
	gr := &c.groups[at]
	gr.count++
	if r.g.keepAll {
		gr.ext.records = append(gr.ext.records, rec)
	}
	return nil
}

// Prefetch reads the index slot of a prepared key and the group it holds, so that a batch of
// records' misses overlap before ProcessPrepared takes them one by one.
func (r *groupRun) Prefetch(p *Prep) {
	x := &r.index
	tag := uint32(p.hash >> 32)
	if s := x.slots[tag&uint32(len(x.slots)-1)]; s != 0 {
		i := int32(uint32(s)) - 1
		r.touched += r.chunks[i/chunkSize].groups[i%chunkSize].shortLen
	}
}

// find is the number of the group with key (whose hash is hash), ok false when there is none.
func (r *groupRun) find(hash uint64, key string) (int32, bool) {
	x := &r.index
	tag := uint32(hash >> 32)
	mask := uint32(len(x.slots) - 1)
	for p := tag & mask; ; p = (p + 1) & mask {
		s := x.slots[p]
		if s == 0 {
			return 0, false
		}
		if i := int32(uint32(s)) - 1; uint32(s>>32) == tag && r.chunks[i/chunkSize].groups[i%chunkSize].key() == key {
			return i, true
		}
	}
}

// groupIndex finds a group by its encoded key: an open-addressing table (linear probing, at
// most 3/4 full) of 8-byte slots, each the top 32 bits of a key's hash (which also place it) and
// the group's number + 1 (0: empty). A probe reads a group's key only when the bits match, so a
// lookup costs about one cache miss in the table, which is small, and one in the group, which it
// updates anyway.
type groupIndex struct {
	slots []uint64
	n     int
}

func newGroupIndex() groupIndex { return groupIndex{slots: make([]uint64, 1024)} }

// insert adds group i, whose key's hash is hash and which find did not find.
func (x *groupIndex) insert(hash uint64, i int32) {
	if 4*(x.n+1) > 3*len(x.slots) {
		old := x.slots
		x.slots = make([]uint64, 2*len(old))
		for _, s := range old {
			if s != 0 {
				x.put(s)
			}
		}
	}
	x.put(hash>>32<<32 | uint64(uint32(i)+1))
	x.n++
}

func (x *groupIndex) put(s uint64) {
	mask := uint32(len(x.slots) - 1)
	p := uint32(s>>32) & mask
	for x.slots[p] != 0 {
		p = (p + 1) & mask
	}
	x.slots[p] = s
}

// fieldCopy copies one field from a record (at offset src) to a slot (at offset dst).
type fieldCopy struct {
	src, dst uintptr
	copy     func(dst, src unsafe.Pointer)
}

// copierOf copies a value of type t: by assignment for the types records mostly hold, else
// through reflect.
func copierOf(t reflect.Type) func(dst, src unsafe.Pointer) {
	switch t {
	case reflect.TypeFor[string]():
		return func(dst, src unsafe.Pointer) { *(*string)(dst) = *(*string)(src) }
	case reflect.TypeFor[time.Time]():
		return func(dst, src unsafe.Pointer) { *(*time.Time)(dst) = *(*time.Time)(src) }
	case reflect.TypeFor[int]():
		return func(dst, src unsafe.Pointer) { *(*int)(dst) = *(*int)(src) }
	case reflect.TypeFor[int64](), reflect.TypeFor[float64](), reflect.TypeFor[time.Duration]():
		return func(dst, src unsafe.Pointer) { *(*uint64)(dst) = *(*uint64)(src) }
	case reflect.TypeFor[bool]():
		return func(dst, src unsafe.Pointer) { *(*bool)(dst) = *(*bool)(src) }
	}
	return func(dst, src unsafe.Pointer) { reflect.NewAt(t, dst).Elem().Set(reflect.NewAt(t, src).Elem()) }
}

// keepAt copies what first (or last) keeps of rec into the slot of group at of chunk c.
func (r *groupRun) keepAt(c *chunk, last bool, at int, rec any) {
	if r.g.projType != nil {
		if rv := reflect.ValueOf(rec); rv.Type() == r.g.in {
			base := c.firstBase
			if last {
				base = c.lastBase
			}
			dst, src := unsafe.Add(base, uintptr(at)*r.g.slotSize), rv.UnsafePointer()
			for _, fc := range r.g.copies {
				fc.copy(unsafe.Add(dst, fc.dst), unsafe.Add(src, fc.src))
			}
			return
		}
	}
	slots := c.first
	if last {
		slots = c.last
	}
	r.keep(slots.Index(at), rec)
}

// keep copies what first and last keep of rec into slot: the fields they read, else the record
// (or the pointer to it).
func (r *groupRun) keep(slot reflect.Value, rec any) {
	if r.g.projType == nil {
		slot.Set(reflect.ValueOf(rec))
		return
	}
	src := reflect.ValueOf(rec).Elem()
	for _, ij := range r.g.project {
		slot.Field(ij[1]).Set(src.Field(ij[0]))
	}
}

// edgeValue makes the value of a first or last field from its slot: a pointer to the slot when
// first and last are narrowed (nothing writes a slot once the groups are emitted), else the slot.
func (r *groupRun) edgeValue(slot reflect.Value) reflect.Value {
	if r.g.projType != nil {
		return slot.Addr()
	}
	return slot
}

// Finish emits the groups in the order their first record arrived. Their records are built
// on one goroutine per core, a chunk of groups at a time and a few chunks ahead, and emitted in
// order on the engine's goroutine.
func (r *groupRun) Finish(emit func(any) error) error {
	r.index = groupIndex{} // the groups are all there: let the index go
	n := len(r.chunks)
	if n == 0 {
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	type built struct {
		recs []any
		done chan struct{}
	}
	out := make([]built, n)
	for ci := range out {
		out[ci].done = make(chan struct{})
	}
	next := make(chan int, n)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		wg.Wait()
	}()
	ahead := make(chan struct{}, 2*workers) // chunks built and not yet emitted
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := record.NewInterner()
			for ci := range next {
				select {
				case ahead <- struct{}{}:
				case <-stop:
					return
				}
				out[ci].recs = r.build(r.chunks[ci], in)
				close(out[ci].done)
			}
		}()
	}
	for ci := range n {
		next <- ci
	}
	close(next)
	for ci := range out {
		<-out[ci].done
		for i, rec := range out[ci].recs {
			out[ci].recs[i] = nil
			if err := emit(rec); err != nil {
				return err
			}
		}
		out[ci].recs = nil
		r.chunks[ci] = nil // the chunk's groups are emitted (the records emitted may still hold its slots)
		<-ahead
	}
	return nil
}

// build makes the records of a chunk's groups, interning their text keys with in. Chunks are
// built at once on several goroutines: it writes only its chunk and the new records.
func (r *groupRun) build(c *chunk, in *record.Interner) []any {
	recs := make([]any, len(c.groups))
	for at := range c.groups {
		gr := &c.groups[at]
		out := reflect.New(r.g.out.Elem())
		base := out.UnsafePointer()
		v := out.Elem()
		if r.g.simpleKeys {
			decodeKey(gr.key(), base, r.g.keyAt, r.g.keys, in)
		} else {
			for k, kv := range gr.ext.vals {
				if kv != nil {
					v.Field(k).Set(reflect.ValueOf(kv))
				}
			}
		}
		*(*int)(unsafe.Add(base, r.g.countAt)) = gr.count
		if r.g.edge.Kind() == reflect.Pointer {
			*(*unsafe.Pointer)(unsafe.Add(base, r.g.firstAt)) = r.edgePointer(c.firstBase, at)
			*(*unsafe.Pointer)(unsafe.Add(base, r.g.lastAt)) = r.edgePointer(c.lastBase, at)
		} else {
			v.Field(r.g.firstIdx).Set(r.edgeValue(c.first.Index(at)))
			v.Field(r.g.lastIdx).Set(r.edgeValue(c.last.Index(at)))
		}
		if r.g.keepAll {
			recs := reflect.MakeSlice(reflect.SliceOf(r.g.in), len(gr.ext.records), len(gr.ext.records))
			for j, rec := range gr.ext.records {
				recs.Index(j).Set(reflect.ValueOf(rec))
			}
			v.Field(r.g.recsIdx).Set(recs)
			gr.ext = nil // let the records go once emitted
		}
		recs[at] = out.Interface()
	}
	return recs
}

// edgePointer is the pointer a first or last field holds, of the group at of a chunk whose
// first or last slots start at slots: the slot's address when first and last are narrowed, else
// the record pointer the slot holds.
func (r *groupRun) edgePointer(slots unsafe.Pointer, at int) unsafe.Pointer {
	p := unsafe.Add(slots, uintptr(at)*r.g.slotSize)
	if r.g.projType != nil {
		return p
	}
	return *(*unsafe.Pointer)(p)
}
