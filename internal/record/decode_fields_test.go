package record

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// refDecodeJSON is DecodeJSON as it was before it skipped the values of fields it does not decode
// (it scanned every value, then looked the key up in a map): the reference FuzzDecodeJSONFields
// holds the decoder to. It uses the frozen helpers of decode_ref_test.go.
func (d *Decoder) refDecodeJSON(b []byte, in *Interner) (any, error) {
	p := reflect.New(d.t)
	base := p.UnsafePointer()
	i := refSkipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, errSyntax
	}
	i++
	for {
		i = refSkipWS(b, i)
		if i >= len(b) {
			return nil, errSyntax
		}
		if b[i] == '}' {
			break
		}
		if b[i] != '"' {
			return nil, fmt.Errorf("%w: want a key at byte %d", errSyntax, i+1)
		}
		ks, ke, kesc, err := refScanString(b, i)
		if err != nil {
			return nil, err
		}
		key := b[ks:ke]
		keyStr := ""
		if kesc {
			keyStr, err = unquote(b[i : ke+1])
			if err != nil {
				return nil, err
			}
		}
		i = refSkipWS(b, ke+1)
		if i >= len(b) || b[i] != ':' {
			return nil, fmt.Errorf("%w: want : at byte %d", errSyntax, i+1)
		}
		i = refSkipWS(b, i+1)
		if i >= len(b) {
			return nil, errSyntax
		}
		vstart := i
		var raw []byte
		isStr, esc := false, false
		switch b[i] {
		case '"':
			s, e, hasEsc, err := refScanString(b, i)
			if err != nil {
				return nil, err
			}
			raw, isStr, esc = b[s:e], true, hasEsc
			i = e + 1
		case '{', '[':
			e, err := refSkipNested(b, i)
			if err != nil {
				return nil, err
			}
			raw = b[i:e]
			i = e
		default:
			e := i
			for e < len(b) && b[e] != ',' && b[e] != '}' && b[e] != ' ' && b[e] != '\t' && b[e] != '\r' {
				e++
			}
			raw = b[i:e]
			i = e
		}
		var fd *fieldDec
		if kesc {
			fd = d.fields[keyStr]
		} else {
			fd = d.fields[string(key)]
		}
		if fd != nil {
			text := ""
			switch {
			case esc:
				if text, err = unquote(b[vstart:i]); err != nil {
					return nil, fmt.Errorf("%s: %w", fd.name, err)
				}
			case !isStr && string(raw) == "null":
				fd = nil // null leaves the field as it is, as encoding/json does
			case fd.kind == decOther && !isStr:
				if err := json.Unmarshal(raw, reflect.NewAt(fd.typ, unsafe.Add(base, fd.off)).Interface()); err != nil {
					return nil, fmt.Errorf("%s: %w", fd.name, err)
				}
				fd = nil
			default:
				text = unsafeString(raw)
			}
			if fd != nil {
				if err := d.refSet(base, fd, text, esc, in); err != nil {
					return nil, err
				}
			}
		}
		i = refSkipWS(b, i)
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

// FuzzDecodeJSONFields checks DecodeJSON against refDecodeJSON for every subset of the fields
// (the first byte of the input picks the subset): the same record, or the same error.
func FuzzDecodeJSONFields(f *testing.F) {
	for _, s := range []string{
		"\x3f" + `{"name":"王","n":12,"small":-3,"f":1.5,"b":true,"at":"2026-10-15T09:01:02+08:00"}`,
		"\x01" + `{"name":"a\"b\\c\u00e9","n":"7","other":{"x":[1,2,{"y":"}"}]},"b":false}`,
		"\x02" + `{"name":"x\\","n":" 12 ","at":1763600000,"skip":"\\\"}"}`,
		"\x04" + `{"sm\u0061ll":"3","small":4,"f":"1e3"}`,
		"\x08" + `{"f":"x"}`,
		"\x10" + `{"b":"yes","name":"\u0000\ud800"}`,
		"\x20" + `{"at":"2026-10-15","n":null,"at":"0000-00-00"}`,
		"\x00" + `{"name":"unterminated}`,
		"\x3e" + `{"name":"x" "n":1}`,
		"\x01" + `{"name":"x",}`,
		"\x01" + `{"name":"x"`,
		"\x01" + `{"n" 1}`,
		"\x01" + `{"name":"\xff"}`,
		"\x02" + `{"n":{"a":[}`,
	} {
		f.Add([]byte(s))
	}
	all := []string{"name", "n", "small", "f", "b", "at"}
	loc := time.FixedZone("CST", 8*3600)
	var decs []*Decoder
	for mask := range 1 << len(all) {
		decs = append(decs, NewDecoder(reflect.TypeFor[fuzzRec](), loc, func(name string) bool {
			for i, n := range all {
				if n == name {
					return mask&(1<<i) != 0
				}
			}
			return false
		}))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		dec := decs[int(data[0])%len(decs)]
		line := data[1:]
		want, werr := dec.refDecodeJSON(line, NewInterner())
		got, gerr := dec.DecodeJSON(line, NewInterner())
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("%q with fields %v: error %v, want %v", line, dec.Fields(), gerr, werr)
		}
		if werr != nil {
			return
		}
		if d := cmp.Diff(want.(*fuzzRec), got.(*fuzzRec)); d != "" {
			t.Fatalf("%q with fields %v (-before +now):\n%s", line, dec.Fields(), d)
		}
	})
}

type benchPunch struct {
	AttenID     string    `expr:"atten_id" json:"atten_id"`
	AttenDevice string    `expr:"atten_device" json:"atten_device"`
	AttenUID    string    `expr:"atten_uid" json:"atten_uid"`
	AttenType   string    `expr:"atten_type" json:"atten_type"`
	AttenStatus string    `expr:"atten_status" json:"atten_status"`
	AttenTime   time.Time `expr:"atten_time" json:"atten_time"`
	AttenDate   time.Time `expr:"atten_date" json:"atten_date"`
	CompanyID   string    `expr:"companyId" json:"companyId"`
	Realname    string    `expr:"realname" json:"realname"`
	Departname  string    `expr:"departname" json:"departname"`
	Remark      string    `expr:"remark" json:"remark"`
}

// BenchmarkDecodeJSON decodes a kqapi punch line (bench/genpunches) for the three fields the
// transform benchmark reads, now and as refDecodeJSON did.
func BenchmarkDecodeJSON(b *testing.B) {
	line := []byte(`{"atten_id":"700000001","atten_device":"Q10171210001","atten_uid":"1000007","atten_type":"1","atten_status":"0","atten_time":"1790846730","atten_date":"2026-10-01","companyId":"11024","realname":"李芳","departname":"研发部","remark":"总部一楼大厅考勤机"}`)
	dec := NewDecoder(reflect.TypeFor[benchPunch](), time.UTC, func(name string) bool {
		return name == "atten_uid" || name == "atten_status" || name == "atten_time"
	})
	for _, bc := range []struct {
		name   string
		decode func([]byte, *Interner) (any, error)
	}{{"now", dec.DecodeJSON}, {"before", dec.refDecodeJSON}} {
		b.Run(bc.name, func(b *testing.B) {
			in := NewInterner()
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.decode(line, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
