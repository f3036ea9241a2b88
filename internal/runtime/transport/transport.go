// Package transport is what every generated client uses to send a request: it applies the vendor's
// rate limits, adds common parameters, tokens and signatures (through the generated Prepare hook),
// retries what is safe to retry, decodes the vendor's envelope into data or a typed error, and keeps
// secrets out of errors and logs. Nothing API-specific lives here: the generated code passes the
// API's description ([API], [Op]) as data.
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
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/ratelimit"
	"github.com/specpipe/specpipe/internal/runtime/redact"
	"github.com/specpipe/specpipe/internal/runtime/retry"
	"github.com/specpipe/specpipe/internal/runtime/tokencache"
)

// Doer sends a request. *http.Client implements it.
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
	Write        bool  // changes vendor state
	RetrySafe    bool  // a write that may be sent twice
	NoAuth       bool  // sent without a token (the token operation itself)
	OKStatus     []int // http envelopes: success statuses (nil: any 2xx)
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
}

// Config is what a user of a generated client may set. The zero value works: real clock, the
// default HTTP client with a timeout, an in-memory limiter, default retries.
type Config struct {
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
}

// Transport sends the requests of one client. It is safe for concurrent use.
type Transport struct {
	api     *API
	baseURL *url.URL
	cfg     Config
	creds   map[string]string
	red     *redact.Redactor
	// Prepare adds common parameters, the token and the signature; it runs before every attempt, so
	// timestamps and signatures are fresh.
	prepare func(ctx context.Context, r *Request) error
	// reauthHook drops a token the vendor called expired (nil: the API has no token flow).
	reauthHook func(r *Request)
}

// Hooks are the generated client's contributions.
type Hooks struct {
	Prepare func(ctx context.Context, r *Request) error
	// Reauth is called with the rejected request when the vendor answers an expired-token code.
	Reauth func(r *Request)
}

