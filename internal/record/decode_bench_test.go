package record

import (
	"reflect"
	"testing"
	"time"
)

// BenchmarkDecodeJSONLines decodes lines other than BenchmarkDecodeJSON's plain punch, now and as
// refDecodeJSON did: escapes in skipped and in wanted values, wanted non-ASCII text, numbers of
// every kind, and nested values skipped.
func BenchmarkDecodeJSONLines(b *testing.B) {
	punch := func(names ...string) *Decoder {
		return NewDecoder(reflect.TypeFor[benchPunch](), time.UTC, func(name string) bool {
			for _, n := range names {
				if n == name {
					return true
				}
			}
			return false
		})
	}
	three := punch("atten_uid", "atten_status", "atten_time")
	all := NewDecoder(reflect.TypeFor[fuzzRec](), time.UTC, func(string) bool { return true })
	for _, bc := range []struct {
		name string
		dec  *Decoder
		line string
	}{
		{"escapes", three, `{"atten_id":"700000001","atten_device":"Q10171210001","atten_uid":"1000\u0030007","atten_type":"1","atten_status":"0","atten_time":"1790846730","atten_date":"2026-10-01","companyId":"11024","realname":"\u674e\u82b3","departname":"\"研发部\"","remark":"总部一楼\\大厅考勤机"}`},
		{"nonascii", punch("realname", "departname", "remark"), `{"atten_id":"700000001","atten_device":"Q10171210001","atten_uid":"1000007","atten_type":"1","atten_status":"0","atten_time":"1790846730","atten_date":"2026-10-01","companyId":"11024","realname":"李芳","departname":"研发部","remark":"总部一楼大厅考勤机"}`},
		{"numbers", all, `{"name":"x","n":-1234567,"small":42,"f":1.5e3,"b":true,"at":1763600000}`},
		{"nested", three, `{"atten_id":"700000001","atten_uid":"1000007","extra":{"a":[1,2,{"b":"}"}],"c":null},"atten_status":"0","list":[[1],[2,3],"x"],"atten_time":1790846730}`},
		{"spaces", three, `{ "atten_id" : "700000001" , "atten_uid" : "1000007" , "atten_status" : "0" , "atten_time" : 1790846730 , "remark" : "总部一楼大厅考勤机" }`},
	} {
		line := []byte(bc.line)
		for _, v := range []struct {
			name   string
			decode func([]byte, *Interner) (any, error)
		}{{"now", bc.dec.DecodeJSON}, {"before", bc.dec.refDecodeJSON}} {
			b.Run(bc.name+"/"+v.name, func(b *testing.B) {
				in := NewInterner()
				b.SetBytes(int64(len(line)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := v.decode(line, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
