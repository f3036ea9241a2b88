package kqapi

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/specpipe/specpipe/internal/emulator/company"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
)

// RateLimitMode says how the documented rule "接口请求调用频率要求大于20秒/次" is enforced.
type RateLimitMode int

// The rate-limit modes. The zero value is the default, one call per interval per API account
// across all endpoints (the natural reading of the global rule).
const (
	RateLimitPerAccount  RateLimitMode = iota // one call per interval per account, any endpoint
	RateLimitOff                              // no limit
	RateLimitPerEndpoint                      // one call per interval per account and endpoint
)

// Options configures an Emulator. The zero value is the documented behaviour.
type Options struct {
	Clock   emukit.Clock // nil: emukit.SystemClock{}
	Fixture *Fixture     // nil: DefaultFixture()
	// RateLimit selects how the 20 s rule is enforced (default per account).
	RateLimit RateLimitMode
	// RateInterval is the minimum gap between two calls (0: 20 s). Tests and the sandbox shorten it.
	RateInterval time.Duration
	// TimeWindow is how far requesttime may be from the emulator's clock (0: 60 s, the documented value).
	TimeWindow time.Duration
	// PlainUnicode turns off PHP-style escaping. By default, like PHP's json_encode, answers carry
	// non-ASCII characters as \uXXXX escapes and "/" as "\/".
	PlainUnicode bool
}

// Emulator is a stateful kqapi server. It is safe for concurrent use.
type Emulator struct {
	// Journal records every request, with sign, key and password masked.
	Journal *emukit.Journal
	// Faults injects failures in front of the handler.
	Faults *emukit.Faults

	clock   emukit.Clock
	opts    Options
	loc     *time.Location
	handler http.Handler

	mu         sync.Mutex
	companyID  string
	calendar   Calendar
	keys       map[string]string // API account → key
	depts      []Department
	emps       []Employee
	left       map[string]Employee // laid-off employees, still named in old punches
	devices    []Device
	applyTypes []ApplyType
	apps       []Application
	punches    []Punch
	lastCall   map[string]time.Time
	nextPunch  int64
	nextApp    int
	nextDept   int
	nextAcct   int
}

// secretParams are masked in the journal.
var secretParams = []string{"sign", "key", "password"}

// New returns an emulator seeded with opts.Fixture (or the default fixture).
func New(opts Options) (*Emulator, error) {
	if opts.Clock == nil {
		opts.Clock = emukit.SystemClock{}
	}
	if opts.RateInterval <= 0 {
		opts.RateInterval = 20 * time.Second
	}
	if opts.TimeWindow <= 0 {
		opts.TimeWindow = 60 * time.Second
	}
	f := opts.Fixture
	if f == nil {
		var err error
		if f, err = DefaultFixture(); err != nil {
			return nil, err
		}
	}
	e := &Emulator{
		Journal: &emukit.Journal{}, Faults: &emukit.Faults{},
		clock: opts.Clock, opts: opts, loc: company.Location(),
		companyID: f.CompanyID, calendar: f.Calendar,
		keys: map[string]string{}, left: map[string]Employee{}, lastCall: map[string]time.Time{},
		depts: slices.Clone(f.Departments), devices: slices.Clone(f.Devices),
		applyTypes: slices.Clone(f.ApplyTypes), apps: slices.Clone(f.Applications),
		punches:   slices.Clone(f.Punches),
		nextPunch: 763100000, nextApp: 5001, nextDept: 100, nextAcct: 1100000,
	}
	for _, a := range f.Accounts {
		if a.Account == "" || a.Key == "" {
			return nil, fmt.Errorf("kqapi: fixture has an API account without account or key")
		}
		e.keys[a.Account] = a.Key
	}
	for _, emp := range f.Employees {
		emp.Devices = slices.Clone(emp.Devices)
		e.emps = append(e.emps, emp)
		if n, err := strconv.Atoi(emp.Account); err == nil && n >= e.nextAcct {
			e.nextAcct = n + 1
		}
	}
	for _, p := range e.punches {
		e.nextPunch = max(e.nextPunch, p.ID+1)
	}
	for _, a := range e.apps {
		e.nextApp = max(e.nextApp, a.ID+1)
	}
	for _, d := range e.depts {
		e.nextDept = max(e.nextDept, d.ID+1)
	}
	e.handler = emukit.Middleware{Faults: e.Faults, Journal: e.Journal, Clock: e.clock, Secrets: secretParams,
		RateLimit: func(w http.ResponseWriter, r *http.Request) {
			e.write(w, http.StatusOK, envelope{Status: 0, Error: e.rateText(), Data: []any{}})
		}}.Wrap(http.HandlerFunc(e.serve))
	return e, nil
}