// New returns a transport for api at baseURL. creds are the credential values by name (used for
// rate-limit keys); secrets are redacted from every error and log line.
func New(api *API, baseURL string, cfg Config, creds map[string]string, secrets []string, hooks Hooks) (*Transport, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: base URL %q: want http(s)://host[:port][/prefix]", api.Name, baseURL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
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
	red := redact.New(secrets...)
	cfg.Logger = slog.New(redact.Handler(cfg.Logger.Handler(), red))
	t := &Transport{api: api, baseURL: u, cfg: cfg, creds: creds, red: red, prepare: hooks.Prepare, reauthHook: hooks.Reauth}
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

// Redactor returns the redactor holding the client's secrets.
func (t *Transport) Redactor() *redact.Redactor { return t.red }

// Meta is what an answer carried besides its data.
type Meta struct {
	Status    int
	Header    http.Header
	RequestID string
}

// Do sends op with params and decodes the answer's data into out (a pointer, or nil to discard).
func (t *Transport) Do(ctx context.Context, op *Op, params []Param, out any) (Meta, error) {
	var meta Meta
	reauthed := false
	err := retry.Do(ctx, t.cfg.Clock, t.cfg.Retry, t.cfg.Rand, func(ctx context.Context, attempt int) (bool, time.Duration, error) {
		for {
			m, sent, retryable, after, err := t.attempt(ctx, op, params, out, attempt)
			meta = m
			var ae *APIError
			if err != nil && errors.As(err, &ae) && t.reauthHook != nil && !reauthed && slices.Contains(t.api.ExpiredCodes, ae.Code) {
				reauthed = true
				t.cfg.Logger.Info("token rejected as expired; re-authorizing", "op", op.FullName(), "code", ae.Code)
				t.reauthHook(sent)
				continue
			}
			if err != nil && retryable {
				t.cfg.Logger.Warn("call failed; will retry", "op", op.FullName(), "attempt", attempt, "err", err.Error())
			}
			return retryable, after, err
		}
	})
	if err != nil {
		return meta, t.red.Error(err)
	}
	return meta, nil
}

func (t *Transport) canRetry(op *Op) bool { return !op.Write || op.RetrySafe }

// attempt sends the request once. It reports whether a failure may be retried.
func (t *Transport) attempt(ctx context.Context, op *Op, params []Param, out any, attempt int) (Meta, *Request, bool, time.Duration, error) {
	if err := t.wait(ctx, op); err != nil {
		return Meta{}, nil, false, 0, err
	}
	r := &Request{Op: op, Params: slices.Clone(params), Header: http.Header{}}
	if t.prepare != nil {
		if err := t.prepare(ctx, r); err != nil {
			return Meta{}, r, false, 0, fmt.Errorf("%s: prepare request: %w", op.FullName(), err)
		}
	}
	req, err := t.build(ctx, r)
	if err != nil {
		return Meta{}, r, false, 0, err
	}
	actx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	req = req.WithContext(actx)
	start := t.cfg.Clock.Now()
	resp, err := t.cfg.HTTPClient.Do(req)
	t.recordEnd(ctx, op)
	if err != nil {
		if ctx.Err() != nil {
			return Meta{}, r, false, 0, fmt.Errorf("%s: %w", op.FullName(), ctx.Err())
		}
		// A write whose request may have reached the vendor has an unknown outcome.
		// The URL is left out of the message: a query may carry a token or a signature.
		msg := err.Error()
		var ue *url.Error
		if errors.As(err, &ue) {
			msg = fmt.Sprintf("%s %s: %v", ue.Op, op.Path, ue.Err)
		}
		return Meta{}, r, t.canRetry(op), 0, &NetworkError{Op: op.FullName(), Unknown: op.Write, Err: errors.New(t.red.String(msg))}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	meta := Meta{Status: resp.StatusCode, Header: resp.Header}
	if err != nil {
		return meta, r, t.canRetry(op), 0, &NetworkError{Op: op.FullName(), Unknown: op.Write, Err: fmt.Errorf("read answer: %s", t.red.String(err.Error()))}
	}
	t.cfg.Logger.Debug("call", "op", op.FullName(), "attempt", attempt, "status", resp.StatusCode,
		"elapsed", t.cfg.Clock.Now().Sub(start), "bytes", len(body))
	data, reqID, derr := t.decode(op, resp, body)
	meta.RequestID = reqID
	if derr != nil {
		var ae *APIError
		if errors.As(derr, &ae) {
			busy := slices.Contains(t.api.RetryCodes, ae.Code) || resp.StatusCode == http.StatusTooManyRequests ||
				slices.ContainsFunc(t.api.RetryMessages, func(m string) bool { return m != "" && strings.Contains(ae.Message, m) })
			if busy {
				ae.Retryable = true
				return meta, r, true, retryAfter(resp), derr
			}
			if resp.StatusCode >= 500 {
				ae.Retryable = true
				return meta, r, t.canRetry(op), retryAfter(resp), derr
			}
			return meta, r, false, 0, derr
		}
		// An answer that cannot be read: for a read, try again; for a write, the outcome is unknown.
		return meta, r, t.canRetry(op), 0, derr
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return meta, r, false, 0, &ResponseError{Op: op.FullName(), Status: resp.StatusCode, Snippet: t.snippet(data),
				Err: fmt.Errorf("decode data: %w", err)}
		}
	}
	return meta, r, false, 0, nil
}

func retryAfter(resp *http.Response) time.Duration {
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	return 0
}

// wait applies every rate limit of op.
func (t *Transport) wait(ctx context.Context, op *Op) error {
	for _, rl := range t.api.RateLimits {
		if len(rl.Only) > 0 && !slices.Contains(rl.Only, op.Name) {
			continue
		}
		interval := rl.Interval
		if d, ok := t.cfg.Intervals[rl.Name]; ok {
			interval = d
		}
		if interval <= 0 {
			continue
		}
		// A 2% margin: calls spaced exactly at the interval can arrive closer together than they
		// were sent (latency varies), and vendors say "more than 20 s" (大于20秒).
		interval += interval / 50
		if err := t.cfg.Limiter.Wait(ctx, t.RateKey(rl, op), interval); err != nil {
			return fmt.Errorf("%s: waiting for rate limit %s: %w", op.FullName(), rl.Name, err)
		}
	}
	return nil
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

// build turns a prepared request into an http.Request.
func (t *Transport) build(ctx context.Context, r *Request) (*http.Request, error) {
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
		return nil, fmt.Errorf("%s: build request: %s", r.Op.FullName(), t.red.String(err.Error()))
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

func (t *Transport) snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 120 {
		s = s[:120]
		for !utf8Valid(s) {
			s = s[:len(s)-1]
		}
	}
	return t.red.String(s)
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// Call is the body every generated operation shares: check the parameters, encode them, send the
// request and decode the answer's data into a W (the operation's wire type). Nothing is sent when
// validate or encode fails.
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
	return w, m, err
}
