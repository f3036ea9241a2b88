package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, err string
	}{
		{
			name: "groups by person and work day, first and last, in order of arrival",
			// 1790830639 is 2026-10-01 12:57 in Shanghai; 1790881200 is 2026-10-02 03:00,
			// still the work day of 10-01; 1790884800 is 04:00, the next one.
			in: `{"atten_uid":"7","atten_status":"0","atten_time":"1790846730"}
{"atten_time":"1790830639","remark":"a \"quoted\" } value","atten_status":"0","atten_uid":"7"}
{"atten_uid":"8","atten_status":"255","atten_time":"1790830639"}
 { "atten_uid" : "7" , "atten_status" : "0" , "atten_time" : 1790881200 , "x" : {"y":["}"]} }

{"atten_uid":"7","atten_status":"0","atten_time":"1790884800"}`,
			want: `{"uid":"7","day":"2026-10-01","first":1790830639,"last":1790881200,"seconds":50561}
{"uid":"7","day":"2026-10-02","first":1790884800,"last":1790884800,"seconds":0}
`,
		},
		{name: "not an object", in: `[1]`, err: "line 1: not a punch record"},
		{name: "unterminated", in: `{"atten_uid":"7`, err: "line 1: not a punch record"},
		{name: "bad time", in: "\n" + `{"atten_uid":"7","atten_status":"0","atten_time":"x"}`, err: "line 2: atten_time"},
		{name: "missing time", in: `{"atten_uid":"7","atten_status":"0"}`, err: "line 1: not a punch record: want atten_uid and atten_time"},
		{name: "before 1992", in: `{"atten_uid":"7","atten_status":"0","atten_time":"600000000"}`, err: "before 1992"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(strings.NewReader(tc.in), &out)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, out.String()); d != "" {
				t.Errorf("output (-want +got):\n%s", d)
			}
		})
	}
}
