package record

import (
	"reflect"
	"unsafe"
)

// Slab makes records side by side, slabSize to an allocation, for a reader whose records are
// all let go soon after they are made (a stream that keeps none of them): one allocation per
// slabSize records instead of one each. A record kept keeps its whole allocation, so a reader
// uses a Slab only when nothing keeps its records. It belongs to one goroutine.
type Slab struct {
	t     reflect.Type
	slice reflect.Type // []t
	size  uintptr
	base  unsafe.Pointer // the current allocation
	used  int            // its records made so far (slabSize: none left)
	// holder is a settable *t at holderAt: it turns a pointer into a record (an any of type
	// *t) without reflect.NewAt's lookup of the pointer type, which costs more than the record.
	holder   reflect.Value
	holderAt unsafe.Pointer
}

// slabSize is how many records share an allocation.
const slabSize = 256

// NewSlab makes a Slab of records of the decoder's type.
func (d *Decoder) NewSlab() *Slab {
	h := reflect.New(reflect.PointerTo(d.t))
	return &Slab{t: d.t, slice: reflect.SliceOf(d.t), size: d.t.Size(), used: slabSize, holder: h.Elem(), holderAt: h.UnsafePointer()}
}

// next is the next zero record's memory.
func (s *Slab) next() unsafe.Pointer {
	if s.used == slabSize {
		s.base, s.used = reflect.MakeSlice(s.slice, slabSize, slabSize).UnsafePointer(), 0
	}
	return unsafe.Add(s.base, uintptr(s.used)*s.size)
}

// take makes the record at next's memory, and moves on.
func (s *Slab) take(p unsafe.Pointer) any {
	s.used++
	*(*unsafe.Pointer)(s.holderAt) = p
	return s.holder.Interface()
}

// clear zeroes the record at p, which a failed decoding may have half set.
func (s *Slab) clear(p unsafe.Pointer) {
	reflect.NewAt(s.t, p).Elem().SetZero()
}

// DecodeJSONSlab is DecodeJSON of a record made by s.
func (d *Decoder) DecodeJSONSlab(b []byte, in *Interner, s *Slab) (any, error) {
	p := s.next()
	if err := d.decode(b, p, in); err != nil {
		s.clear(p)
		return nil, err
	}
	return s.take(p), nil
}
