package kqapi

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/ratelimit"
	"github.com/specpipe/specpipe/internal/runtime/transport"
)

// server is a loopback kqapi stand-in for client tests: it checks the signature with its own
// code (not the generated signer) and answers from a handler per method.
type server struct {
	t     *testing.T
	clk   clock.Clock
	mu    sync.Mutex
	calls []time.Time
	paths []string
	reply func(method string, q map[string]string) string
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := map[string]string{}
	for k, v := range r.URL.Query() {
		q[k] = v[len(v)-1]
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(q[k])
	}
	b.WriteString("test-key")
	sum := md5.Sum([]byte(b.String()))
	s.mu.Lock()
	s.calls = append(s.calls, s.clk.Now())
	s.paths = append(s.paths, r.URL.Path)
	s.mu.Unlock()
	if q["sign"] != hex.EncodeToString(sum[:]) {
		fmt.Fprint(w, `{"status":0,"error":"签名错误","data":[]}`)
		return
	}
	method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	fmt.Fprint(w, s.reply(method, q))
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func newTest(t *testing.T, reply func(string, map[string]string) string) (*Client, *server) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	s := &server{t: t, clk: clk, reply: reply}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	c, err := New(Config{BaseURL: ts.URL, Account: "acct", Key: "test-key",
		Options: Options{Clock: clk, Limiter: ratelimit.NewMemory(clk)}})
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// recordPage is the shape of the real recorded response in the team's kqapi research notes (total a string,
// totalpage and page ints, every record field a string).
func recordPage(page, pages, total int, ids ...string) string {
	var recs []string
	for _, id := range ids {
		recs = append(recs, fmt.Sprintf(`{"atten_id":"%s","atten_device":"3394154900086","atten_uid":"1541764","atten_type":"1","atten_status":"255","atten_time":"1488382371","atten_date":"2017-03-01","companyId":"264327","realname":"员工","departname":"部门","remark":"考勤机1"}`, id))
	}
	return fmt.Sprintf(`{"status":1,"error":"","data":{"total":"%d","totalpage":%d,"page":%d,"attendata":[%s]}}`, total, pages, page, strings.Join(recs, ","))
}

func TestRecordLogDecodesRealSample(t *testing.T) {
	c, _ := newTest(t, func(string, map[string]string) string {
		return strings.Replace(recordPage(1, 11, 548, "145400741"), `"total":"548"`, `"total":"548"`, 1)
	})
	got, err := c.RecordLog(context.Background(), RecordLogParams{})
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	want := &RecordLogData{Total: 548, Totalpage: 11, Page: 1, Attendata: []Punch{{
		AttenID: "145400741", AttenDevice: "3394154900086", AttenUID: "1541764", AttenType: "1", AttenStatus: "255",
		AttenTime: time.Unix(1488382371, 0).In(loc), AttenDate: time.Date(2017, 3, 1, 0, 0, 0, 0, loc),
		CompanyID: "264327", Realname: "员工", Departname: "部门", Remark: "考勤机1",
	}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("RecordLog (-want +got):\n%s", d)
	}
}

func TestRecordLogAllWalksEveryPageAndSpacesCalls(t *testing.T) {
	c, s := newTest(t, func(_ string, q map[string]string) string {
		switch q["page"] {
		case "1":
			return recordPage(1, 3, 5, "1", "2")
		case "2":
			return recordPage(2, 3, 5, "3", "4")
		case "3":
			return recordPage(3, 3, 5, "5")
		}
		return recordPage(4, 3, 5)
	})
	var ids []string
	for p, err := range c.RecordLogAll(context.Background(), RecordLogParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.AttenID)
	}
	if d := cmp.Diff([]string{"1", "2", "3", "4", "5"}, ids); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}
	if len(s.calls) != 3 {
		t.Fatalf("calls = %d, want 3 (no call past the last page)", len(s.calls))
	}
	for i := 1; i < len(s.calls); i++ {
		if gap := s.calls[i].Sub(s.calls[i-1]); gap < 20*time.Second {
			t.Errorf("calls %d and %d are %v apart; kqapi needs 20s", i-1, i, gap)
		}
	}
}

