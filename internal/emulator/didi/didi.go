package didi

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/emukit"
)

// Options configures an Emulator. The zero value is the documented behaviour.
type Options struct {
	Clock   emukit.Clock // nil: emukit.SystemClock{}
	Fixture *Fixture     // nil: DefaultFixture()
	// TimestampWindow is how far timestamp may be from the emulator's clock (0: 300 s). Didi
	// publishes no number; 300 s is a guess.
	TimestampWindow time.Duration
	// TokenTTL is the lifetime of an access token (0: 1800 s, the documented expires_in).
	TokenTTL time.Duration
	// TokenPrefix begins every access token authorize issues (default none: 40 hex digits). A
	// secret scan sets a recognisable marker, to find a token that leaks.
	TokenPrefix string
	// RevokeOnReauthorize makes a new authorize call invalidate the client's older tokens. By
	// default older unexpired tokens stay valid (the real behaviour is undocumented).
	RevokeOnReauthorize bool
	// ErrnoAsString emits errno as a string ("0"), as the documentation's error example does.
	// By default errno is a number, as in real payloads quoted by the SDKs.
	ErrnoAsString bool
	// StringifyScalars emits every scalar of a record as a string, like the documentation's
	// examples ("type":"1","member_num":"0"). By default records follow the official Go SDK's
	// types: ids, amounts, type and parent_id strings; cycles, flags and counts numbers.
	StringifyScalars bool
	// TrimValues trims each value before signing, as the Java and PHP SDKs do on their side.
	// By default the received values are signed as they are.
	TrimValues bool
}

// Emulator is a stateful Didi Enterprise management API server. It is safe for concurrent use.
type Emulator struct {
	// Journal records every request with sign, client_secret, access_token and sign_key masked.
	Journal *emukit.Journal
	// Faults injects failures in front of the handler; FaultRateLimit answers errno 411.
	Faults *emukit.Faults

	clock   emukit.Clock
	opts    Options
	handler http.Handler

	mu        sync.Mutex
	clients   map[string]Client
	keys      map[string]*transportKey // client_id → key, for clients that require encryption
	allow     map[string]allowList     // client_id → IP allow list
	companies map[string]Company
	centers   []BudgetCenter
	members   []Member
	entities  []LegalEntity
	tokens    map[string]token
	nextID    int64
}

type token struct {
	clientID string
	expiry   time.Time
}

func tokenFor(clientID string, expiry time.Time) token {
	return token{clientID: clientID, expiry: expiry}
}

// secretParams are masked in the journal and in params_sign_str.
var secretParams = []string{"sign", "client_secret", "access_token", "sign_key"}

// New returns an emulator seeded with opts.Fixture (or the default fixture).
func New(opts Options) (*Emulator, error) {
	if opts.Clock == nil {
		opts.Clock = emukit.SystemClock{}
	}
	if opts.TimestampWindow <= 0 {
		opts.TimestampWindow = 300 * time.Second
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 1800 * time.Second
	}
	f := opts.Fixture
	if f == nil {
		var err error
		if f, err = DefaultFixture(); err != nil {
			return nil, err
		}
	}
	e := &Emulator{Journal: &emukit.Journal{}, Faults: &emukit.Faults{}, clock: opts.Clock, opts: opts,
		clients: map[string]Client{}, keys: map[string]*transportKey{}, allow: map[string]allowList{},
		companies: map[string]Company{}, tokens: map[string]token{},
		entities: slices.Clone(f.LegalEntities), nextID: 1125904357400001}
	for _, c := range f.Clients {
		if c.ClientID == "" || c.SignKey == "" {
			return nil, fmt.Errorf("didi: fixture has a client without client_id or sign_key")
		}
		if c.SignMethod == "" {
			c.SignMethod = SignMD5
		}
		if c.SignMethod != SignMD5 && c.SignMethod != SignSHA256 {
			return nil, fmt.Errorf("didi: client %s: unknown sign method %q", c.ClientID, c.SignMethod)
		}
		if c.Scope == "" {
			c.Scope = defaultScope
		}
		if c.Encryption != "" {
			k, err := newTransportKey(c.Encryption, c.AESKey)
			if err != nil {
				return nil, fmt.Errorf("didi: client %s: %w", c.ClientID, err)
			}
			e.keys[c.ClientID] = k
		}
		allow, err := parseAllowList(c.AllowedIPs)
		if err != nil {
			return nil, fmt.Errorf("didi: client %s: %w", c.ClientID, err)
		}
		e.allow[c.ClientID] = allow
		e.clients[c.ClientID] = c
	}
	for _, c := range f.Companies {
		e.companies[c.ID] = c
	}
	for _, bc := range f.BudgetCenters {
		bc.LeaderIDs = slices.Clone(bc.LeaderIDs)
		e.centers = append(e.centers, bc)
		if n, err := strconv.ParseInt(bc.ID, 10, 64); err == nil && n >= e.nextID {
			e.nextID = n + 1
		}
	}
	e.members = slices.Clone(f.Members)
	e.handler = emukit.Middleware{Faults: e.Faults, Journal: e.Journal, Clock: e.clock, Secrets: secretParams,
		RateLimit: func(w http.ResponseWriter, r *http.Request) {
			e.write(w, reply{errno: ErrRateLimit, errmsg: "由于访问过于频繁,请稍后访问"})
		}}.Wrap(http.HandlerFunc(e.serve))
	return e, nil
}

