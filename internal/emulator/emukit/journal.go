package emukit

import (
	"sync"
	"time"
)

// Entry is one request as an emulator saw it. Secret parameters are masked before the entry is
// stored, so a journal can be printed or compared in a test without leaking a key.
type Entry struct {
	Seq      int               `json:"seq"`
	Time     time.Time         `json:"time"`               // the emulator's clock when the request arrived
	Method   string            `json:"method"`             // HTTP method
	Path     string            `json:"path"`               // URL path, without the query
	Params   map[string]string `json:"params,omitempty"`   // query or body parameters, secrets masked
	Identity string            `json:"identity,omitempty"` // the credential that made the call: kqapi account, Didi client_id, Kimai user
	Status   int               `json:"status"`             // HTTP status sent
	Code     string            `json:"code,omitempty"`     // vendor code sent (kqapi status, Didi errno, Kimai code), "" when none
	Outcome  string            `json:"outcome"`            // "ok", the vendor's error text, or "fault: <kind>"
}

// Masked is what a secret parameter's value is replaced by in the journal.
const Masked = "***"

// Journal records requests in arrival order. It is safe for concurrent use.
type Journal struct {
	mu      sync.Mutex
	entries []Entry
}

// Add appends e, masking the values of the named secret parameters, and returns its sequence number.
func (j *Journal) Add(e Entry, secret ...string) int {
	if len(secret) > 0 && e.Params != nil {
		p := make(map[string]string, len(e.Params))
		for k, v := range e.Params {
			p[k] = v
		}
		for _, k := range secret {
			if _, ok := p[k]; ok {
				p[k] = Masked
			}
		}
		e.Params = p
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	e.Seq = len(j.entries) + 1
	j.entries = append(j.entries, e)
	return e.Seq
}

// Entries returns a copy of every entry so far.
func (j *Journal) Entries() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Entry(nil), j.entries...)
}

// Len returns the number of entries.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries)
}

// Reset forgets every entry.
func (j *Journal) Reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = nil
}

// Filter returns the entries for which keep reports true.
func (j *Journal) Filter(keep func(Entry) bool) []Entry {
	var out []Entry
	for _, e := range j.Entries() {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}