func TestConcurrentCallsShareTheAccountInterval(t *testing.T) {
	// A manual clock: sleepers wake only when the test advances it, one slot at a time.
	clk := clock.NewManualFake(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	s := &server{t: t, clk: clk, reply: func(string, map[string]string) string { return `{"status":1,"error":"","data":[]}` }}
	ts := httptest.NewServer(s)
	defer ts.Close()
	c, err := New(Config{BaseURL: ts.URL, Account: "acct", Key: "test-key",
		Options: Options{Clock: clk, Limiter: ratelimit.NewMemory(clk)}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	const slot = 20*time.Second + 400*time.Millisecond // the vendor's 20 s plus the client's 2% margin
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetDepartment(context.Background(), GetDepartmentParams{}); err != nil {
				t.Error(err)
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := 1; i < n; i++ {
		for s.count() < i {
			if ctx.Err() != nil {
				t.Fatalf("only %d of %d calls arrived", s.count(), n)
			}
			time.Sleep(time.Millisecond)
		}
		if err := clk.BlockUntilWaiters(ctx, n-i); err != nil {
			t.Fatal(err)
		}
		clk.Advance(slot)
	}
	wg.Wait()
	want := []time.Duration{0, slot, 2 * slot, 3 * slot}
	var got []time.Duration
	for _, c := range s.calls {
		got = append(got, c.Sub(s.calls[0]))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("call times after the first (-want +got):\n%s", d)
	}
}

func TestVendorFailureIsAnAPIError(t *testing.T) {
	c, _ := newTest(t, func(string, map[string]string) string { return `{"status":0,"error":"账号不能为空","data":[]}` })
	_, err := c.GetDepartment(context.Background(), GetDepartmentParams{})
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an APIError", err)
	}
	if ae.Code != "0" || ae.Message != "账号不能为空" || ae.Op != "kqapi.getDepartment" {
		t.Errorf("APIError = %+v", ae)
	}
	if !strings.Contains(err.Error(), "kqapi.getDepartment") || !strings.Contains(err.Error(), "账号不能为空") {
		t.Errorf("message %q should name the operation and the vendor text", err)
	}
}

func TestHTMLAnswerIsAClearError(t *testing.T) {
	c, _ := newTest(t, func(string, map[string]string) string {
		return "<!DOCTYPE html><html><body>系统维护中</body></html>"
	})
	_, err := c.GetDepartment(context.Background(), GetDepartmentParams{})
	var re *transport.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a ResponseError", err)
	}
	if !strings.Contains(err.Error(), "HTML page") {
		t.Errorf("message %q should say the answer was HTML", err)
	}
}

func TestConstraintsCheckedBeforeAnyRequest(t *testing.T) {
	c, s := newTest(t, func(string, map[string]string) string { return `{"status":1,"error":"","data":[]}` })
	loc, _ := time.LoadLocation("Asia/Shanghai")
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, loc) }
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"recordlog across a month", func() error {
			_, err := c.RecordLog(context.Background(), RecordLogParams{Start: day(10, 30), End: day(11, 2)})
			return err
		}, "kqapi.recordlog: parameter end: must be in the same month as start"},
		{"dayReport over 31 days", func() error {
			_, err := c.DayReport(context.Background(), DayReportParams{Start: day(10, 1), End: day(11, 1), Useraccount: "1"})
			return err
		}, "kqapi.dayReport: parameter end: the range start..end spans 32 days; at most 31 are allowed"},
		{"dayReport several users", func() error {
			_, err := c.DayReport(context.Background(), DayReportParams{Start: day(10, 1), End: day(10, 2), Useraccount: "1,2"})
			return err
		}, "kqapi.dayReport: parameter useraccount: takes one value only"},
		{"required parameter", func() error {
			_, err := c.GetUserDetail(context.Background(), GetUserDetailParams{})
			return err
		}, "kqapi.getUserDetail: parameter useraccount: is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var pe *ParamError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v, want a ParamError starting %q", err, tc.want)
			}
		})
	}
	if len(s.calls) != 0 {
		t.Errorf("%d requests were sent; want none", len(s.calls))
	}
}

func TestMissingCredentialsNameTheVariables(t *testing.T) {
	_, err := New(ConfigFromEnv(func(string) string { return "" }))
	if err == nil || !strings.Contains(err.Error(), "KQAPI_ACCOUNT") || !strings.Contains(err.Error(), "KQAPI_KEY") {
		t.Errorf("err = %v, want it to name KQAPI_ACCOUNT and KQAPI_KEY", err)
	}
}

func TestKeyNeverInErrors(t *testing.T) {
	c, _ := newTest(t, func(string, map[string]string) string {
		return `{"status":0,"error":"bad key test-key","data":[]}`
	})
	_, err := c.GetDepartment(context.Background(), GetDepartmentParams{})
	if err == nil || strings.Contains(err.Error(), "test-key") {
		t.Errorf("err = %v; the key must be redacted", err)
	}
}
