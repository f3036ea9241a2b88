package kqapi

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/emulator/company"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
)

var shanghai = company.Location()

// t0 is a working day inside the fixture's punch month.
var t0 = time.Date(2026, 10, 20, 10, 0, 0, 0, shanghai)

type harness struct {
	t     *testing.T
	emu   *Emulator
	srv   *httptest.Server
	clock *emukit.FakeClock
}

func start(t *testing.T, opts Options) *harness {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	opts.Clock = clock
	emu, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &harness{t: t, emu: emu, srv: srv, clock: clock}
}

// testSign is the test's own copy of the documented recipe, written apart from the emulator's.
func testSign(p map[string]string, key string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var s strings.Builder
	for _, k := range keys {
		s.WriteString(p[k])
	}
	s.WriteString(key)
	sum := md5.Sum([]byte(s.String()))
	return hex.EncodeToString(sum[:])
}

// signed adds account, requesttime (the clock's now) and sign to p.
func (h *harness) signed(p map[string]string, acct, key string) url.Values {
	q := map[string]string{"account": acct, "requesttime": strconv.FormatInt(h.clock.Now().Unix(), 10)}
	for k, v := range p {
		q[k] = v
	}
	v := url.Values{}
	for k, x := range q {
		v.Set(k, x)
	}
	v.Set("sign", testSign(q, key))
	return v
}

func (h *harness) raw(path string, q url.Values) (int, []byte) {
	h.t.Helper()
	resp, err := http.Get(h.srv.URL + path + "?" + q.Encode())
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, b
}

type answer struct {
	Status json.Number     `json:"status"`
	Error  string          `json:"error"`
	Data   json.RawMessage `json:"data"`
}

func decode(t *testing.T, b []byte) answer {
	t.Helper()
	var a answer
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return a
}

// call signs p for the sandbox account and calls /Api/Api/<method>.
func (h *harness) call(method string, p map[string]string) answer {
	h.t.Helper()
	return h.callAs(method, p, SandboxAccount, SandboxKey)
}

func (h *harness) callAs(method string, p map[string]string, acct, key string) answer {
	h.t.Helper()
	_, b := h.raw("/Api/Api/"+method, h.signed(p, acct, key))
	return decode(h.t, b)
}

func (h *harness) ok(method string, p map[string]string, into any) {
	h.t.Helper()
	a := h.call(method, p)
	if a.Status != "1" {
		h.t.Fatalf("%s %v: status %s error %q", method, p, a.Status, a.Error)
	}
	if into != nil {
		if err := json.Unmarshal(a.Data, into); err != nil {
			h.t.Fatalf("%s: data %s: %v", method, a.Data, err)
		}
	}
}

func noLimit() Options { return Options{RateLimit: RateLimitOff} }

func TestSignVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/signing.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors struct {
		Kqapi []struct {
			Name   string            `json:"name"`
			Params map[string]string `json:"params"`
			Key    string            `json:"key"`
			MD5    string            `json:"md5"`
		} `json:"kqapi"`
	}
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors.Kqapi) == 0 {
		t.Fatal("no kqapi vectors")
	}
	methods := map[string]string{"doc example": "recordlog", "recordlog page 2": "recordlog",
		"addDepartment with Chinese": "addDepartment", "getEmployee without page": "getEmployee"}
	for _, v := range vectors.Kqapi {
		t.Run(v.Name, func(t *testing.T) {
			if got := sign(v.Params, v.Key); got != v.MD5 {
				t.Errorf("sign = %s, want %s", got, v.MD5)
			}
			// The emulator accepts the vector's request as sent, at the vector's requesttime.
			fx := &Fixture{Accounts: []APIAccount{{v.Params["account"], v.Key}}}
			h := start(t, Options{Fixture: fx})
			rt, _ := strconv.ParseInt(v.Params["requesttime"], 10, 64)
			h.clock.Set(time.Unix(rt, 0))
			q := url.Values{}
			for k, x := range v.Params {
				q.Set(k, x)
			}
			q.Set("sign", v.MD5)
			_, body := h.raw("/Api/Api/"+methods[v.Name], q)
			if a := decode(t, body); a.Status != "1" {
				t.Errorf("vector request rejected: %s", body)
			}
			bad := []byte(v.MD5)
			bad[0] = map[bool]byte{true: '1', false: '0'}[bad[0] == '0']
			q.Set("sign", string(bad))
			h.emu.ResetRateLimit()
			_, body = h.raw("/Api/Api/"+methods[v.Name], q)
			if a := decode(t, body); a.Status != "0" || a.Error != errBadSign {
				t.Errorf("altered sign accepted: %s", body)
			}
		})
	}
}

// shape replaces every scalar with its JSON type, keeps object keys (an object whose keys are all
// numbers becomes {"<n>": shape of its first value}) and keeps the first element of arrays.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		numeric := len(x) > 0
		for k := range x {
			if _, err := strconv.Atoi(k); err != nil {
				numeric = false
			}
		}
		if numeric {
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return map[string]any{"<n>": shape(x[keys[0]])}
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{shape(x[0])}
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return "?"
}