// ServeHTTP serves the API with faults applied in front.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.handler.ServeHTTP(w, r) }

// Error numbers (errno) the emulator answers, from the vendor's error definitions.
const (
	ErrOK               = 0
	ErrParam            = 400   // 请求参数相关错误(client_id/grant_type等错误)
	ErrToken            = 401   // access_token不合法或已过期
	ErrPhone            = 402   // 未传当前用户手机号或手机号不合法
	ErrMethod           = 405   // 请用POST方式请求access_token
	ErrTimestamp        = 408   // 参数错误,未正确传输timestamp
	ErrExpired          = 409   // 接口调用已过期,请重新调用
	ErrClientMismatch   = 410   // client_id不一致
	ErrRateLimit        = 411   // 由于访问过于频繁,请稍后访问
	ErrRequired         = 412   // client_id和client_secret为必填项
	ErrWhitelist        = 10001 // feature needs a whitelist / invalid legal_entity_id
	ErrBadParam         = 10003 // 参数错误
	ErrNoCompany        = 12001 // 参数错误(未正确传输company_id)
	ErrCompanyNotManage = 12002 // 该托管关系不存在,无权操作
	ErrSign             = 19999 // 签名失败
)

// reply is an answer: the envelope {errno, errmsg, request_id, data}, or for authorize the flat
// token object plus errno, errmsg and request_id.
type reply struct {
	errno  int
	errmsg string
	data   any     // nil: no data member
	flat   []field // authorize success: members before errno
	// seal, when set, encrypts the envelope into encrypt_data (the answer to an encrypted call).
	seal *transportKey
}

// field is one member of an ordered JSON object.
type field struct {
	k string
	v any
}

// object is a JSON object that keeps its members in order.
type object []field

// MarshalJSON implements json.Marshaler.
func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(f.k)
		buf.Write(kb)
		buf.WriteByte(':')
		if err := encodeValue(&buf, f.v); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func encodeValue(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}

