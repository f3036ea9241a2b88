// Package transport is what every generated client uses to send a request: it applies the vendor's
// rate limits, adds common parameters, tokens and signatures (through the generated Prepare hook),
// retries what is safe to retry, decodes the vendor's envelope into data or a typed error, and keeps
// secrets out of errors and logs. Nothing API-specific lives here: the generated code passes the
// API's description ([API], [Op]) as data.
//
// Redirects: a write is never redirected (Go's client would resend a POST as a GET, and the
// write would go nowhere): a write answered by a redirect is a [*RedirectError] that names the
// Location. A read follows a redirect to the same host, keeping its method, and refuses one to
// another host or from https to http, so credentials never go there.
//
// Overload: an answer 429 or 503 (or the vendor's busy code) with Retry-After pauses every
// request of the client until then, not only the one told so, and the next call of every client
// sharing one of its rate keys (through the limiter's clock); with [Config.MaxInFlight]
// the number of requests in flight backs off (halves) and recovers (+1 after a run of answers
// without throttling); each pause and change is logged.
//
// Secrets: the credentials given to [New], every access token a request has carried (learned
// at run time, such as Didi's) and the request's own signature are redacted from errors and
// logs, in the forms the vendors echo them ([redact.Redactor]); a snippet of an answer is
// redacted before it is cut.
package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/ratelimit"
	"github.com/specpipe/specpipe/internal/runtime/redact"
	"github.com/specpipe/specpipe/internal/runtime/retry"
	"github.com/specpipe/specpipe/internal/runtime/tokencache"
)

// Doer sends a request. *http.Client implements it. A Doer should not follow redirects (see
// [WithoutRedirects]): one that does is stopped by cancelling the request it resends, on a
// best-effort basis.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Location is where a parameter goes.
type Location int

// Parameter locations.
const (
	Query Location = iota
	Body
	Path
	Header
)

// Param is one request parameter as it goes on the wire.
type Param struct {
	Name string
	In   Location
	Text string          // the text sent in a query, path or header, and the text that is signed
	JSON json.RawMessage // the value in a JSON body; nil means Text as a JSON string
}

// Request is a request being prepared.
type Request struct {
	Op     *Op
	Params []Param
	Header http.Header
}

// Set replaces the parameter of the same name and location, or appends it.
func (r *Request) Set(p Param) {
	for i := range r.Params {
		if r.Params[i].Name == p.Name && r.Params[i].In == p.In {
			r.Params[i] = p
			return
		}
	}
	r.Params = append(r.Params, p)
}