func shapeOf(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return shape(v)
}

// TestDocExamples checks that every answer has the shape and scalar types of the documentation's
// example (seeds/kqapi-attendance-api.zh.txt).
func TestDocExamples(t *testing.T) {
	// An employee of the default fixture with leave in October, so Report's apply map is not empty.
	fx, err := DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	var leaver string
	for _, a := range fx.Applications {
		if a.TypeID == "211" || a.TypeID == "210" || a.TypeID == "212" || a.TypeID == "0" {
			leaver = a.Account
			break
		}
	}
	tests := []struct {
		method string
		params map[string]string
		doc    string
	}{
		{"recordlog", map[string]string{"start": "2026-10-20", "end": "2026-10-20"},
			`{"status":1,"error":"","data":{"total":"2","totalpage":1,"page":1,"attendata":[{"atten_id":"763103149","atten_device":"Q10171210591","atten_uid":"1176","atten_type":"1","atten_status":"0","atten_time":"1522405040","atten_date":"2018-03-30","companyId":"11024","realname":"员工1","departname":"部门1","remark":"广州分公司"}]}}`},
		{"getDepartment", nil, `{"status":1,"error":"","data":[{"id":"1","pid":"0","name":"部门1","top":"9"},{"id":"2","pid":"0","name":"部门2","top":"8"}]}`},
		{"addDepartment", map[string]string{"parentid": "0", "deptname": "新部门"}, `{"status":1,"error":"","data":123456}`},
		{"updateDepartment", map[string]string{"deptid": "101", "deptname": "总经理办公室"}, `{"status":1,"error":"","data":""}`},
		{"getEmployee", nil, `{"status":1,"error":"","data":{"total":"2","totalpage":1,"page":1,"userData":[{"account":"709394","realname":"员工1","fingerprint":7,"departname":"部门1","deptid":"1"}]}}`},
		{"getUserDetail", map[string]string{"useraccount": "1100207"}, `{"status":1,"error":"","data":{"account":"709394","email":"email@kqapi.com","realname":"员工1","mobile":"13800138000","sex":"1","departname":"部门1","fingerprint":7,"card":123456}}`},
		{"addEmployee", map[string]string{"realname": "新员工", "password": "e10adc3949ba59abbe56e057f20f883e", "mobile": "13900001111"}, `{"status":1,"error":"","data":{"account":"123456"}}`},
		{"updateEmployee", map[string]string{"useraccount": "1100207", "email": "a@b.cn"}, `{"status":1,"error":"","data":""}`},
		{"syncEmployee", map[string]string{"useraccount": "1100207", "sn": "Q10171210592"}, `{"status":1,"error":"","data":""}`},
		{"removeEmployee", map[string]string{"useraccount": "1100207", "sn": "Q10171210592"}, `{"status":1,"error":"","data":""}`},
		{"reCheck", map[string]string{"useraccount": "1100207", "time": "2026-10-19 09:00:00"}, `{"status":1,"error":"","data":""}`},
		{"Apply", map[string]string{"useraccount": "1100207", "starttime": "2026-10-21 09:00:00", "endtime": "2026-10-21 18:00:00", "type": "211"}, `{"status":1,"error":"","data":123}`},
		{"applyType", nil, `{"status":1,"error":"","data":{"210":"事假","211":"年假","212":"病假","0":"请假","1":"加班","2":"调休","3":"外出","4":"补签卡"}}`},
		{"applyRecord", map[string]string{"start": "2026-10-01", "end": "2026-10-31"}, `{"status":1,"error":"","data":{"total":"2","totalpage":1,"page":1,"data":[{"useraccount":"564442","typeid":"210","type_name":"外出","from":"2018-08-24 09:54","to":"2018-08-25 09:54","status":"已同意","realname":"员工1"}]}}`},
		{"Report", map[string]string{"start": "2026-10-01", "end": "2026-10-31", "useraccount": leaver}, `{"status":1,"error":"","data":{"total":"1","totalpage":1,"page":1,"data":[{"useraccount":"123","workday":"8","realday":"0","worktime":"172800","realtime":"0","notcheckin":"8","notcheckout":"8","patchtimes":"0","latertimes":"0","latetime":"0","earlytimes":"0","earlytime":"0","absenttimes":"8","absenttime":"172800","applytime":"7200","overtime":"0","switchtime":"0","outtime":"0","holidaytime":"0","moretime":"0","apply":{"16":3600,"20":3600}}]}}`},
		{"dayReport", map[string]string{"start": "2026-10-12", "end": "2026-10-16", "useraccount": "1100207"}, `{"status":1,"error":"","data":[{"useraccount":"101324","date":"2018-06-01","work":"10:30","offwork":"19:30","checkin":"0","checkout":"0","late":"0","leaveearly":"0","worktime":"32400","realtime":"0","absent":"32400"}]}`},
		{"getDevice", nil, `{"status":1,"error":"","data":[{"sn":"0474140800378","remark":"广州分公司","updatetime":"1395731701","expired":"0"}]}`},
		{"layoffEmployee", map[string]string{"useraccount": "1100216"}, `{"status":1,"error":"","data":""}`},
	}
	h := start(t, noLimit())
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			_, body := h.raw("/Api/Api/"+tc.method, h.signed(tc.params, SandboxAccount, SandboxKey))
			if d := cmp.Diff(shapeOf(t, []byte(tc.doc)), shapeOf(t, body)); d != "" {
				t.Errorf("shape differs from the documentation (-doc +emulator):\n%s\nbody: %.400s", d, body)
			}
		})
	}
}

