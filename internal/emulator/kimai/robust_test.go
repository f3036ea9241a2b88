package kimai

import (
	"strings"
	"testing"
)

// TestOddInputNeverBreaks sends bodies of the wrong shape to every route: each must be answered
// with a JSON error or success, never a dropped connection (a panic) or a 500.
func TestOddInputNeverBreaks(t *testing.T) {
	bodies := []string{
		``, `[]`, `[1,2]`, `"x"`, `{"name":`, `null`,
		`{"name":[1],"customer":{"a":1},"project":true,"activity":null,"user":1.5,"begin":[],"end":{},"tags":{"a":"b"}}`,
		`{"teams":"abc","members":"x","roles":{"x":1},"color":["#fff"],"visible":[],"billable":{"a":1},"timeBudget":"1h x"}`,
		`{"members":[1,"a",null,{"user":{"x":1},"teamlead":[]},{"user":"-1","extra":1}],"name":"ok name"}`,
		`{"begin":"9999-99-99T99:99:99","end":"2026-02-30T10:00:00","project":"1e3","activity":"01","fixedRate":"abc","hourlyRate":"1,5"}`,
		`{"customer":"9999999999999999999999","number":"` + strings.Repeat("9", 300) + `","homepage":"http://[::1"}`,
		`{"copy":"all","begin":"bad","name":"X","value":["y"]}`,
	}
	paths := map[string]string{"{id}": "1"}
	for _, rt := range routes {
		path := "/" + strings.Join(rt.parts, "/")
		for k, v := range paths {
			path = strings.ReplaceAll(path, k, v)
		}
		for _, token := range []string{tokSuper, tokUser} {
			v := newEnv(t)
			v.addTS(2, testNow, 0)
			for _, b := range bodies {
				r := v.do(rt.method, path, token, b)
				if r.status >= 500 || r.status == 0 {
					t.Errorf("%s %s as %s with %s: %d %s", rt.method, path, token, b, r.status, r.body)
				}
				if r.status != 204 && r.status != 401 && len(r.body) > 0 && r.body[0] != '{' && r.body[0] != '[' {
					t.Errorf("%s %s: not JSON: %q", rt.method, path, r.body)
				}
			}
		}
	}
}