// Get returns the named parameter.
func (r *Request) Get(name string) (Param, bool) {
	for _, p := range r.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamsLocation is where ordinary parameters of this request go: the query for GET and DELETE, the
// body otherwise.
func (r *Request) ParamsLocation() Location {
	if r.Op.Method == http.MethodGet || r.Op.Method == http.MethodDelete {
		return Query
	}
	return Body
}

// Signed returns the text of every query and body parameter, the material a signer works on.
func (r *Request) Signed() map[string]string {
	m := make(map[string]string, len(r.Params))
	for _, p := range r.Params {
		if p.In == Query || p.In == Body {
			m[p.Name] = p.Text
		}
	}
	return m
}

// Op describes one operation. Generated code declares one per operation.
type Op struct {
	API, Name    string
	Method, Path string
	Write        bool   // changes vendor state
	RetrySafe    bool   // a write that may be sent twice
	NoAuth       bool   // sent without a token (the token operation itself)
	OKStatus     []int  // http envelopes: success statuses (nil: any 2xx)
	Hints        []Hint // advice for its errors, tried with API.Hints
	Permission   string // the vendor permission it needs, as the spec names it ("" none known)
}

// FullName is "api.operation", the name used in errors and logs.
func (o *Op) FullName() string { return o.API + "." + o.Name }

// Envelope says how to find success, code, message and data in an answer.
type Envelope struct {
	Style          string // "field" or "http"
	SuccessField   string
	SuccessValues  []string
	CodeField      string
	MessageField   string
	DataField      string
	RequestIDField string
	FieldErrors    string // "fosrest"
}

// RateLimit is a minimum interval between calls that share a key.
type RateLimit struct {
	Name         string
	Interval     time.Duration
	Per          []string // credential names whose values form the key
	PerOperation bool
	Only         []string // operations it applies to; nil: all
	Doc          string   // the vendor's words, for planning and listings
}

// API is what the transport needs to know about a vendor.
type API struct {
	Name       string
	Envelope   Envelope
	RateLimits []RateLimit
	RetryCodes []string // vendor codes meaning busy: retried, also for writes (not processed)
	// RetryMessages are texts whose presence in a vendor message means busy, for vendors that
	// answer every error with one code (kqapi: status 0).
	RetryMessages []string
	ExpiredCodes  []string // vendor codes meaning the token expired: re-authorize once and resend
	Hints         []Hint   // advice attached to the matching errors of every operation
}

// Config is what a user of a generated client may set. The zero value works: real clock, the
// default HTTP client with a timeout, an in-memory limiter, default retries.
type Config struct {
	// HTTPClient sends the requests. The transport decides itself which redirects to follow
	// (none for a write, same-host ones for a read): an *http.Client is used through a copy
	// that does not follow redirects, and a Doer of another kind that follows them is stopped
	// before it connects where the transport would not go.
	HTTPClient Doer
	Clock      clock.Clock
	Logger     *slog.Logger
	// Limiter spaces calls; share one between clients (or use the state store's) so that calls of one
	// credential are spaced across clients and processes. Nil: a limiter of this client alone.
	Limiter ratelimit.Limiter
	// Intervals overrides a rate limit's interval by its name (e.g. "account": 25*time.Second). A
	// shorter interval than the vendor's is allowed, for an emulator; it is logged once as a warning.
	Intervals map[string]time.Duration
	Retry     retry.Policy
	// Timeout bounds one attempt (default 60 s).
	Timeout time.Duration
	// Rand gives jitter to retries (nil: math/rand/v2).
	Rand func() float64
	// UserAgent is sent with every request (default "specpipe").
	UserAgent string
	// Tokens keeps access tokens between runs (the state store); nil: in memory only.
	Tokens tokencache.Store
	// MaxInFlight bounds the requests of the client in flight at once (0: no bound). The bound
	// adapts: it halves on an answer 429 or 503 (or the vendor's busy code) and grows back by
	// one after a run of answers that were not. Whatever it is, an answer with Retry-After
	// pauses every request of the client until then (at most Retry.Max).
	MaxInFlight int
}

// Transport sends the requests of one client. It is safe for concurrent use.
type Transport struct {
	api     *API
	baseURL *url.URL
	cfg     Config
	creds   map[string]string
	// secrets are the secrets given to New and every access token sent since (the Didi
	// token, learned at run time): redacted from every error and log line.
	secrets *redact.Set
	// Prepare adds common parameters, the token and the signature; it runs before every attempt, so
	// timestamps and signatures are fresh.
	prepare func(ctx context.Context, r *Request) error
	// reauthHook drops a token the vendor called expired (nil: the API has no token flow).
	reauthHook func(r *Request)
	// open decrypts an encrypted answer before its envelope is read (nil: answers are clear).
	open func(body []byte) ([]byte, error)
	// gate pauses every attempt when the vendor asks to retry later, and bounds the requests
	// in flight.
	gate *gate
}

// Hooks are the generated client's contributions.
type Hooks struct {
	Prepare func(ctx context.Context, r *Request) error
	// Reauth is called with the rejected request when the vendor answers an expired-token code.
	Reauth func(r *Request)
	// Open turns an answer body into the envelope, e.g. decrypts it ([Sealer.Open]); nil: the body
	// is the envelope. A failure is a *ResponseError (for a write, of unknown outcome).
	Open func(body []byte) ([]byte, error)
}

// New returns a transport for api at baseURL. creds are the credential values by name (used for
// rate-limit keys); secrets are redacted from every error and log line.
func New(api *API, baseURL string, cfg Config, creds map[string]string, secrets []string, hooks Hooks) (*Transport, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: base URL %q: want http(s)://host[:port][/prefix]", api.Name, baseURL)
	}
	cfg.HTTPClient = WithoutRedirects(cfg.HTTPClient)
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.NewMemory(cfg.Clock)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "specpipe"
	}
	set := redact.NewSet(secrets...)
	cfg.Logger = slog.New(redact.Handler(cfg.Logger.Handler(), set))
	t := &Transport{api: api, baseURL: u, cfg: cfg, creds: creds, secrets: set, prepare: hooks.Prepare, reauthHook: hooks.Reauth, open: hooks.Open,
		gate: newGate(cfg, api.Name)}
	for _, rl := range api.RateLimits {
		if d, ok := cfg.Intervals[rl.Name]; ok && d < rl.Interval {
			cfg.Logger.Warn("rate limit shortened below the vendor's", "api", api.Name, "limit", rl.Name,
				"vendor", rl.Interval, "configured", d)
		}
	}
	return t, nil
}

