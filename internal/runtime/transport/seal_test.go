package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/aesecb"
)

// didiSealing is Didi's encrypted transport as specs/didi.yaml describes it.
func didiSealing() *Sealing {
	return &Sealing{
		Modes: []SealMode{
			{Name: "aes128", Code: "1", Key: KeyText, Alphabet: aesecb.Standard},
			{Name: "aes256", Code: "2", Key: KeyHex, KeyBytes: 32, Alphabet: aesecb.URLSafe},
		},
		ModeParam: "ent", ContentParam: "encrypt_content", Clear: []string{"client_id", "access_token"},
		Pair: "{key}={value}", Separator: "&", Escape: "%+&=", ReplyField: "encrypt_data",
	}
}

const (
	textKey = "specpipe-aes-128"
	hexKey  = "c8a7fb8fa04ae646aee5c95fe2c30f862ca923a83d173e94cfb3593b2ce0b636"
)

func TestSealPlaintextAndParams(t *testing.T) {
	s, err := NewSealer(didiSealing(), "aes128", textKey, "DIDI_ENCRYPTION", "DIDI_AES_KEY")
	if err != nil {
		t.Fatal(err)
	}
	r := &Request{Op: &Op{Method: http.MethodPost}, Params: []Param{
		{Name: "client_id", In: Body, Text: "c"},
		{Name: "timestamp", In: Body, Text: "1", JSON: []byte("1")},
		{Name: "name", In: Body, Text: "a+b&c=d 100%"},
		{Name: "access_token", In: Body, Text: "tok"},
		{Name: "X-H", In: Header, Text: "h"},
	}}
	if got, want := s.Plaintext(r), "name=a%2Bb%26c%3Dd 100%25&timestamp=1"; got != want {
		t.Errorf("plaintext %q, want %q", got, want)
	}
	s.Seal(r)
	var names []string
	for _, p := range r.Params {
		names = append(names, p.Name)
	}
	if d := cmp.Diff([]string{"client_id", "access_token", "X-H", "ent", "encrypt_content"}, names); d != "" {
		t.Errorf("params after Seal (-want +got):\n%s", d)
	}
	if p, _ := r.Get("ent"); string(p.JSON) != "1" || p.In != Body {
		t.Errorf("ent = %+v, want the number 1 in the body", p)
	}
	var nilSealer *Sealer
	nilSealer.Seal(r) // a nil Sealer sends in clear
	if b, err := nilSealer.Open([]byte(`{"encrypt_data":"x"}`)); err != nil || string(b) != `{"encrypt_data":"x"}` {
		t.Errorf("nil Open = %s, %v", b, err)
	}
}

func TestNewSealerErrors(t *testing.T) {
	for _, tc := range []struct{ mode, key, want string }{
		{"aes128", "", "DIDI_AES_KEY is empty, but DIDI_ENCRYPTION=aes128 needs a key"},
		{"aes128", "short-secret", "DIDI_AES_KEY: want a key of 16, 24 or 32 bytes, got 12"},
		{"aes256", textKey, "DIDI_AES_KEY: want 64 hex digits"},
		{"aes256", hexKey[:32], "DIDI_AES_KEY: want 64 hex digits"},
		{"aes256", "zz" + hexKey[2:], "DIDI_AES_KEY: want 64 hex digits"},
		{"rot13", textKey, `DIDI_ENCRYPTION: want one of aes128, aes256, got "rot13"`},
	} {
		_, err := NewSealer(didiSealing(), tc.mode, tc.key, "DIDI_ENCRYPTION", "DIDI_AES_KEY")
		if err == nil || err.Error() != tc.want {
			t.Errorf("NewSealer(%s, …) = %v, want %q", tc.mode, err, tc.want)
		}
		if err != nil && tc.key != "" && strings.Contains(err.Error(), tc.key) {
			t.Errorf("error %q holds the key", err)
		}
	}
	if s, err := NewSealer(didiSealing(), "", "", "E", "K"); s != nil || err != nil {
		t.Errorf("clear: %v, %v; want nil, nil", s, err)
	}
}