// ServeHTTP serves the API with faults applied in front.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.handler.ServeHTTP(w, r) }

// envelope is every answer: {"status":1,"error":"","data":...}.
type envelope struct {
	Status int    `json:"status"`
	Error  string `json:"error"`
	Data   any    `json:"data"`
}

// apiError is a status-0 answer with the vendor's text.
type apiError string

// Texts of the answers. Only 账号不能为空 is attested; the others are the emulator's wording of
// what the documentation describes.
const (
	errNoAccount     = "账号不能为空"
	errBadAccount    = "API账号不存在或未开启"
	errNoTime        = "请求时间不能为空"
	errTimeout       = "请求超时,请检查服务器的时间与接口服务器时间差是否超过60秒"
	errNoSign        = "签名不能为空"
	errBadSign       = "签名错误"
	errCrossMonth    = "不支持跨月查询记录"
	errSpan31        = "开始与结束时间跨度不能大于31天"
	errOneUser       = "仅支持单个员工获取"
	errDateFormat    = "日期格式错误,格式为yyyy-mm-dd"
	errTimeFormat    = "时间格式错误,格式为yyyy-mm-dd hh:ii:ss"
	errStartAfterEnd = "开始时间不能大于结束时间"
	errNoEmployee    = "员工不存在"
	errNoDept        = "部门不存在"
	errNoDevice      = "设备不存在"
)

// rateText is the answer to a call made too early. The real wording is unknown (no source quotes
// it); this text names the configured interval.
func (e *Emulator) rateText() string {
	return fmt.Sprintf("请求过于频繁,请%d秒后再试", int(math.Ceil(e.opts.RateInterval.Seconds())))
}

type handlerFunc func(e *Emulator, now time.Time, p params) (any, error)

// endpoints maps the lower-cased method name to its handler. ThinkPHP matches action names
// case-insensitively.
var endpoints = map[string]handlerFunc{
	"recordlog":        (*Emulator).recordlog,
	"getdepartment":    (*Emulator).getDepartment,
	"adddepartment":    (*Emulator).addDepartment,
	"updatedepartment": (*Emulator).updateDepartment,
	"getemployee":      (*Emulator).getEmployee,
	"getuserdetail":    (*Emulator).getUserDetail,
	"addemployee":      (*Emulator).addEmployee,
	"updateemployee":   (*Emulator).updateEmployee,
	"layoffemployee":   (*Emulator).layoffEmployee,
	"syncemployee":     (*Emulator).syncEmployee,
	"removeemployee":   (*Emulator).removeEmployee,
	"recheck":          (*Emulator).reCheck,
	"apply":            (*Emulator).apply,
	"applytype":        (*Emulator).applyType,
	"applyrecord":      (*Emulator).applyRecord,
	"report":           (*Emulator).report,
	"dayreport":        (*Emulator).dayReport,
	"getdevice":        (*Emulator).getDevice,
}

// params are the decoded query parameters; for a repeated key the last value wins, as in PHP.
type params map[string]string

func (p params) has(k string) bool { _, ok := p[k]; return ok }

