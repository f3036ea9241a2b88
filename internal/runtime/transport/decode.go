package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/specpipe/specpipe/internal/runtime/redact"
)

// decode unwraps an answer into its data, or returns an *APIError or *ResponseError.
func (t *Transport) decode(op *Op, resp *http.Response, body []byte, red *redact.Redactor) (json.RawMessage, string, error) {
	env := t.api.Envelope
	switch env.Style {
	case "http":
		return t.decodeHTTP(op, resp, body, red)
	default:
		return t.decodeField(op, resp, body, red)
	}
}

func (t *Transport) decodeField(op *Op, resp *http.Response, body []byte, red *redact.Redactor) (json.RawMessage, string, error) {
	env := t.api.Envelope
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		if resp.StatusCode >= 400 {
			return nil, "", &APIError{Op: op.FullName(), Status: resp.StatusCode,
				Message: fmt.Sprintf("%s (the answer is not JSON: %q)", http.StatusText(resp.StatusCode), snippet(red, body))}
		}
		return nil, "", &ResponseError{Op: op.FullName(), Status: resp.StatusCode, Snippet: snippet(red, body), Err: notJSON(body, err)}
	}
	reqID := text(obj[env.RequestIDField])
	raw, has := obj[env.SuccessField]
	ok := has && slices.Contains(env.SuccessValues, text(raw))
	if !has && resp.StatusCode < 300 {
		// Some answers (Didi's authorize) carry no code at all on success.
		ok = true
	}
	if !ok {
		code := text(obj[env.CodeField])
		if code == "" && !has {
			code = strconv.Itoa(resp.StatusCode)
		}
		return nil, reqID, &APIError{Op: op.FullName(), Status: resp.StatusCode, Code: code,
			Message: message(red, text(obj[env.MessageField])), RequestID: reqID}
	}
	if env.DataField == "" {
		return body, reqID, nil
	}
	if d, ok := obj[env.DataField]; ok {
		return d, reqID, nil
	}
	return body, reqID, nil
}

func (t *Transport) decodeHTTP(op *Op, resp *http.Response, body []byte, red *redact.Redactor) (json.RawMessage, string, error) {
	env := t.api.Envelope
	success := resp.StatusCode >= 200 && resp.StatusCode < 300
	if len(op.OKStatus) > 0 {
		success = slices.Contains(op.OKStatus, resp.StatusCode)
	}
	if success {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, "", nil
		}
		if !json.Valid(body) {
			return nil, "", &ResponseError{Op: op.FullName(), Status: resp.StatusCode, Snippet: snippet(red, body), Err: notJSON(body, nil)}
		}
		return body, "", nil
	}
	ae := &APIError{Op: op.FullName(), Status: resp.StatusCode}
	var obj map[string]json.RawMessage
	if len(bytes.TrimSpace(body)) == 0 {
		ae.Message = http.StatusText(resp.StatusCode)
		if d := authDescription(resp.Header.Get("WWW-Authenticate")); d != "" {
			ae.Message += ": " + d
		}
		return nil, "", ae
	}
	if err := json.Unmarshal(body, &obj); err != nil {
		ae.Message = fmt.Sprintf("%s (the answer is not JSON: %q)", http.StatusText(resp.StatusCode), snippet(red, body))
		return nil, "", ae
	}
	ae.Code = text(obj[env.CodeField])
	ae.Message = message(red, text(obj[env.MessageField]))
	if env.FieldErrors == "fosrest" {
		if raw, ok := obj["errors"]; ok {
			ae.Fields = flattenFOSRest(raw)
			for i := range ae.Fields {
				ae.Fields[i].Message = message(red, ae.Fields[i].Message)
			}
		}
	}
	return nil, "", ae
}

// messageLen is how much of a vendor's message an error keeps.
const messageLen = 1000

// message is a vendor's message for an error: redacted (before it is cut, as a snippet is) and
// at most messageLen bytes, so that an answer of megabytes does not become an error of
// megabytes.
func message(red *redact.Redactor, s string) string {
	if w := messageLen + red.Longest(); len(s) > w {
		s = s[:w]
	}
	s = red.String(s)
	if len(s) <= messageLen {
		return s
	}
	return dropCutRune(s[:messageLen]) + "…"
}

// flattenFOSRest turns {"errors":[...],"children":{"name":{"errors":[...]},"members":{"children":{...}}}}
// into field: message pairs, form-level messages first, children in name order.
func flattenFOSRest(raw json.RawMessage) []FieldError {
	var out []FieldError
	var walk func(prefix string, raw json.RawMessage)
	walk = func(prefix string, raw json.RawMessage) {
		var node struct {
			Errors   []string                   `json:"errors"`
			Children map[string]json.RawMessage `json:"children"`
		}
		if json.Unmarshal(raw, &node) != nil {
			return
		}
		for _, m := range node.Errors {
			out = append(out, FieldError{Field: prefix, Message: m})
		}
		names := make([]string, 0, len(node.Children))
		for k := range node.Children {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walk(p, node.Children[k])
		}
	}
	walk("", raw)
	return out
}

// authDescription extracts error_description from a WWW-Authenticate header.
func authDescription(h string) string {
	_, rest, ok := strings.Cut(h, `error_description="`)
	if !ok {
		return ""
	}
	d, _, _ := strings.Cut(rest, `"`)
	return d
}

// text renders a JSON scalar as text: strings unquoted, numbers and booleans as written.
func text(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

func notJSON(body []byte, err error) error {
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0:
		return errors.New("the answer is empty")
	case b[0] == '<':
		return errors.New("the answer is an HTML page, not JSON")
	case err != nil:
		var se *json.SyntaxError
		if errors.As(err, &se) || strings.Contains(err.Error(), "unexpected end") {
			return fmt.Errorf("the answer is not valid JSON (cut short?): %w", err)
		}
		return fmt.Errorf("the answer is not a JSON object: %w", err)
	}
	return errors.New("the answer is not valid JSON (cut short?)")
}