func TestRejections(t *testing.T) {
	h := start(t, noLimit())
	fresh := func(p map[string]string) url.Values { return h.signed(p, SandboxAccount, SandboxKey) }
	tests := []struct {
		name    string
		method  string
		query   func() url.Values
		wantErr string
	}{
		{"no params", "recordlog", func() url.Values { return url.Values{} }, "账号不能为空"},
		{"empty account", "recordlog", func() url.Values { q := fresh(nil); q.Set("account", ""); return q }, "账号不能为空"},
		{"unknown account", "recordlog", func() url.Values { return h.signed(nil, "nobody", "nokey") }, errBadAccount},
		{"wrong key", "recordlog", func() url.Values { return h.signed(nil, SandboxAccount, "wrong") }, errBadSign},
		{"other account's key", "recordlog", func() url.Values { return h.signed(nil, SandboxAccount, SandboxKey2) }, errBadSign},
		{"param added after signing", "recordlog", func() url.Values { q := fresh(nil); q.Set("page", "2"); return q }, errBadSign},
		{"no sign", "recordlog", func() url.Values { q := fresh(nil); q.Del("sign"); return q }, errNoSign},
		{"stale time", "recordlog", func() url.Values {
			q := map[string]string{"account": SandboxAccount, "requesttime": strconv.FormatInt(t0.Unix()-61, 10)}
			v := url.Values{"account": {q["account"]}, "requesttime": {q["requesttime"]}}
			v.Set("sign", testSign(q, SandboxKey))
			return v
		}, errTimeout},
		{"future time", "recordlog", func() url.Values {
			q := map[string]string{"account": SandboxAccount, "requesttime": strconv.FormatInt(t0.Unix()+61, 10)}
			v := url.Values{"account": {q["account"]}, "requesttime": {q["requesttime"]}}
			v.Set("sign", testSign(q, SandboxKey))
			return v
		}, errTimeout},
		{"cross month", "recordlog", func() url.Values { return fresh(map[string]string{"start": "2026-09-30", "end": "2026-10-01"}) }, errCrossMonth},
		{"start after end", "recordlog", func() url.Values { return fresh(map[string]string{"start": "2026-10-05", "end": "2026-10-01"}) }, errStartAfterEnd},
		{"bad date", "recordlog", func() url.Values { return fresh(map[string]string{"start": "2026/10/01", "end": "2026-10-02"}) }, errDateFormat},
		{"dayReport 32 days", "dayReport", func() url.Values {
			return fresh(map[string]string{"start": "2026-10-01", "end": "2026-11-01", "useraccount": "1100207"})
		}, errSpan31},
		{"dayReport several users", "dayReport", func() url.Values {
			return fresh(map[string]string{"start": "2026-10-01", "end": "2026-10-02", "useraccount": "1100207,1100216"})
		}, errOneUser},
		{"dayReport unknown user", "dayReport", func() url.Values {
			return fresh(map[string]string{"start": "2026-10-01", "end": "2026-10-02", "useraccount": "42"})
		}, errNoEmployee},
		{"getUserDetail unknown", "getUserDetail", func() url.Values { return fresh(map[string]string{"useraccount": "42"}) }, errNoEmployee},
		{"addEmployee without mobile", "addEmployee", func() url.Values { return fresh(map[string]string{"realname": "x", "password": "y"}) }, "参数错误:mobile不能为空"},
		{"Apply unknown type", "Apply", func() url.Values {
			return fresh(map[string]string{"useraccount": "1100207", "starttime": "2026-10-21 09:00:00", "endtime": "2026-10-21 10:00:00", "type": "999"})
		}, "申请类型不存在"},
		{"unknown method", "nosuch", func() url.Values { return fresh(nil) }, "非法操作:nosuch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := h.raw("/Api/Api/"+tc.method, tc.query())
			a := decode(t, body)
			if code != http.StatusOK || a.Status != "0" || a.Error != tc.wantErr || string(a.Data) != "[]" {
				t.Errorf("got %d %s, want status 0 with error %q and data []", code, body, tc.wantErr)
			}
		})
	}
	// 31 days are fine.
	if a := h.call("dayReport", map[string]string{"start": "2026-10-01", "end": "2026-10-31", "useraccount": "1100207"}); a.Status != "1" {
		t.Errorf("31-day dayReport rejected: %s", a.Error)
	}
	// 60 s either way is fine.
	q := map[string]string{"account": SandboxAccount, "requesttime": strconv.FormatInt(t0.Unix()-60, 10)}
	v := url.Values{"account": {q["account"]}, "requesttime": {q["requesttime"]}, "sign": {testSign(q, SandboxKey)}}
	if _, body := h.raw("/Api/Api/getDevice", v); decode(t, body).Status != "1" {
		t.Errorf("requesttime 60 s old rejected: %s", body)
	}
}