// Clock returns the transport's clock.
func (t *Transport) Clock() clock.Clock { return t.cfg.Clock }

// Logger returns the transport's (redacting) logger.
func (t *Transport) Logger() *slog.Logger { return t.cfg.Logger }

// Redactor returns a redactor of the client's secrets and of the access tokens it has sent so
// far.
func (t *Transport) Redactor() *redact.Redactor { return t.secrets.Redactor() }

// Meta is what an answer carried besides its data.
type Meta struct {
	Status    int
	Header    http.Header
	RequestID string
	// NoData reports a success that carried no data (an empty body, or null as the body or
	// as the envelope's data): out was left as it was. A write recorded as done needs
	// the target's id, so a caller that expects one must treat NoData as a failure.
	NoData bool
}

// Do sends op with params and decodes the answer's data into out (a pointer, or nil to discard).
func (t *Transport) Do(ctx context.Context, op *Op, params []Param, out any) (Meta, error) {
	var meta Meta
	red := t.Redactor()
	reauthed := false
	err := retry.Do(ctx, t.cfg.Clock, t.cfg.Retry, t.cfg.Rand, func(ctx context.Context, attempt int) (bool, time.Duration, error) {
		for {
			res := t.attempt(ctx, op, params, out, attempt)
			meta, red = res.meta, res.red
			var ae *APIError
			if res.err != nil && errors.As(res.err, &ae) && t.reauthHook != nil && !reauthed && slices.Contains(t.api.ExpiredCodes, ae.Code) {
				reauthed = true
				t.cfg.Logger.Info("token rejected as expired; re-authorizing", "op", op.FullName(), "code", ae.Code)
				t.reauthHook(res.sent)
				continue
			}
			if res.err != nil && res.retry {
				t.cfg.Logger.Warn("call failed; will retry", "op", op.FullName(), "attempt", attempt, "err", red.String(res.err.Error()))
			}
			return res.retry, res.after, res.err
		}
	})
	if err != nil {
		return meta, red.Error(err)
	}
	return meta, nil
}

func (t *Transport) canRetry(op *Op) bool { return !op.Write || op.RetrySafe }

// result is the outcome of one attempt.
type result struct {
	meta  Meta
	sent  *Request         // the prepared request, nil when it was not prepared
	retry bool             // a failure may be retried
	after time.Duration    // how long the vendor asked to wait (Retry-After), 0 if it did not
	busy  bool             // the vendor answered its busy code (or message): it is throttling
	err   error            // redacted with red
	red   *redact.Redactor // the client's secrets and the credentials of this request
}