// method extracts <method> from /Api/Api/<method>[/...] or /index.php/Api/Api/<method>[/...].
func method(path string) (string, bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) > 0 && strings.EqualFold(parts[0], "index.php") {
		parts = parts[1:]
	}
	if len(parts) < 3 || !strings.EqualFold(parts[0], "Api") || !strings.EqualFold(parts[1], "Api") || parts[2] == "" {
		return "", false
	}
	return parts[2], true
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	now := e.clock.Now()
	q, _ := url.ParseQuery(r.URL.RawQuery) // keeps what parses, like PHP
	p := params{}
	for k, v := range q {
		if len(v) > 0 {
			p[k] = v[len(v)-1]
		}
	}
	entry := emukit.Entry{Time: now, Method: r.Method, Path: r.URL.Path, Params: p, Identity: p["account"]}
	name, ok := method(r.URL.Path)
	h := endpoints[strings.ToLower(name)]
	if !ok {
		entry.Status, entry.Outcome = http.StatusNotFound, "not found"
		e.Journal.Add(entry, secretParams...)
		http.NotFound(w, r)
		return
	}
	data, err := e.call(now, name, h, p)
	env := envelope{Status: 1, Error: "", Data: data}
	entry.Status, entry.Code, entry.Outcome = http.StatusOK, "1", "ok"
	if err != nil {
		env = envelope{Status: 0, Error: err.Error(), Data: []any{}}
		entry.Code, entry.Outcome = "0", err.Error()
	}
	e.Journal.Add(entry, secretParams...)
	e.write(w, http.StatusOK, env)
}

// Error returns the vendor's text.
func (a apiError) Error() string { return string(a) }

// call authenticates the request, applies the rate limit and runs the endpoint.
func (e *Emulator) call(now time.Time, name string, h handlerFunc, p params) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	acct := p["account"]
	if acct == "" {
		return nil, apiError(errNoAccount)
	}
	key, ok := e.keys[acct]
	if !ok {
		return nil, apiError(errBadAccount)
	}
	if p["requesttime"] == "" {
		return nil, apiError(errNoTime)
	}
	rt, err := strconv.ParseInt(p["requesttime"], 10, 64)
	if err != nil || math.Abs(float64(now.Unix()-rt)) > e.opts.TimeWindow.Seconds() {
		return nil, apiError(errTimeout)
	}
	if p["sign"] == "" {
		return nil, apiError(errNoSign)
	}
	if p["sign"] != sign(p, key) {
		return nil, apiError(errBadSign)
	}
	if h == nil {
		return nil, apiError("非法操作:" + name)
	}
	// Only authenticated calls count towards the limit, and a call refused for being too early
	// does not move the clock: otherwise anyone could lock an account out by sending garbage, and
	// an impatient client would never get through. Calls rejected for their business parameters
	// (cross-month range, ...) did reach the server and count.
	if e.opts.RateLimit != RateLimitOff {
		k := acct
		if e.opts.RateLimit == RateLimitPerEndpoint {
			k += "\x00" + strings.ToLower(name)
		}
		if last, ok := e.lastCall[k]; ok && now.Sub(last) < e.opts.RateInterval {
			return nil, apiError(e.rateText())
		}
		e.lastCall[k] = now
	}
	return h(e, now, p)
}

// sign computes the kqapi signature: md5 of the values of every parameter except sign, ordered by
// key, concatenated with no separator, followed by the key; lower-case hex.
func sign(p map[string]string, key string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	h := md5.New()
	for _, k := range keys {
		h.Write([]byte(p[k]))
	}
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil))
}

func (e *Emulator) write(w http.ResponseWriter, status int, env envelope) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(env); err != nil {
		env = envelope{Status: 0, Error: "系统错误", Data: []any{}}
		buf.Reset()
		_ = enc.Encode(env)
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if !e.opts.PlainUnicode {
		b = phpEscape(b)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// phpEscape rewrites JSON the way PHP's json_encode writes it by default: every non-ASCII
// character as \uXXXX (UTF-16, with surrogate pairs) and "/" as "\/".
func phpEscape(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/2)
	for len(b) > 0 {
		c := b[0]
		if c < utf8.RuneSelf {
			if c == '/' {
				out = append(out, '\\', '/')
			} else {
				out = append(out, c)
			}
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		if r >= 0x10000 {
			r -= 0x10000
			out = fmt.Appendf(out, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			continue
		}
		out = fmt.Appendf(out, `\u%04x`, r)
	}
	return out
}

// orderedObject is a JSON object that keeps its keys in insertion order, like a PHP array.
// Empty, it encodes as [] (PHP's json_encode of an empty array).
type orderedObject struct {
	keys []string
	vals []any
}

func (o *orderedObject) set(k string, v any) {
	if i := slices.Index(o.keys, k); i >= 0 {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// MarshalJSON implements json.Marshaler.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	if len(o.keys) == 0 {
		return []byte("[]"), nil
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