func TestRateLimit(t *testing.T) {
	t.Run("per account", func(t *testing.T) {
		h := start(t, Options{})
		steps := []struct {
			advance time.Duration
			acct    string
			method  string
			want    string
		}{
			{0, SandboxAccount, "getDevice", "1"},
			{5 * time.Second, SandboxAccount, "getDepartment", "0"}, // another endpoint, same account
			{0, SandboxAccount2, "getDepartment", "1"},              // another account has its own clock
			{14 * time.Second, SandboxAccount, "getDevice", "0"},    // 19 s: still too early
			{1 * time.Second, SandboxAccount, "getDepartment", "1"}, // 20 s after the last accepted call
			{19 * time.Second, SandboxAccount, "getDevice", "0"},
			{1 * time.Second, SandboxAccount, "getDevice", "1"},
		}
		for i, s := range steps {
			h.clock.Advance(s.advance)
			key := map[string]string{SandboxAccount: SandboxKey, SandboxAccount2: SandboxKey2}[s.acct]
			a := h.callAs(s.method, nil, s.acct, key)
			if a.Status.String() != s.want {
				t.Fatalf("step %d (%s %s): status %s error %q, want %s", i, s.acct, s.method, a.Status, a.Error, s.want)
			}
			if s.want == "0" && a.Error != "请求过于频繁,请20秒后再试" {
				t.Errorf("step %d: error %q", i, a.Error)
			}
		}
	})
	t.Run("per account and endpoint", func(t *testing.T) {
		h := start(t, Options{RateLimit: RateLimitPerEndpoint, RateInterval: 2 * time.Second})
		steps := []struct {
			advance time.Duration
			method  string
			want    string
		}{
			{0, "getDevice", "1"},
			{0, "getDepartment", "1"},
			{time.Second, "getDevice", "0"},
			{time.Second, "getDevice", "1"},
			{0, "getDepartment", "1"},
		}
		for i, s := range steps {
			h.clock.Advance(s.advance)
			a := h.call(s.method, nil)
			if a.Status.String() != s.want {
				t.Fatalf("step %d (%s): status %s error %q, want %s", i, s.method, a.Status, a.Error, s.want)
			}
			if s.want == "0" && a.Error != "请求过于频繁,请2秒后再试" {
				t.Errorf("step %d: error %q", i, a.Error)
			}
		}
	})
	t.Run("failed auth does not count", func(t *testing.T) {
		h := start(t, Options{})
		if a := h.callAs("getDevice", nil, SandboxAccount, "wrong"); a.Error != errBadSign {
			t.Fatalf("got %q", a.Error)
		}
		if a := h.call("getDevice", nil); a.Status != "1" {
			t.Fatalf("first good call after a bad sign refused: %q", a.Error)
		}
	})
}

func TestPaging(t *testing.T) {
	h := start(t, noLimit())
	var seen []string
	for page := 1; page <= 4; page++ {
		var d struct {
			Total     string `json:"total"`
			TotalPage int    `json:"totalpage"`
			Page      int    `json:"page"`
			UserData  []struct {
				Account string `json:"account"`
			} `json:"userData"`
		}
		h.ok("getEmployee", map[string]string{"page": strconv.Itoa(page)}, &d)
		want := []int{50, 50, 20, 0}[page-1]
		if d.Total != "120" || d.TotalPage != 3 || d.Page != page || len(d.UserData) != want {
			t.Fatalf("page %d: total %s totalpage %d page %d rows %d", page, d.Total, d.TotalPage, d.Page, len(d.UserData))
		}
		for _, u := range d.UserData {
			seen = append(seen, u.Account)
		}
	}
	for _, page := range []string{"9223372036854775807", "-3", "abc"} {
		var d struct {
			Page     int               `json:"page"`
			UserData []json.RawMessage `json:"userData"`
		}
		h.ok("getEmployee", map[string]string{"page": page}, &d)
		if page == "9223372036854775807" && len(d.UserData) != 0 {
			t.Errorf("page %s: %d rows", page, len(d.UserData))
		}
		if page != "9223372036854775807" && (d.Page != 1 || len(d.UserData) != 50) {
			t.Errorf("page %s read as page %d with %d rows, want page 1", page, d.Page, len(d.UserData))
		}
	}
	var want []string
	for _, e := range h.emu.Employees() {
		want = append(want, e.Account)
	}
	if d := cmp.Diff(want, seen); d != "" {
		t.Errorf("pages do not walk every employee once (-want +got):\n%s", d)
	}

	// recordlog over a whole month: every October punch, once, in atten_id order.
	var ids []int64
	for page := 1; ; page++ {
		var d struct {
			Total     string `json:"total"`
			TotalPage int    `json:"totalpage"`
			Attendata []struct {
				ID   string `json:"atten_id"`
				Date string `json:"atten_date"`
			} `json:"attendata"`
		}
		h.ok("recordlog", map[string]string{"start": "2026-10-01", "end": "2026-10-31", "page": strconv.Itoa(page)}, &d)
		for _, r := range d.Attendata {
			n, _ := strconv.ParseInt(r.ID, 10, 64)
			ids = append(ids, n)
		}
		if page >= d.TotalPage {
			if d.Total != strconv.Itoa(len(ids)) {
				t.Errorf("total %s, walked %d", d.Total, len(ids))
			}
			break
		}
	}
	var all []int64
	for _, p := range h.emu.Punches() {
		if time.Unix(p.Time, 0).In(shanghai).Month() == time.October {
			all = append(all, p.ID)
		}
	}
	if d := cmp.Diff(all, ids); d != "" {
		t.Errorf("recordlog pages (-want +got):\n%s", d)
	}
}