// attempt sends the request once.
func (t *Transport) attempt(ctx context.Context, op *Op, params []Param, out any, attempt int) result {
	res := result{red: t.Redactor()}
	fail := func(retry bool, after time.Duration, err error) result {
		res.retry, res.after, res.err = retry, after, err
		return res
	}
	if err := t.wait(ctx, op); err != nil {
		return fail(false, 0, err)
	}
	epoch, err := t.gate.acquire(ctx, op)
	if err != nil {
		return fail(false, 0, err)
	}
	defer t.release(ctx, op, epoch, &res)
	r := &Request{Op: op, Params: slices.Clone(params), Header: http.Header{}}
	res.sent = r
	if t.prepare != nil {
		if err := t.prepare(ctx, r); err != nil {
			return fail(false, 0, fmt.Errorf("%s: prepare request: %w", op.FullName(), err))
		}
	}
	red := t.learn(r)
	res.red = red
	req, err := t.build(ctx, r, red)
	if err != nil {
		return fail(false, 0, err)
	}
	actx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	actx, stop := context.WithCancelCause(actx)
	defer stop(nil)
	req = req.WithContext(httptrace.WithClientTrace(actx, redirectGuard(op, stop)))
	start := t.cfg.Clock.Now()
	resp, err := t.send(op, req, red)
	t.recordEnd(ctx, op)
	if err != nil {
		// A redirect not followed, by send or by the guard (whose cause the HTTP client may
		// wrap in a *url.Error, which holds the URL: it is left out).
		var rerr *RedirectError
		if errors.As(err, &rerr) {
			return fail(false, 0, rerr)
		}
		if rerr, ok := stoppedByGuard(actx); ok {
			return fail(false, 0, rerr)
		}
		if ctx.Err() != nil {
			return fail(false, 0, fmt.Errorf("%s: %w", op.FullName(), ctx.Err()))
		}
		// A write whose request may have reached the vendor has an unknown outcome.
		// The URL is left out of the message: a query may carry a token or a signature.
		msg := err.Error()
		var ue *url.Error
		if errors.As(err, &ue) {
			msg = fmt.Sprintf("%s %s: %v", ue.Op, op.Path, ue.Err)
		}
		return fail(t.canRetry(op), 0, &NetworkError{Op: op.FullName(), Unknown: op.Write, Err: errors.New(red.String(msg))})
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	res.meta = Meta{Status: resp.StatusCode, Header: resp.Header}
	if err != nil {
		return fail(t.canRetry(op), 0, &NetworkError{Op: op.FullName(), Unknown: op.Write, Err: fmt.Errorf("read answer: %s", red.String(err.Error()))})
	}
	t.cfg.Logger.Debug("call", "op", op.FullName(), "attempt", attempt, "status", resp.StatusCode,
		"elapsed", t.cfg.Clock.Now().Sub(start), "bytes", len(body))
	if t.open != nil {
		// Not retried: an answer that does not decrypt will not decrypt the next time either.
		if body, err = t.open(body); err != nil {
			return fail(false, 0, &ResponseError{Op: op.FullName(), Status: resp.StatusCode, Err: err})
		}
	}
	if f, ok := out.(*File); ok && resp.StatusCode/100 == 2 {
		readFile(f, resp.Header, body) // a download: the answer is the file, not an envelope
		return res
	}
	data, reqID, derr := t.decode(op, resp, body, red)
	res.meta.RequestID = reqID
	if derr != nil {
		var ae *APIError
		if errors.As(derr, &ae) {
			ae.Hint = hint(op, t.api, ae)
			busy := slices.Contains(t.api.RetryCodes, ae.Code) || resp.StatusCode == http.StatusTooManyRequests ||
				slices.ContainsFunc(t.api.RetryMessages, func(m string) bool { return m != "" && strings.Contains(ae.Message, m) })
			if busy {
				ae.Retryable = true
				res.busy = true
				return fail(true, t.retryAfter(resp), derr)
			}
			if resp.StatusCode >= 500 {
				ae.Retryable = true
				return fail(t.canRetry(op), t.retryAfter(resp), derr)
			}
			return fail(false, 0, derr)
		}
		// An answer that cannot be read: for a read, try again; for a write, the outcome is unknown.
		return fail(t.canRetry(op), 0, derr)
	}
	d := bytes.TrimSpace(data)
	res.meta.NoData = len(d) == 0 || string(d) == "null"
	if out != nil && !res.meta.NoData {
		if err := json.Unmarshal(data, out); err != nil {
			return fail(false, 0, &ResponseError{Op: op.FullName(), Status: resp.StatusCode, Snippet: snippet(red, data),
				Err: fmt.Errorf("decode data: %w", err)})
		}
	}
	return res
}

// retryAfter is how long the vendor asked to wait before the next attempt: its Retry-After
// header in either form, delay seconds or an HTTP date (RFC 9110 section 10.2.3), relative to
// the transport's clock; 0 when it did not say. The retry policy caps it (retry.Policy.Max).
func (t *Transport) retryAfter(resp *http.Response) time.Duration {
	return retry.ParseRetryAfter(resp.Header.Get("Retry-After"), t.cfg.Clock.Now())
}

// learn adds the access tokens r carries to the transport's secrets for good, and returns a
// redactor of those secrets and of every credential r carries, such as its signature, which
// is secret for this request only (a vendor that echoes it allows offline guessing of a weak
// key). A credential is a parameter or header named as one ([redact.SecretParams],
// Authorization, X-AUTH-TOKEN).
func (t *Transport) learn(r *Request) *redact.Redactor {
	var tokens, creds []string
	add := func(name, v string) {
		switch strings.ToLower(name) {
		case "access_token", "token", "api_token", "x-auth-token":
			tokens = append(tokens, v)
		case "authorization":
			if _, cred, ok := strings.Cut(v, " "); ok {
				tokens = append(tokens, strings.TrimSpace(cred))
			}
			tokens = append(tokens, v)
		default:
			if slices.ContainsFunc(redact.SecretParams(), func(s string) bool { return strings.EqualFold(s, name) }) {
				creds = append(creds, v)
			}
		}
	}
	for _, p := range r.Params {
		add(p.Name, p.Text)
	}
	for name, vs := range r.Header {
		for _, v := range vs {
			add(name, v)
		}
	}
	if len(tokens) > 0 {
		t.secrets.Add(tokens...)
	}
	return t.secrets.Redactor().With(creds...)
}

// wait applies every rate limit of op.
func (t *Transport) wait(ctx context.Context, op *Op) error {
	for _, rl := range t.api.RateLimits {
		if len(rl.Only) > 0 && !slices.Contains(rl.Only, op.Name) {
			continue
		}
		interval := t.interval(rl)
		if interval <= 0 {
			continue
		}
		if err := t.cfg.Limiter.Wait(ctx, t.RateKey(rl, op), interval); err != nil {
			return fmt.Errorf("%s: waiting for rate limit %s: %w", op.FullName(), rl.Name, err)
		}
	}
	return nil
}

// interval is the spacing the limiter keeps for rl: the configured interval (the vendor's
// unless Config.Intervals overrides it) with a 2% margin, since calls spaced exactly at the
// interval can arrive closer together than they were sent (latency varies), and vendors say
// "more than 20 s" (大于20秒). Zero or less: no spacing.
func (t *Transport) interval(rl RateLimit) time.Duration {
	interval := rl.Interval
	if d, ok := t.cfg.Intervals[rl.Name]; ok {
		interval = d
	}
	return interval + interval/50
}

// release ends an attempt of op, sent in the gate's epoch, whose outcome is res: its in-flight
// slot goes back, and when
// the vendor asked for a pause, the rate clocks of op's limits are moved so that their next
// call is not before its end, for every client sharing the limiter (the state store's: every
// process).
func (t *Transport) release(ctx context.Context, op *Op, epoch int, res *result) {
	until, paused := t.gate.release(op, epoch, res)
	rec, ok := t.cfg.Limiter.(ratelimit.Recorder)
	if !paused || !ok {
		return
	}
	for _, rl := range t.api.RateLimits {
		interval := t.interval(rl)
		if interval <= 0 || (len(rl.Only) > 0 && !slices.Contains(rl.Only, op.Name)) {
			continue
		}
		// Recorded as a call that ended one interval before the pause's end.
		if err := rec.Record(context.WithoutCancel(ctx), t.RateKey(rl, op), until.Add(-interval)); err != nil {
			t.cfg.Logger.Warn("record a pause on the rate limit", "op", op.FullName(), "limit", rl.Name, "err", err.Error())
		}
	}
}

// recordEnd tells a limiter that can record (ratelimit.Recorder) that a call of op has ended, so
// the next call is spaced from the end of this one, not only from its start.
func (t *Transport) recordEnd(ctx context.Context, op *Op) {
	rec, ok := t.cfg.Limiter.(ratelimit.Recorder)
	if !ok {
		return
	}
	now := t.cfg.Clock.Now()
	for _, rl := range t.api.RateLimits {
		if len(rl.Only) > 0 && !slices.Contains(rl.Only, op.Name) {
			continue
		}
		if err := rec.Record(context.WithoutCancel(ctx), t.RateKey(rl, op), now); err != nil {
			t.cfg.Logger.Warn("record the end of a call for the rate limit", "op", op.FullName(), "limit", rl.Name, "err", err.Error())
		}
	}
}

// RateKey is the limiter key of rl for op: api, limit name and the credential values it is per (an
// account name is not a secret; a secret credential is never part of a key).
func (t *Transport) RateKey(rl RateLimit, op *Op) string {
	parts := []string{t.api.Name, rl.Name}
	for _, c := range rl.Per {
		parts = append(parts, t.creds[c])
	}
	if rl.PerOperation {
		parts = append(parts, op.Name)
	}
	return strings.Join(parts, ":")
}

// build turns a prepared request into an http.Request. A header value that would break the
// request (a line break or NUL, as a token file with a second line gives) is a *ParamError, not
// a network error to retry; the value is never shown.
func (t *Transport) build(ctx context.Context, r *Request, red *redact.Redactor) (*http.Request, error) {
	path := r.Op.Path
	q := url.Values{}
	var body bytes.Buffer
	nbody := 0
	for _, p := range r.Params {
		switch p.In {
		case Path:
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(p.Text))
		case Query:
			q.Add(p.Name, p.Text)
		case Header:
			if strings.ContainsAny(p.Text, "\r\n\x00") {
				return nil, &ParamError{Op: r.Op.FullName(), Param: p.Name,
					Msg: "holds a line break or NUL, which no HTTP header may hold (a credential read from a file must be one line)"}
			}
			r.Header.Set(p.Name, p.Text)
		case Body:
			if nbody == 0 {
				body.WriteByte('{')
			} else {
				body.WriteByte(',')
			}
			nbody++
			k, _ := json.Marshal(p.Name)
			body.Write(k)
			body.WriteByte(':')
			if p.JSON != nil {
				body.Write(p.JSON)
			} else {
				v, _ := json.Marshal(p.Text)
				body.Write(v)
			}
		}
	}
	if nbody > 0 {
		body.WriteByte('}')
	} else if r.Op.Method == http.MethodPost || r.Op.Method == http.MethodPatch || r.Op.Method == http.MethodPut {
		body.WriteString("{}")
	}
	u := *t.baseURL
	u.Path = t.baseURL.Path + path
	u.RawQuery = q.Encode()
	var rd io.Reader
	if body.Len() > 0 {
		rd = bytes.NewReader(body.Bytes())
	}
	req, err := http.NewRequestWithContext(ctx, r.Op.Method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("%s: build request: %s", r.Op.FullName(), red.String(err.Error()))
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", t.cfg.UserAgent)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	} else if r.Op.Method == http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req, nil
}

// snippetLen is how much of an answer an error quotes.
const snippetLen = 120

// snippet is the start of an answer for an error: redacted before it is cut, so that a secret
// the cut goes through leaves no prefix behind, and with the values of credential fields
// (access_token, sign...) masked, which may be new (a token being handed out).
func snippet(red *redact.Redactor, b []byte) string {
	s := strings.TrimSpace(string(b))
	if w := snippetLen + red.Longest(); len(s) > w { // the window holds every secret the cut goes through
		s = s[:w]
	}
	s = redact.Fields(red.String(s))
	return dropCutRune(s[:min(len(s), snippetLen)])
}

// dropCutRune drops a UTF-8 sequence cut short at the end of s.
func dropCutRune(s string) string {
	for i := 1; i <= utf8.UTFMax && i <= len(s); i++ {
		if utf8.RuneStart(s[len(s)-i]) {
			if !utf8.FullRuneInString(s[len(s)-i:]) {
				return s[:len(s)-i]
			}
			return s
		}
	}
	return s
}

// Encoder adapts an operation's parameter encoder that cannot fail to [Call]'s encode.
func Encoder(encode func() []Param) func() ([]Param, error) {
	return func() ([]Param, error) { return encode(), nil }
}

// Call is the body every generated operation shares: check the parameters, encode them, send the
// request and decode the answer's data into a W (the operation's wire type). Nothing is sent when
// validate or encode fails.
//
// A write whose operation returns a record (W is not json.RawMessage, which operations that
// return nothing use) and whose success carries no data is a *ResponseError, whose outcome is
// unknown: without the record there is no target id to record the write as done with, and
// whether it took effect cannot be told (a proxy answering 200 with an empty body).
func Call[W any](ctx context.Context, t *Transport, op *Op, validate func() error, encode func() ([]Param, error)) (W, Meta, error) {
	var w W
	if err := validate(); err != nil {
		return w, Meta{}, err
	}
	ps, err := encode()
	if err != nil {
		return w, Meta{}, err
	}
	m, err := t.Do(ctx, op, ps, &w)
	if _, none := any(w).(json.RawMessage); err == nil && op.Write && m.NoData && !none {
		err = &ResponseError{Op: op.FullName(), Status: m.Status,
			Err: errors.New("the write's answer carries no data, so no target id: it may or may not have taken effect")}
	}
	return w, m, err
}
