package record

import "reflect"

// JSONEncoder appends values of one type as JSON exactly as [AppendJSON] does, having worked
// out once for the type what AppendJSON works out for every value: the names of a struct's
// fields, which of them are exported, and whether the struct marshals itself. An output writes
// a million records of one type with it.
type JSONEncoder struct {
	t   reflect.Type
	enc encodeFunc
}

type encodeFunc func(b []byte, v reflect.Value) []byte

// maxEncoderDepth bounds the nesting an encoder is built for; deeper values (a type that
// contains itself) are appended by AppendJSON.
const maxEncoderDepth = 8

// NewJSONEncoder makes the encoder of values of type t (nil: of no type, every value is
// appended by AppendJSON).
func NewJSONEncoder(t reflect.Type) *JSONEncoder {
	return &JSONEncoder{t: t, enc: encoderOf(t, 0)}
}

// Append appends v as JSON; a value of another type than the encoder's is appended by
// AppendJSON.
func (e *JSONEncoder) Append(b []byte, v reflect.Value) []byte {
	if !v.IsValid() || v.Type() != e.t {
		return AppendJSON(b, v)
	}
	return e.enc(b, v)
}

func encoderOf(t reflect.Type, depth int) encodeFunc {
	if t == nil || depth > maxEncoderDepth {
		return AppendJSON
	}
	switch {
	case t.Kind() == reflect.Pointer:
		elem := encoderOf(t.Elem(), depth+1)
		return func(b []byte, v reflect.Value) []byte {
			if v.IsNil() {
				return append(b, "null"...)
			}
			return elem(b, v.Elem())
		}
	case t.Kind() == reflect.Struct && t != timeType && !t.Implements(marshalerType):
		type field struct {
			index int
			key   []byte // ,"name": (without the comma for the first field)
			enc   encodeFunc
		}
		var fields []field
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			var key []byte
			if len(fields) > 0 {
				key = append(key, ',')
			}
			key = AppendJSONString(key, FieldName(f))
			key = append(key, ':')
			fields = append(fields, field{index: i, key: key, enc: encoderOf(f.Type, depth+1)})
		}
		return func(b []byte, v reflect.Value) []byte {
			b = append(b, '{')
			for _, f := range fields {
				b = append(b, f.key...)
				b = f.enc(b, v.Field(f.index))
			}
			return append(b, '}')
		}
	}
	return AppendJSON
}
