package transport

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrNotFound matches (with errors.Is) an APIError for an HTTP 404.
var ErrNotFound = errors.New("not found")

// FieldError is one field's validation message from the vendor (Kimai form errors, flattened).
type FieldError struct {
	Field   string // dotted path, e.g. customer or members.0.user; "" for a form-level error
	Message string
}

func (f FieldError) String() string {
	if f.Field == "" {
		return f.Message
	}
	return f.Field + ": " + f.Message
}

// APIError is a failure answered by the vendor: a non-success envelope or an HTTP error status.
type APIError struct {
	Op        string // "kimai.createProject"
	Status    int    // HTTP status
	Code      string // vendor code (kqapi status, Didi errno, Kimai code), "" when none
	Message   string // vendor message
	Fields    []FieldError
	RequestID string // Didi request_id, when sent
	Hint      string // what to fix, from the spec's hints; "" when none matches
	// Retryable reports whether the same request may succeed later (5xx, vendor busy codes).
	Retryable bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Code != "" && e.Status != 0 && e.Status != http.StatusOK:
		fmt.Fprintf(&b, "HTTP %d, vendor code %s", e.Status, e.Code)
	case e.Code != "":
		fmt.Fprintf(&b, "vendor code %s", e.Code)
	default:
		fmt.Fprintf(&b, "HTTP %d", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	// A message said twice is shown once: Kimai's TimesheetBasicValidator checks begin and end
	// each and answers "The project is finished at that time." for both (Fields keeps both).
	seen := map[FieldError]bool{}
	for _, f := range e.Fields {
		if seen[f] {
			continue
		}
		if len(seen) == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		seen[f] = true
		b.WriteString(f.String())
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request_id %s)", e.RequestID)
	}
	if e.Hint != "" {
		b.WriteString("; hint: ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) true for 404 answers.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// ResponseError is an answer that could not be understood: not JSON (an HTML error page), cut
// short, or of an unexpected shape.
type ResponseError struct {
	Op      string
	Status  int
	Snippet string // the start of the body, secrets removed
	Err     error
}

func (e *ResponseError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d: cannot read the answer: %v", e.Op, e.Status, e.Err)
	if e.Snippet != "" {
		s += fmt.Sprintf(" (body starts %q)", e.Snippet)
	}
	return s
}

func (e *ResponseError) Unwrap() error { return e.Err }

// NetworkError is a failure to send or receive. For a write, Unknown reports whether the vendor may
// have processed the request (the connection broke after it was sent).
type NetworkError struct {
	Op      string
	Unknown bool
	Err     error
}

func (e *NetworkError) Error() string { return fmt.Sprintf("%s: %v", e.Op, e.Err) }
func (e *NetworkError) Unwrap() error { return e.Err }

// ParamError is a parameter the client rejected before any request was sent.
type ParamError struct {
	Op    string
	Param string
	Msg   string
}

func (e *ParamError) Error() string {
	if e.Param == "" {
		return fmt.Sprintf("%s: %s", e.Op, e.Msg)
	}
	return fmt.Sprintf("%s: parameter %s: %s", e.Op, e.Param, e.Msg)
}

// OutcomeUnknown reports whether err leaves it unknown if a write took effect: the request was sent,
// but no complete answer came back, or a server error (5xx) came back, which a proxy or a crash
// after the commit can produce. Exactly-once bookkeeping must reconcile such writes.
func OutcomeUnknown(err error) bool {
	var ne *NetworkError
	if errors.As(err, &ne) {
		return ne.Unknown
	}
	var rerr *RedirectError
	if errors.As(err, &rerr) {
		return rerr.Unknown
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500
	}
	var re *ResponseError
	return errors.As(err, &re)
}

// Rejected reports whether err is the vendor (or the client, before sending) refusing this one
// request, so that other records may still go through: a parameter error, or a 4xx answer that
// is not about credentials or rate limits.
func Rejected(err error) bool {
	var pe *ParamError
	if errors.As(err, &pe) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case ae.Retryable:
			return false
		case ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden || ae.Status == http.StatusTooManyRequests:
			return false
		case ae.Status >= 400 && ae.Status < 500:
			return true
		case ae.Status < 400 && ae.Code != "": // a field envelope's error code on HTTP 200
			return true
		}
	}
	return false
}

// NotProcessed reports whether a write call's error says the target did not act on it: a
// redirect not followed, a connection that never carried the request, or an answer of the
// vendor's own (below 500) that is not a rejection of the record.
func NotProcessed(err error) bool {
	if OutcomeUnknown(err) {
		return false
	}
	var rerr *RedirectError
	var ne *NetworkError
	var ae *APIError
	return errors.As(err, &rerr) || errors.As(err, &ne) || (errors.As(err, &ae) && ae.Status < 500)
}