// TestOpenThroughTransport: an encrypted answer is decrypted before the envelope is read; one that
// does not decrypt is a ResponseError, of unknown outcome for a write; a clear answer is read as is.
func TestOpenThroughTransport(t *testing.T) {
	s, err := NewSealer(didiSealing(), "aes256", hexKey, "DIDI_ENCRYPTION", "DIDI_AES_KEY")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := aesecb.HexKey(hexKey)
	other, _ := aesecb.HexKey(strings.Repeat("ab", 32))
	answers := map[string]string{
		"/good":  `{"encrypt_data":"` + c.EncryptString(`{"errno":0,"data":{"id":"7"}}`, aesecb.URLSafe) + `"}`,
		"/bad":   `{"encrypt_data":"` + other.EncryptString(`{"errno":0,"data":{"id":"7"}}`, aesecb.Standard) + `"}`,
		"/clear": `{"errno":10003,"errmsg":"参数错误"}`,
	}
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		w.Write([]byte(answers[r.URL.Path]))
	}))
	defer srv.Close()
	api := &API{Name: "didi", Envelope: Envelope{Style: "field", SuccessField: "errno", SuccessValues: []string{"0"},
		CodeField: "errno", MessageField: "errmsg", DataField: "data"}}
	tr, err := New(api, srv.URL, Config{}, nil, []string{hexKey}, Hooks{Prepare: func(_ context.Context, r *Request) error {
		s.Seal(r)
		return nil
	}, Open: s.Open})
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ ID string }
	if _, err := tr.Do(context.Background(), &Op{API: "didi", Name: "good", Method: "POST", Path: "/good"}, nil, &out); err != nil || out.ID != "7" {
		t.Errorf("good: %v, %+v", err, out)
	}
	_, err = tr.Do(context.Background(), &Op{API: "didi", Name: "bad", Method: "POST", Path: "/bad", Write: true}, nil, &out)
	if err == nil {
		t.Fatal("bad: no error")
	}
	var re *ResponseError
	if !errors.As(err, &re) || !OutcomeUnknown(err) || !strings.Contains(err.Error(), "does not decrypt") {
		t.Errorf("bad: %v; want a ResponseError of unknown outcome", err)
	}
	// A read whose answer does not decrypt is not sent again: it would not decrypt either.
	if _, err := tr.Do(context.Background(), &Op{API: "didi", Name: "bad", Method: "GET", Path: "/bad"}, nil, &out); err == nil {
		t.Error("bad read: no error")
	}
	mu.Lock()
	if hits["/bad"] != 2 {
		t.Errorf("/bad was called %d times for one write and one read, want 2", hits["/bad"])
	}
	mu.Unlock()
	_, err = tr.Do(context.Background(), &Op{API: "didi", Name: "clear", Method: "POST", Path: "/clear"}, nil, &out)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "10003" {
		t.Errorf("clear: %v; want APIError 10003", err)
	}
}

// FuzzOpen: Open never panics, and what it returns for an answer without the reply field is the
// answer itself.
func FuzzOpen(f *testing.F) {
	s, err := NewSealer(didiSealing(), "aes128", textKey, "E", "K")
	if err != nil {
		f.Fatal(err)
	}
	c, _ := aesecb.TextKey(textKey)
	f.Add([]byte(`{"encrypt_data":"` + c.EncryptString(`{"errno":0}`, aesecb.Standard) + `"}`))
	f.Add([]byte(`{"encrypt_data":1}`))
	f.Add([]byte(`{"errno":0,"data":{}}`))
	f.Add([]byte(`<html>encrypt_data</html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := s.Open(body)
		if err == nil && !strings.Contains(string(body), "encrypt_data") && string(out) != string(body) {
			t.Errorf("Open changed an answer without encrypt_data: %q → %q", body, out)
		}
	})
}
