package transport

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"

	"github.com/specpipe/specpipe/internal/runtime/redact"
)

// maxRedirects bounds the same-host redirects one attempt of a read follows.
const maxRedirects = 5

// Why a redirect is not followed.
const (
	reasonWrite     = "a write is never redirected (Go's client would resend it as a GET, or elsewhere)"
	reasonHost      = "it points to another host, and credentials are never sent to another host"
	reasonDowngrade = "it points from https to http, and credentials are never sent in the clear"
	reasonTooMany   = "too many redirects"
	reasonLocation  = "its Location cannot be read"
)

// RedirectError is an answer that points elsewhere (HTTP 3xx) and was not followed: every
// redirect of a write, and a read's redirect to another host, from https to http, or one too
// many. The transport sent nothing where it points (a Doer that follows redirects itself may
// have: see Unknown).
type RedirectError struct {
	Op       string
	Status   int    // the redirect's status; 0 when a Doer that follows redirects was stopped
	Location string // where it points, secrets masked (host:port only when a Doer was stopped)
	Reason   string // why it was not followed
	// Unknown reports whether a write may nevertheless have been processed: a Doer outside
	// the transport's control followed the redirect and resent it, or was stopped too late to
	// be sure it did not.
	Unknown bool
}

func (e *RedirectError) Error() string {
	status := "redirect"
	if e.Status != 0 {
		status = fmt.Sprintf("HTTP %d redirect", e.Status)
	}
	return fmt.Sprintf("%s: %s to %s not followed: %s; set the base URL to the address it points to",
		e.Op, status, e.Location, e.Reason)
}

// noFollow is the redirect policy of the transport's HTTP client: the transport decides
// itself (send) what a redirect may do.
func noFollow(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// WithoutRedirects returns d, or a new client when d is nil, with redirects left to the
// transport when it is an *http.Client (a copy; d is not changed). The transport applies it to
// its Doer; a caller that wraps an *http.Client in a Doer of its own (instrumentation) applies it
// before wrapping, since the transport cannot see through the wrapper: a Doer that follows
// redirects itself is only stopped by cancelling the resent request, which net/http may still
// send on an idle connection.
func WithoutRedirects(d Doer) Doer {
	switch c := d.(type) {
	case nil:
		return &http.Client{CheckRedirect: noFollow}
	case *http.Client:
		cc := *c
		cc.CheckRedirect = noFollow
		return &cc
	}
	return d
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// send sends req and follows the redirects a read may follow: to the same host, keeping the
// method, body and headers, never from https to http. Any other redirect is a *RedirectError,
// and so is an answer a Doer got by following a redirect of a write itself.
func (t *Transport) send(op *Op, req *http.Request, red *redact.Redactor) (*http.Response, error) {
	for hop := 0; ; hop++ {
		resp, err := t.cfg.HTTPClient.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.Request != nil && resp.Request.URL != nil && resp.Request.URL.String() != req.URL.String() && op.Write {
			resp.Body.Close()
			return nil, &RedirectError{Op: op.FullName(), Location: red.String(redact.URL(resp.Request.URL)), Reason: reasonWrite,
				Unknown: resp.Request.Method == req.Method}
		}
		loc := resp.Header.Get("Location")
		if !isRedirect(resp.StatusCode) || loc == "" {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
		resp.Body.Close()
		rerr := &RedirectError{Op: op.FullName(), Status: resp.StatusCode}
		next, err := req.URL.Parse(loc)
		if err != nil {
			rerr.Location, rerr.Reason = fmt.Sprintf("%q", redact.Fields(red.String(loc))), reasonLocation
			return nil, rerr
		}
		rerr.Location = red.String(redact.URL(next))
		switch {
		case op.Write:
			rerr.Reason = reasonWrite
		case !strings.EqualFold(next.Hostname(), req.URL.Hostname()):
			rerr.Reason = reasonHost
		case req.URL.Scheme == "https" && next.Scheme != "https":
			rerr.Reason = reasonDowngrade
		case hop >= maxRedirects:
			rerr.Reason = reasonTooMany
		default:
			nreq := req.Clone(req.Context())
			nreq.URL, nreq.Host = next, ""
			if req.GetBody != nil {
				if nreq.Body, err = req.GetBody(); err != nil {
					return nil, fmt.Errorf("resend the body to %s: %w", rerr.Location, err)
				}
			}
			t.cfg.Logger.Debug("following a redirect", "op", op.FullName(), "status", resp.StatusCode, "location", rerr.Location)
			req = nreq
			continue
		}
		return nil, rerr
	}
}

// redirectGuard stops a Doer that follows redirects itself (one that is not an *http.Client,
// such as a caller's instrumentation around one) when it asks for a connection to where a
// redirect points and the transport would not follow it: any redirect of a write, a read's
// redirect to another host. It tells a connection for a redirect from the HTTP transport's own
// retry on a fresh connection by whether an answer has arrived. stop cancels the attempt with the
// *RedirectError as its cause. This is best effort: net/http may take an idle connection and
// send before it sees the cancellation, so a stopped write is of unknown outcome.
func redirectGuard(op *Op, stop context.CancelCauseFunc) *httptrace.ClientTrace {
	var (
		mu       sync.Mutex
		first    string
		answered bool
	)
	return &httptrace.ClientTrace{
		GetConn: func(hostPort string) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case first == "":
				first = hostPort
			case !answered:
			case op.Write:
				// Unknown: net/http may still send the resent request on an idle connection
				// before the cancellation lands (and a 307/308 resends the write itself).
				stop(&RedirectError{Op: op.FullName(), Location: hostPort, Reason: reasonWrite, Unknown: true})
			case !strings.EqualFold(hostOf(hostPort), hostOf(first)):
				stop(&RedirectError{Op: op.FullName(), Location: hostPort, Reason: reasonHost})
			}
		},
		GotFirstResponseByte: func() {
			mu.Lock()
			answered = true
			mu.Unlock()
		},
	}
}

func hostOf(hostPort string) string {
	if h, _, err := net.SplitHostPort(hostPort); err == nil {
		return h
	}
	return hostPort
}

// stoppedByGuard returns the *RedirectError that cancelled ctx, if any.
func stoppedByGuard(ctx context.Context) (*RedirectError, bool) {
	re, ok := context.Cause(ctx).(*RedirectError)
	return re, ok
}
