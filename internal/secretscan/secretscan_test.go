package secretscan

import (
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

const marker = "SECRET-MARKER-test-~~9f/2+c" // its base64 holds "+" and "/"

func TestScanFindsEveryForm(t *testing.T) {
	var u strings.Builder
	for _, r := range marker {
		fmt.Fprintf(&u, `\u%04X`, r)
	}
	for _, tc := range []struct {
		name, text, form string
	}{
		{"raw in a log line", `level=ERROR msg="auth failed" key=` + marker + ` op=x`, "raw"},
		{"query string", "GET /x?token=" + url.QueryEscape(marker) + "&a=1", "url query"},
		{"path", "/api/" + url.PathEscape(marker) + "/x", "url path"},
		{"PHP json_encode", `{"token":"` + strings.ReplaceAll(marker, "/", `\/`) + `"}`, "php \\/"},
		{"JSON \\u escapes", `{"token":"` + u.String() + `"}`, "json \\u upper"},
		{"hex", "sum=" + hex.EncodeToString([]byte(marker)), "hex"},
		{"base64 alone", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(marker)), "base64+0"},
		{"base64 after one byte", base64.StdEncoding.EncodeToString([]byte("u" + marker + "!")), "base64+1"},
		{"base64 after two bytes", base64.StdEncoding.EncodeToString([]byte("us" + marker)), "base64+2"},
		{"base64 after a basic-auth user", base64.StdEncoding.EncodeToString([]byte("admin:" + marker)), "base64+0"},
		{"base64url", base64.URLEncoding.EncodeToString([]byte(marker + "?")), "base64url+0"},
		{"a 12-character piece", "key ends in " + marker[10:22] + "...", "substring [10:22]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := New("unrelated-marker-000000", marker).Scan("here", []byte(tc.text))
			if len(got) != 1 {
				t.Fatalf("found %v in %q, want one finding", got, tc.text)
			}
			if got[0].Marker != marker || got[0].Form != tc.form || got[0].Where != "here" {
				t.Errorf("found %v, want marker %q as %s", got[0], marker, tc.form)
			}
		})
	}
}

func TestScanIgnoresNearMisses(t *testing.T) {
	text := "SECRET-MARK " + marker[:11] + " " + marker[14:25] + " sandbox-key " + base64.StdEncoding.EncodeToString([]byte(marker[:8]))
	if got := New(marker).Scan("here", []byte(text)); len(got) != 0 {
		t.Errorf("found %v in %q", got, text)
	}
}

func TestScanDirAndDB(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"out/clean.csv": "a,b\n1,2\n", "out/leak.csv": "a,b\n1," + marker + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := New(marker)
	got, err := s.ScanDir(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Finding{{Where: filepath.Join(dir, "out/leak.csv"), Marker: marker, Form: "raw", Offset: 6}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ScanDir (-want +got):\n%s", d)
	}

	db, err := sql.Open("sqlite", filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE runs (id INTEGER, summary TEXT)`,
		`CREATE TABLE "odd ""name""" (payload BLOB, n REAL)`,
		`INSERT INTO runs VALUES (1, 'fine'), (2, NULL)`,
		`INSERT INTO "odd ""name""" VALUES (CAST('{"t":"` + url.QueryEscape(marker) + `"}' AS BLOB), 1.5)`,
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	got, rows, err := s.ScanDB(t.Context(), db, SQLite)
	if err != nil {
		t.Fatal(err)
	}
	want = []Finding{{Where: `table odd "name" row 1 column payload`, Marker: marker, Form: "url query", Offset: 6}}
	if d := cmp.Diff(want, got); d != "" || rows != 3 {
		t.Errorf("ScanDB read %d rows, want 3; findings (-want +got):\n%s", rows, d)
	}
}

// TestScanNamesTheMarkerOfASharedPrefix: markers that share a prefix are told apart; a piece of
// one inside another found marker is not a finding of its own.
func TestScanNamesTheMarkerOfASharedPrefix(t *testing.T) {
	a, b := "SECRET-MARKER-alpha-1234", "SECRET-MARKER-token-"
	s := New(a, b)
	got := s.Scan("db", []byte(`value=SECRET-MARKER-token-0badc0de`))
	want := []Finding{{Where: "db", Marker: b, Form: "raw", Offset: 6}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	got = s.Scan("log", []byte(`key=...MARKER-alpha-12...`))
	want = []Finding{{Where: "log", Marker: a, Form: "substring [7:19]", Offset: 7}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