// stringify turns every number inside v into a string (StringifyScalars).
func stringify(v any) any {
	switch x := v.(type) {
	case object:
		out := make(object, len(x))
		for i, f := range x {
			out[i] = field{f.k, stringify(f.v)}
		}
		return out
	case []object:
		out := make([]any, len(x))
		for i, o := range x {
			out[i] = stringify(o)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, o := range x {
			out[i] = stringify(o)
		}
		return out
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return v
}

func requestID() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func (e *Emulator) write(w http.ResponseWriter, r reply) {
	var errno any = r.errno
	if e.opts.ErrnoAsString {
		errno = strconv.Itoa(r.errno)
	}
	msg := r.errmsg
	if r.errno == ErrOK && msg == "" {
		msg = "SUCCESS"
	}
	o := slices.Clone(object(r.flat))
	head := object{{"errno", errno}, {"errmsg", msg}, {"request_id", requestID()}}
	o = append(o, head...)
	if r.data != nil {
		data := r.data
		if e.opts.StringifyScalars {
			data = stringify(data)
		}
		o = append(o, field{"data", data})
	}
	b, err := o.MarshalJSON()
	if err == nil && r.seal != nil {
		// The Java SDK decrypts encrypt_data into the whole answer (BaseService.setDecryptData).
		// The clear members beside it repeat errno, errmsg and request_id, for clients that read
		// no further; what the real server puts there is not documented.
		b, err = append(head, field{"encrypt_data", r.seal.seal(b)}).MarshalJSON()
	}
	if err != nil {
		b = []byte(`{"errno":19998,"errmsg":"系统异常"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// params are the request's arguments as strings: from the query for GET, from the top-level
// members of the JSON body for POST.
type params map[string]string

// readParams decodes the arguments. A POST body that is not JSON, or sent with another content
// type, carries no arguments (the server then reports the common parameters missing).
func readParams(r *http.Request) (params, error) {
	p := params{}
	if r.Method == http.MethodGet {
		q, _ := url.ParseQuery(r.URL.RawQuery)
		for k, v := range q {
			if len(v) > 0 {
				p[k] = v[len(v)-1] // the server signs the last of repeated values
			}
		}
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return p, fmt.Errorf("read body: %w", err)
	}
	if ct != "application/json" || len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return p, fmt.Errorf("body is not a JSON object")
	}
	for k, raw := range m {
		if s, ok := jsonString(raw); ok {
			p[k] = s
		}
	}
	return p, nil
}

// jsonString renders a JSON value the way the SDKs sign it: strings raw, numbers in shortest
// decimal form (1.0 → 1), booleans as true/false, objects and arrays as compact JSON. Null is
// absent.
func jsonString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case '{', '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return "", false
		}
		return buf.String(), true
	case 't', 'f':
		return string(raw), true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(f, 0) {
		return string(raw), true
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}

// signString is the canonical string: every parameter except sign (an extra sign_key sent by a
// buggy client is ignored), plus sign_key=<key>, sorted by key, joined as k=v with &, raw values.
func signString(p params, signKey string, trim bool) string {
	keys := make([]string, 0, len(p)+1)
	for k := range p {
		if k != "sign" && k != "sign_key" {
			keys = append(keys, k)
		}
	}
	keys = append(keys, "sign_key")
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		v := p[k]
		if k == "sign_key" {
			v = signKey
		} else if trim {
			v = strings.TrimSpace(v)
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}

// digest signs s with the client's method, lower-case hex.
func digest(method, s string) string {
	if method == SignSHA256 {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// apiError is a non-zero errno answer.
type apiError struct {
	errno  int
	errmsg string
	data   any
}

// Error describes the answer; it is only used in diagnostics.
func (a *apiError) Error() string { return fmt.Sprintf("errno %d: %s", a.errno, a.errmsg) }

func fail(errno int, msg string) *apiError { return &apiError{errno: errno, errmsg: msg} }

type route struct {
	method  string
	handler func(e *Emulator, now time.Time, c Client, p params) (any, *apiError)
}

var routes = map[string]route{
	"/river/BudgetCenter/get":  {http.MethodGet, (*Emulator).budgetGet},
	"/river/BudgetCenter/add":  {http.MethodPost, (*Emulator).budgetAdd},
	"/river/BudgetCenter/edit": {http.MethodPost, (*Emulator).budgetEdit},
	"/river/BudgetCenter/del":  {http.MethodPost, (*Emulator).budgetDel},
	"/river/Member/get":        {http.MethodGet, (*Emulator).memberGet},
	"/river/LegalEntity/get":   {http.MethodGet, (*Emulator).legalEntityGet},
}

// AuthorizePath is the token endpoint.
const AuthorizePath = "/river/Auth/authorize"

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	now := e.clock.Now()
	p, perr := readParams(r)
	entry := emukit.Entry{Time: now, Method: r.Method, Path: r.URL.Path, Params: p, Identity: p["client_id"]}
	var rep reply
	rt, known := routes[r.URL.Path]
	ip := peerIP(r)
	switch {
	case r.URL.Path != AuthorizePath && !known:
		entry.Status, entry.Outcome = http.StatusNotFound, "not found"
		e.Journal.Add(entry, secretParams...)
		http.NotFound(w, r)
		return
	case !e.allow[p["client_id"]].allows(ip):
		// The list is the app's (IP白名单); it is checked before anything else, authorize included.
		rep = reply{errno: ErrIPNotAllowed, errmsg: "IP不在白名单中,本次请求ip:" + ip.String()}
	case r.URL.Path == AuthorizePath:
		rep = e.authorize(now, r.Method, p, perr)
	case r.Method != rt.method:
		rep = reply{errno: ErrBadParam, errmsg: "请求方式错误,请使用" + rt.method}
	case perr != nil:
		rep = reply{errno: ErrBadParam, errmsg: "参数错误," + perr.Error()}
	default:
		var logical params
		rep, logical = e.call(now, rt, p)
		if rep.seal != nil { // journal what was meant, and how it came
			logical = maps.Clone(logical)
			logical["ent"] = p["ent"]
			entry.Params = logical
		}
	}
	entry.Status, entry.Code, entry.Outcome = http.StatusOK, strconv.Itoa(rep.errno), "ok"
	if rep.errno != ErrOK {
		entry.Outcome = rep.errmsg
	}
	e.Journal.Add(entry, secretParams...)
	e.write(w, rep)
}

// checkSigned runs the checks common to every clear call: known client, timestamp, signature.
func (e *Emulator) checkSigned(now time.Time, p params) (Client, *apiError) {
	c, ok := e.clients[p["client_id"]]
	if !ok {
		return c, fail(ErrParam, "非法的client_id")
	}
	if err := e.checkTimestamp(now, p); err != nil {
		return c, err
	}
	return c, e.checkSign(c, p)
}

func (e *Emulator) checkTimestamp(now time.Time, p params) *apiError {
	ts, err := strconv.ParseInt(strings.TrimSpace(p["timestamp"]), 10, 64)
	if err != nil {
		return fail(ErrTimestamp, "参数错误,未正确传输timestamp")
	}
	if math.Abs(float64(now.Unix()-ts)) > e.opts.TimestampWindow.Seconds() {
		return fail(ErrExpired, "接口调用已过期,请重新调用")
	}
	return nil
}

// checkSign checks p's signature with c's sign key and method.
func (e *Emulator) checkSign(c Client, p params) *apiError {
	s := signString(p, c.SignKey, e.opts.TrimValues)
	if p["sign"] == "" || p["sign"] != digest(c.SignMethod, s) {
		masked := params{}
		for k, v := range p {
			masked[k] = v
		}
		for _, k := range secretParams[1:] {
			if _, ok := masked[k]; ok {
				masked[k] = emukit.Masked
			}
		}
		a := fail(ErrSign, "签名失败")
		a.data = object{{"params_sign_str", signString(masked, emukit.Masked, e.opts.TrimValues)}}
		return a
	}
	return nil
}

// openTransport authenticates a management call's transport and returns the parameters it
// carries: the sent ones for a clear call; for an encrypted one, the decrypted ones with the clear
// client_id and access_token, and the key that seals the answer. The signature of an encrypted
// call is over what was sent; its timestamp is inside encrypt_content. Errors found before the
// content decrypts are answered in clear; later ones are sealed like any answer.
func (e *Emulator) openTransport(now time.Time, sent params) (Client, *transportKey, params, *apiError) {
	c, ok := e.clients[sent["client_id"]]
	if !ok {
		return c, nil, sent, fail(ErrParam, "非法的client_id")
	}
	key := e.keys[c.ClientID]
	ent := strings.TrimSpace(sent["ent"])
	encrypted := (ent != "" && ent != "0") || sent["encrypt_content"] != ""
	switch {
	case !encrypted && key == nil:
		_, err := e.checkSigned(now, sent)
		return c, nil, sent, err
	case !encrypted:
		return c, nil, sent, fail(ErrTransport, "参数错误,该应用已开启加密传输,请以ent和encrypt_content传参")
	case key == nil:
		return c, nil, sent, fail(ErrTransport, "参数错误,该应用未开启加密传输")
	case ent != strconv.Itoa(key.ent):
		return c, nil, sent, fail(ErrTransport, "参数错误,ent与应用的加密方式不一致")
	}
	if u := unescapeContent(sent["encrypt_content"]); u != sent["encrypt_content"] {
		sent = maps.Clone(sent)
		sent["encrypt_content"] = u
	}
	if err := e.checkSign(c, sent); err != nil {
		return c, nil, sent, err
	}
	plain, ok := key.open(sent["encrypt_content"])
	if !ok {
		return c, nil, sent, fail(ErrTransport, "参数错误,encrypt_content解密失败")
	}
	p := parsePlaintext(string(plain))
	p["client_id"], p["access_token"] = sent["client_id"], sent["access_token"]
	return c, key, p, e.checkTimestamp(now, p)
}

func (a *apiError) reply() reply { return reply{errno: a.errno, errmsg: a.errmsg, data: a.data} }

// authorize issues an access token: POST /river/Auth/authorize with a JSON body.
func (e *Emulator) authorize(now time.Time, method string, p params, perr error) reply {
	if method != http.MethodPost {
		return reply{errno: ErrMethod, errmsg: "请用POST方式请求access_token"}
	}
	if perr != nil {
		return reply{errno: ErrParam, errmsg: "请求参数相关错误," + perr.Error()}
	}
	if p["client_id"] == "" || p["client_secret"] == "" {
		return reply{errno: ErrRequired, errmsg: "client_id和client_secret为必填项"}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.checkSigned(now, p)
	if err != nil {
		return err.reply()
	}
	if p["client_secret"] != c.ClientSecret {
		return reply{errno: ErrParam, errmsg: "非法的client_secret"}
	}
	if p["grant_type"] != "client_credentials" {
		return reply{errno: ErrParam, errmsg: "非法的grant_type"}
	}
	if phone, ok := p["phone"]; ok && (len(phone) != 11 || strings.Trim(phone, "0123456789") != "") {
		return reply{errno: ErrPhone, errmsg: "未传当前用户手机号或手机号不合法"}
	}
	if e.opts.RevokeOnReauthorize {
		for k, t := range e.tokens {
			if t.clientID == c.ClientID {
				delete(e.tokens, k)
			}
		}
	}
	for k, t := range e.tokens { // forget expired tokens
		if !now.Before(t.expiry) {
			delete(e.tokens, k)
		}
	}
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	tok := e.opts.TokenPrefix + hex.EncodeToString(b)
	e.tokens[tok] = token{clientID: c.ClientID, expiry: now.Add(e.opts.TokenTTL)}
	return reply{flat: []field{{"access_token", tok}, {"expires_in", int(e.opts.TokenTTL / time.Second)},
		{"token_type", "Bearer"}, {"scope", c.Scope}}}
}

// call authenticates a management call and runs it. It returns the answer and the parameters the
// call carried (decrypted, for an encrypted call).
func (e *Emulator) call(now time.Time, rt route, sent params) (reply, params) {
	if sent["client_id"] == "" || sent["access_token"] == "" {
		return reply{errno: ErrRequired, errmsg: "client_id和access_token为必填项"}, sent
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, key, p, err := e.openTransport(now, sent)
	rep := e.run(now, rt, c, p, err)
	rep.seal = key
	return rep, p
}

// run answers an authenticated call, or its authentication error.
func (e *Emulator) run(now time.Time, rt route, c Client, p params, err *apiError) reply {
	if err != nil {
		return err.reply()
	}
	t, ok := e.tokens[p["access_token"]]
	if !ok || !now.Before(t.expiry) {
		return reply{errno: ErrToken, errmsg: "access_token不合法或已过期"}
	}
	if t.clientID != c.ClientID {
		return reply{errno: ErrClientMismatch, errmsg: "client_id不一致"}
	}
	company := strings.TrimSpace(p["company_id"])
	if company == "" {
		return reply{errno: ErrNoCompany, errmsg: "参数错误(未正确传输company_id)"}
	}
	if _, ok := e.companies[company]; !ok || !slices.Contains(c.Companies, company) {
		return reply{errno: ErrCompanyNotManage, errmsg: "该托管关系不存在,无权操作"}
	}
	data, aerr := rt.handler(e, now, c, p)
	if aerr != nil {
		return aerr.reply()
	}
	return reply{data: data}
}
