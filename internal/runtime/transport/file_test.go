package transport

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFile: an operation whose answer is a file (spec: file: true) gets the body whole, with the
// type and the name the server gave (filename, or RFC 2231's filename*, base name only); an
// error answer is still the vendor's error, not a file.
func TestFile(t *testing.T) {
	op := &Op{API: "kimai", Name: "download", Method: "GET", Path: "/f"}
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	tests := []struct {
		name        string
		disposition string
		want        File
	}{
		{"filename", "attachment; filename=2026-0001.pdf", File{Name: "2026-0001.pdf", ContentType: "application/pdf", Data: pdf}},
		{"quoted, with filename*", `attachment; filename="Rechnung M_rz.pdf"; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf`, File{Name: "Rechnung März.pdf", ContentType: "application/pdf", Data: pdf}},
		{"a path is cut to its base name", `attachment; filename="../../etc/passwd"`, File{Name: "passwd", ContentType: "application/pdf", Data: pdf}},
		{"no name", "", File{ContentType: "application/pdf", Data: pdf}},
	}
	for _, tt := range tests {
		tr := newT(t, httpAPI, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			if tt.disposition != "" {
				w.Header().Set("Content-Disposition", tt.disposition)
			}
			_, _ = w.Write(pdf)
		})
		got, _, err := Call[File](context.Background(), tr, op, func() error { return nil }, func() ([]Param, error) { return nil, nil })
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
	tr := newT(t, httpAPI, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code":404,"message":"Not Found"}`))
	})
	_, _, err := Call[File](context.Background(), tr, op, func() error { return nil }, func() ([]Param, error) { return nil, nil })
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 404 {
		t.Errorf("a 404 answer: %v, want the vendor's 404", err)
	}
}
