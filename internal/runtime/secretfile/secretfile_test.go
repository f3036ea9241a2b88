package secretfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		want    string
		wantErr string // "" means success
	}{
		{"one line", write("a", "tok-123"), "tok-123", ""},
		{"trailing newline trimmed", write("b", "tok-123\n"), "tok-123", ""},
		{"trailing CRLF trimmed", write("c", "tok-123\r\n"), "tok-123", ""},
		{"empty", write("d", ""), "", ""},
		{"exactly the limit", write("e", strings.Repeat("k", MaxSize)), strings.Repeat("k", MaxSize), ""},
		{"embedded newline", write("f", "tok-123\nsecond-line\n"), "", "more than one line"},
		{"two trailing newlines", write("g", "tok-123\n\n"), "", "more than one line"},
		{"embedded CR", write("h", "tok\r123"), "", "more than one line"},
		{"NUL", write("i", "tok\x00123"), "", "NUL"},
		{"over the limit", write("j", strings.Repeat("k", MaxSize+1)), "", "larger than 64 KiB"},
		{"missing", filepath.Join(dir, "none"), "", "cannot open it"},
		{"a directory", dir, "", "cannot read it"},
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		tests = append(tests, struct {
			name, path, want, wantErr string
		}{"/dev/zero", "/dev/zero", "", "larger than 64 KiB"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(tt.path)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Read = %.20q, %v; want %.20q", got, err, tt.want)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("Read = %.20q, %v; want a *ConfigError naming the file and saying %q", got, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "tok") || strings.Contains(err.Error(), "kkkk") {
				t.Errorf("error %q shows the contents", err)
			}
		})
	}
	if _, err := Read(filepath.Join(dir, "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v does not match fs.ErrNotExist", err)
	}
}