func TestRecordlogDefaultsAndFilter(t *testing.T) {
	h := start(t, noLimit())
	type rec struct {
		UID  string `json:"atten_uid"`
		Date string `json:"atten_date"`
		Time string `json:"atten_time"`
	}
	var d struct {
		Total     string `json:"total"`
		Attendata []rec  `json:"attendata"`
	}
	h.ok("recordlog", nil, &d) // no dates: today, 2026-10-20 in Shanghai
	if len(d.Attendata) == 0 {
		t.Fatal("no punches today")
	}
	for _, r := range d.Attendata {
		if r.Date != "2026-10-20" {
			t.Fatalf("record of %s in today's log", r.Date)
		}
	}
	var one struct {
		Attendata []rec `json:"attendata"`
	}
	h.ok("recordlog", map[string]string{"start": "2026-10-01", "end": "2026-10-31", "useraccount": "1100207"}, &one)
	if len(one.Attendata) == 0 {
		t.Fatal("no punches for 1100207")
	}
	for _, r := range one.Attendata {
		if r.UID != "1100207" {
			t.Fatalf("record of %s when filtering 1100207", r.UID)
		}
	}
}

func TestState(t *testing.T) {
	h := start(t, noLimit())

	// addEmployee, then getEmployee and getUserDetail show the new account.
	var added struct {
		Account string `json:"account"`
	}
	h.ok("addEmployee", map[string]string{"realname": "新同事", "password": "e10adc3949ba59abbe56e057f20f883e",
		"mobile": "13900001111", "deptid": "102", "sex": "2", "card": "998877", "sn": "Q10171210592"}, &added)
	if added.Account == "" {
		t.Fatal("no account")
	}
	var emps struct {
		UserData []struct {
			Account    string `json:"account"`
			RealName   string `json:"realname"`
			DepartName string `json:"departname"`
			DeptID     string `json:"deptid"`
		} `json:"userData"`
	}
	h.ok("getEmployee", map[string]string{"page": "3"}, &emps)
	last := emps.UserData[len(emps.UserData)-1]
	if last.Account != added.Account || last.RealName != "新同事" || last.DeptID != "102" || last.DepartName != "研发部" {
		t.Errorf("last employee %+v, want the added one %s", last, added.Account)
	}
	var detail map[string]any
	h.ok("getUserDetail", map[string]string{"useraccount": added.Account}, &detail)
	if detail["mobile"] != "13900001111" || detail["sex"] != "2" || detail["card"] != float64(998877) {
		t.Errorf("detail %v", detail)
	}
	if a := h.call("addEmployee", map[string]string{"realname": "x", "password": "y", "mobile": "13900001111"}); a.Status != "0" {
		t.Error("duplicate mobile accepted")
	}

	// Apply, then applyRecord returns it.
	var appID int
	h.ok("Apply", map[string]string{"useraccount": added.Account, "starttime": "2026-10-22 09:00:00",
		"endtime": "2026-10-22 18:00:00", "type": "211", "reason": "回老家"}, &appID)
	var recs struct {
		Total string `json:"total"`
		Data  []struct {
			UserAccount string `json:"useraccount"`
			TypeID      string `json:"typeid"`
			TypeName    string `json:"type_name"`
			From        string `json:"from"`
			To          string `json:"to"`
			Status      string `json:"status"`
			RealName    string `json:"realname"`
		} `json:"data"`
	}
	h.ok("applyRecord", map[string]string{"start": "2026-10-22", "end": "2026-10-22", "useraccount": added.Account}, &recs)
	if recs.Total != "1" || len(recs.Data) != 1 {
		t.Fatalf("applyRecord: %+v", recs)
	}
	if d := cmp.Diff("211 年假 2026-10-22 09:00 2026-10-22 18:00 已同意 新同事", strings.Join([]string{recs.Data[0].TypeID,
		recs.Data[0].TypeName, recs.Data[0].From, recs.Data[0].To, recs.Data[0].Status, recs.Data[0].RealName}, " ")); d != "" {
		t.Errorf("applyRecord row: %s", d)
	}
	if got := h.emu.Applications(); got[len(got)-1].ID != appID {
		t.Errorf("Applications() last id %d, Apply answered %d", got[len(got)-1].ID, appID)
	}

	// reCheck adds a corrective punch that recordlog returns with its own atten_type.
	h.ok("reCheck", map[string]string{"useraccount": added.Account, "time": "2026-10-21 09:00:00"}, nil)
	var log struct {
		Attendata []struct {
			Type string `json:"atten_type"`
			Time string `json:"atten_time"`
		} `json:"attendata"`
	}
	h.ok("recordlog", map[string]string{"start": "2026-10-21", "end": "2026-10-21", "useraccount": added.Account}, &log)
	want := strconv.FormatInt(time.Date(2026, 10, 21, 9, 0, 0, 0, shanghai).Unix(), 10)
	if len(log.Attendata) != 1 || log.Attendata[0].Type != AttenTypeRecheck || log.Attendata[0].Time != want {
		t.Errorf("recordlog after reCheck: %+v", log.Attendata)
	}

	// addDepartment and updateDepartment show in getDepartment.
	var deptID int
	h.ok("addDepartment", map[string]string{"parentid": "102", "deptname": "算法组"}, &deptID)
	h.ok("updateDepartment", map[string]string{"deptid": strconv.Itoa(deptID), "deptname": "算法平台组"}, nil)
	var depts []map[string]string
	h.ok("getDepartment", nil, &depts)
	got := depts[len(depts)-1]
	if d := cmp.Diff(map[string]string{"id": strconv.Itoa(deptID), "pid": "102", "name": "算法平台组", "top": "0"}, got); d != "" {
		t.Errorf("new department (-want +got):\n%s", d)
	}
	if a := h.call("updateDepartment", map[string]string{"deptid": "102", "parentid": strconv.Itoa(deptID)}); a.Status != "0" {
		t.Error("department moved under its own child")
	}

	// layoffEmployee removes the employee.
	h.ok("layoffEmployee", map[string]string{"useraccount": added.Account}, nil)
	for _, e := range h.emu.Employees() {
		if e.Account == added.Account {
			t.Error("laid-off employee still listed")
		}
	}
	if a := h.call("getUserDetail", map[string]string{"useraccount": added.Account}); a.Status != "0" {
		t.Error("laid-off employee still has details")
	}
}

