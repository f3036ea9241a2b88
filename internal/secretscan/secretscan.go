// Package secretscan looks for marker credentials in what a run leaves behind: output, report
// files and the rows of a state database. A marker is found in its raw form and in the forms an
// accidental leak takes: URL-encoded, JSON \u escapes, PHP's \/ escape, hex, base64 (at every
// alignment, so inside a longer encoded value too) and any 12-character substring.
package secretscan

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SubstringLen is the length of the substrings of a marker the scan looks for.
const SubstringLen = 12

// Finding is one marker found.
type Finding struct {
	Where  string // what was scanned: "stdout of ...", a file, "table t row 3 column c"
	Marker string // the marker
	Form   string // how it appeared: "raw", "url", "json \\u", "base64+1", "substring [3:15]", ...
	Offset int    // where in the scanned text
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: marker %q (%s) at offset %d", f.Where, f.Marker, f.Form, f.Offset)
}

type needle struct {
	text, marker, form string
	piece              bool // a 12-character piece, not the whole marker
}

// Scanner holds the forms of a set of markers. The zero value finds nothing.
type Scanner struct {
	needles [][]needle // per marker, whole forms first
}

// New returns a scanner for markers.
func New(markers ...string) *Scanner {
	s := &Scanner{}
	for _, m := range markers {
		s.needles = append(s.needles, forms(m))
	}
	return s
}

// forms lists the forms of m, without duplicates, the whole ones first.
func forms(m string) []needle {
	var ns []needle
	seen := map[string]bool{}
	add := func(form, text string) {
		if text != "" && !seen[text] {
			seen[text] = true
			ns = append(ns, needle{text, m, form, strings.HasPrefix(form, "substring")})
		}
	}
	add("raw", m)
	add("url query", url.QueryEscape(m))
	add("url path", url.PathEscape(m))
	add("php \\/", strings.ReplaceAll(m, "/", `\/`))
	var u, uu strings.Builder
	for _, r := range m {
		fmt.Fprintf(&u, `\u%04x`, r)
		fmt.Fprintf(&uu, `\u%04X`, r)
	}
	add("json \\u", u.String())
	add("json \\u upper", uu.String())
	add("hex", hex.EncodeToString([]byte(m)))
	for shift := range 3 {
		b := append(make([]byte, shift), m...)
		enc := base64.RawStdEncoding.EncodeToString(b)
		// Character j carries input bits [6j, 6j+6); keep those that carry only marker bits.
		first := (8*shift + 5) / 6
		last := 8*len(b)/6 - 1
		if last < first {
			continue
		}
		pure := enc[first : last+1]
		add(fmt.Sprintf("base64+%d", shift), pure)
		add(fmt.Sprintf("base64url+%d", shift), strings.NewReplacer("+", "-", "/", "_").Replace(pure))
	}
	for i := 0; i+SubstringLen <= len(m); i++ {
		add(fmt.Sprintf("substring [%d:%d]", i, i+SubstringLen), m[i:i+SubstringLen])
	}
	return ns
}

// Scan returns the markers found in data, one finding per marker (its first form found). The
// whole forms of every marker are looked for first; then the 12-character pieces of the markers
// not found, except the pieces of a marker already found (markers may share a prefix).
func (s *Scanner) Scan(where string, data []byte) []Finding {
	var fs []Finding
	var found []string
	rest := make([]int, 0, len(s.needles))
	for i, ns := range s.needles {
		if f, ok := s.first(where, data, ns, false, nil); ok {
			fs, found = append(fs, f), append(found, f.Marker)
			continue
		}
		rest = append(rest, i)
	}
	for _, i := range rest {
		if f, ok := s.first(where, data, s.needles[i], true, found); ok {
			fs = append(fs, f)
		}
	}
	return fs
}

// first returns the first of ns (whole forms, or pieces not inside any of skip) found in data.
func (s *Scanner) first(where string, data []byte, ns []needle, pieces bool, skip []string) (Finding, bool) {
	for _, n := range ns {
		if n.piece != pieces || slices.ContainsFunc(skip, func(m string) bool { return strings.Contains(m, n.text) }) {
			continue
		}
		if i := bytes.Index(data, []byte(n.text)); i >= 0 {
			return Finding{Where: where, Marker: n.marker, Form: n.form, Offset: i}, true
		}
	}
	return Finding{}, false
}

// ScanDir scans every regular file under root.
func (s *Scanner) ScanDir(root string) ([]Finding, error) {
	var found []Finding
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		found = append(found, s.Scan(path, b)...)
		return nil
	})
	if err != nil {
		return found, fmt.Errorf("secretscan: scan %s: %w", root, err)
	}
	return found, nil
}

// Dialect says how to list the tables of a database.
type Dialect int

// The dialects ScanDB knows.
const (
	SQLite   Dialect = iota // the tables of sqlite_master
	Postgres                // the tables of current_schema()
)

// ScanDB scans every column of every row of every table of db; it returns how many rows it read.
func (s *Scanner) ScanDB(ctx context.Context, db *sql.DB, d Dialect) ([]Finding, int, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if d == Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`
	}
	tables, err := strings1(ctx, db, q)
	if err != nil {
		return nil, 0, fmt.Errorf("secretscan: list tables: %w", err)
	}
	var found []Finding
	n := 0
	for _, t := range tables {
		f, rows, err := s.scanTable(ctx, db, t)
		found, n = append(found, f...), n+rows
		if err != nil {
			return found, n, err
		}
	}
	return found, n, nil
}

func (s *Scanner) scanTable(ctx context.Context, db *sql.DB, table string) ([]Finding, int, error) {
	rows, err := db.QueryContext(ctx, `SELECT * FROM "`+strings.ReplaceAll(table, `"`, `""`)+`"`)
	if err != nil {
		return nil, 0, fmt.Errorf("secretscan: read table %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, 0, fmt.Errorf("secretscan: columns of %s: %w", table, err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var found []Finding
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return found, n, fmt.Errorf("secretscan: read table %s: %w", table, err)
		}
		n++
		for i, v := range vals {
			var b []byte
			switch v := v.(type) {
			case nil:
				continue
			case []byte:
				b = v
			case string:
				b = []byte(v)
			default:
				b = fmt.Append(nil, v)
			}
			found = append(found, s.Scan(fmt.Sprintf("table %s row %d column %s", table, n, cols[i]), b)...)
		}
	}
	if err := rows.Err(); err != nil {
		return found, n, fmt.Errorf("secretscan: read table %s: %w", table, err)
	}
	return found, n, nil
}

// strings1 returns the first column of the rows of q.
func strings1(ctx context.Context, db *sql.DB, q string) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
