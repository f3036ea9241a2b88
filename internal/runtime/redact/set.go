package redact

import (
	"sync"
)

// Set is a Redactor that learns: secrets known only at run time, such as an access token a
// token source hands out, are added to it as they appear. It is safe for concurrent use by
// multiple goroutines. A nil *Set knows no secrets.
type Set struct {
	mu  sync.Mutex
	red *Redactor
}

// NewSet returns a Set that knows secrets.
func NewSet(secrets ...string) *Set { return &Set{red: New(secrets...)} }

// Add adds secrets to s (the empty and short ones are ignored, as by [New]). Adding a secret s
// already knows changes nothing.
func (s *Set) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var add []string
	for _, x := range secrets {
		if !s.red.knows(x) {
			add = append(add, x)
		}
	}
	if len(add) > 0 {
		s.red = s.red.With(add...)
	}
}

// Redactor returns a Redactor of the secrets s knows now.
func (s *Set) Redactor() *Redactor {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.red
}