// TestReports checks Report and dayReport against a small hand-made fixture.
func TestReports(t *testing.T) {
	at := func(d int, hhmmss string) int64 {
		tt, err := time.ParseInLocation(localLayout, "2026-10-"+strconv.Itoa(d)+" "+hhmmss, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return tt.Unix()
	}
	fx := &Fixture{
		CompanyID:   "1",
		Accounts:    []APIAccount{{SandboxAccount, SandboxKey}},
		Departments: []Department{{ID: 1, Name: "部门1"}},
		Employees: []Employee{
			{Account: "100", RealName: "日班", DeptID: 1, Work: "09:00", Off: "18:00"},
			{Account: "200", RealName: "夜班", DeptID: 1, Work: "22:00", Off: "06:00"},
		},
		ApplyTypes: docApplyTypes,
		Applications: []Application{
			{ID: 1, Account: "100", TypeID: "211", Start: "2026-10-14 09:00:00", End: "2026-10-14 18:00:00", Status: "已同意"},
			{ID: 2, Account: "100", TypeID: "1", Start: "2026-10-15 18:00:00", End: "2026-10-15 20:00:00", Status: "已同意"},
		},
		Punches: []Punch{
			// Mon 12: on time, 10 min extra.
			{ID: 1, Account: "100", Type: "1", Status: "0", Time: at(12, "08:55:00")},
			{ID: 2, Account: "100", Type: "1", Status: "0", Time: at(12, "18:10:00")},
			// Tue 13: 15 min late, 30 min early.
			{ID: 3, Account: "100", Type: "1", Status: "0", Time: at(13, "09:15:00")},
			{ID: 4, Account: "100", Type: "1", Status: "0", Time: at(13, "17:30:00")},
			// Wed 14: leave. Thu 15: forgot to check in, a 补签 in the morning, overtime to 20:05.
			{ID: 5, Account: "100", Type: AttenTypeRecheck, Status: "0", Time: at(15, "09:00:00")},
			{ID: 6, Account: "100", Type: "1", Status: "0", Time: at(15, "20:05:00")},
			// Fri 16: no punch at all: absent.
			// Night shift: in Mon 12 21:50, out Tue 13 06:02 (crosses midnight); Tue 13 in only.
			{ID: 7, Account: "200", Type: "1", Status: "0", Time: at(12, "21:50:00")},
			{ID: 8, Account: "200", Type: "1", Status: "0", Time: at(13, "06:02:00")},
			{ID: 9, Account: "200", Type: "1", Status: "0", Time: at(13, "21:58:00")},
		},
	}
	h := start(t, Options{Fixture: fx, RateLimit: RateLimitOff})
	var day []map[string]string
	h.ok("dayReport", map[string]string{"start": "2026-10-12", "end": "2026-10-18", "useraccount": "100"}, &day)
	row := func(date, in, out, late, early, real, absent string) map[string]string {
		return map[string]string{"useraccount": "100", "date": date, "work": "09:00", "offwork": "18:00", "checkin": in,
			"checkout": out, "late": late, "leaveearly": early, "worktime": "32400", "realtime": real, "absent": absent}
	}
	s := func(n int64) string { return strconv.FormatInt(n, 10) }
	want := []map[string]string{
		row("2026-10-12", s(at(12, "08:55:00")), s(at(12, "18:10:00")), "0", "0", "32400", "0"),
		row("2026-10-13", s(at(13, "09:15:00")), s(at(13, "17:30:00")), "900", "1800", "29700", "0"),
		row("2026-10-14", "0", "0", "0", "0", "0", "0"),
		row("2026-10-15", s(at(15, "09:00:00")), s(at(15, "20:05:00")), "0", "0", "32400", "0"),
		row("2026-10-16", "0", "0", "0", "0", "0", "32400"),
	}
	if d := cmp.Diff(want, day); d != "" {
		t.Errorf("dayReport (-want +got):\n%s", d)
	}
	var night []map[string]string
	h.ok("dayReport", map[string]string{"start": "2026-10-12", "end": "2026-10-13", "useraccount": "200"}, &night)
	if len(night) != 2 || night[0]["checkout"] != s(at(13, "06:02:00")) || night[0]["realtime"] != "28800" ||
		night[1]["checkin"] != s(at(13, "21:58:00")) || night[1]["checkout"] != "0" {
		t.Errorf("night shift dayReport: %v", night)
	}

	var rep struct {
		Total string                       `json:"total"`
		Data  []map[string]json.RawMessage `json:"data"`
	}
	h.ok("Report", map[string]string{"start": "2026-10-12", "end": "2026-10-18", "useraccount": "100,200"}, &rep)
	if rep.Total != "2" || len(rep.Data) != 2 {
		t.Fatalf("Report: %+v", rep)
	}
	got := map[string]string{}
	for k, v := range rep.Data[0] {
		got[k] = string(v)
	}
	wantRep := map[string]string{"useraccount": `"100"`, "workday": `"5"`, "realday": `"3"`, "worktime": `"162000"`,
		"realtime": `"94500"`, "notcheckin": `"1"`, "notcheckout": `"1"`, "patchtimes": `"1"`, "latertimes": `"1"`,
		"latetime": `"900"`, "earlytimes": `"1"`, "earlytime": `"1800"`, "absenttimes": `"1"`, "absenttime": `"32400"`,
		"applytime": `"32400"`, "overtime": `"7200"`, "switchtime": `"0"`, "outtime": `"0"`, "holidaytime": `"0"`,
		"moretime": `"8100"`, "apply": `{"211":32400}`}
	if d := cmp.Diff(wantRep, got); d != "" {
		t.Errorf("Report row (-want +got):\n%s", d)
	}
	if string(rep.Data[1]["apply"]) != "[]" {
		t.Errorf("empty apply map encoded as %s, want [] like PHP", rep.Data[1]["apply"])
	}
}

func TestDefaultFixture(t *testing.T) {
	fx, err := DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodeFixture(BuildFixture(company.Default()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, defaultFixtureJSON) {
		t.Fatal("fixture.json is stale: run go generate ./internal/emulator/kqapi")
	}
	if len(fx.Employees) != 120 || len(fx.Accounts) < 2 || len(fx.Devices) == 0 || len(fx.Departments) != 8 {
		t.Fatalf("fixture: %d employees, %d accounts, %d devices, %d departments", len(fx.Employees), len(fx.Accounts), len(fx.Devices), len(fx.Departments))
	}
	shift := map[string]Employee{}
	for _, e := range fx.Employees {
		shift[e.Account] = e
	}
	type day struct {
		acct string
		date string
	}
	perDay := map[day]int{}
	var odd, recheck, dup, crossing int
	var last int64
	prev := map[string]int64{}
	for _, p := range fx.Punches {
		if p.ID <= last {
			t.Fatalf("atten_id %d after %d: not increasing", p.ID, last)
		}
		last = p.ID
		if p.Status != "0" {
			odd++
		}
		if p.Type == AttenTypeRecheck {
			recheck++
		}
		if p.Time-prev[p.Account] < 60 {
			dup++
		}
		prev[p.Account] = p.Time
		local := time.Unix(p.Time, 0).In(shanghai)
		e := shift[p.Account]
		d := local
		if e.Off < e.Work && local.Hour() < 12 { // night shift: the morning punch belongs to yesterday's shift
			d = local.AddDate(0, 0, -1)
			crossing++
		}
		perDay[day{p.Account, d.Format("2006-01-02")}]++
	}
	single := 0
	for _, n := range perDay {
		if n == 1 {
			single++
		}
	}
	share := float64(odd) / float64(len(fx.Punches))
	if share < 0.015 || share > 0.05 {
		t.Errorf("%.3f of punches have atten_status != 0, want about 0.03", share)
	}
	if recheck == 0 || dup == 0 || crossing == 0 || single == 0 {
		t.Errorf("rechecks %d, duplicates %d, night punches after midnight %d, single-punch days %d: want some of each", recheck, dup, crossing, single)
	}
	// Leave days have no punches.
	leaveDays := 0
	for _, a := range fx.Applications {
		if a.TypeID != "211" && a.TypeID != "210" && a.TypeID != "212" && a.TypeID != "0" {
			continue
		}
		from, _ := time.ParseInLocation(localLayout, a.Start, shanghai)
		if n := perDay[day{a.Account, from.Format("2006-01-02")}]; n != 0 {
			t.Errorf("%s has %d punches on leave day %s", a.Account, n, from.Format("2006-01-02"))
		}
		leaveDays++
	}
	if leaveDays == 0 {
		t.Error("no leave applications")
	}
	// Holidays have none at all.
	for k := range perDay {
		if k.date >= "2026-10-01" && k.date <= "2026-10-07" {
			t.Fatalf("punch on holiday %s", k.date)
		}
	}
}

func TestPathsAndEncoding(t *testing.T) {
	h := start(t, noLimit())
	for _, path := range []string{"/Api/Api/getDepartment", "/index.php/Api/Api/getDepartment", "/api/api/getdepartment/API"} {
		code, body := h.raw(path, h.signed(nil, SandboxAccount, SandboxKey))
		if code != http.StatusOK || decode(t, body).Status != "1" {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
	if code, _ := h.raw("/Api/getDepartment", h.signed(nil, SandboxAccount, SandboxKey)); code != http.StatusNotFound {
		t.Errorf("bad path answered %d", code)
	}
	_, body := h.raw("/Api/Api/getDepartment", h.signed(nil, SandboxAccount, SandboxKey))
	if !bytes.Contains(body, []byte(`"name":"\u603b\u7ecf\u529e"`)) {
		t.Errorf("non-ASCII not escaped like PHP: %.200s", body)
	}
	// A signed Chinese value (vector K3 style) round-trips through URL encoding.
	var id int
	h.ok("addDepartment", map[string]string{"parentid": "0", "deptname": "研发 二部"}, &id)
	if d := h.emu.Departments(); d[len(d)-1].Name != "研发 二部" {
		t.Errorf("department name %q", d[len(d)-1].Name)
	}

	plain := start(t, Options{RateLimit: RateLimitOff, PlainUnicode: true})
	_, body = plain.raw("/Api/Api/getDepartment", plain.signed(nil, SandboxAccount, SandboxKey))
	if !bytes.Contains(body, []byte(`"name":"总经办"`)) {
		t.Errorf("PlainUnicode: %.200s", body)
	}
}

func TestFaultsAndJournal(t *testing.T) {
	h := start(t, noLimit())
	h.emu.Faults.Queue(emukit.Fault5xx, emukit.FaultRateLimit)
	code, body := h.raw("/Api/Api/getDevice", h.signed(nil, SandboxAccount, SandboxKey))
	if code != http.StatusBadGateway || !bytes.Contains(body, []byte("502 Bad Gateway")) {
		t.Errorf("5xx fault: %d %s", code, body)
	}
	_, body = h.raw("/Api/Api/getDevice", h.signed(nil, SandboxAccount, SandboxKey))
	if a := decode(t, body); a.Status != "0" || a.Error != "请求过于频繁,请20秒后再试" {
		t.Errorf("rate-limit fault: %s", body)
	}
	h.ok("getDevice", nil, nil)
	h.call("addEmployee", map[string]string{"realname": "x", "password": "e10adc3949ba59abbe56e057f20f883e", "mobile": "13900002222"})
	h.callAs("getDevice", nil, SandboxAccount, "wrong")

	entries := h.emu.Journal.Entries()
	if len(entries) != 5 {
		t.Fatalf("%d journal entries, want 5", len(entries))
	}
	outcomes := []string{"fault: 5xx", "fault: ratelimit", "ok", "ok", errBadSign}
	for i, e := range entries {
		if e.Outcome != outcomes[i] || !e.Time.Equal(t0) {
			t.Errorf("entry %d: outcome %q time %v", i, e.Outcome, e.Time)
		}
	}
	last := entries[4]
	if last.Identity != SandboxAccount || last.Code != "0" || last.Path != "/Api/Api/getDevice" || last.Method != "GET" {
		t.Errorf("entry %+v", last)
	}
	if entries[3].Params["password"] != emukit.Masked || entries[3].Params["realname"] != "x" {
		t.Errorf("addEmployee params %v", entries[3].Params)
	}
	all, _ := json.Marshal(entries)
	for _, secret := range []string{SandboxKey, "e10adc3949ba59abbe56e057f20f883e"} {
		if bytes.Contains(all, []byte(secret)) {
			t.Errorf("journal contains a secret %q", secret)
		}
	}
	for _, e := range entries {
		if e.Params["sign"] != emukit.Masked {
			t.Errorf("sign not masked: %v", e.Params)
		}
	}
}
