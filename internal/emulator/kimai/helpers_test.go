package kimai

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
)

// testNow is the fake clock's start: Thursday 15 October 2026, 10:00 in Berlin.
var testNow = time.Date(2026, 10, 15, 8, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	e     *Emulator
	url   string
	clock *emukit.FakeClock
}

// newEnv serves an emulator seeded with Kimai's test fixture (or fx) on loopback.
func newEnv(t *testing.T, fx ...*Fixture) *env {
	t.Helper()
	f, err := TestFixture()
	if err != nil {
		t.Fatal(err)
	}
	if len(fx) > 0 {
		f = fx[0]
	}
	clock := emukit.NewFakeClock(testNow)
	e, err := New(Options{Clock: clock, Fixture: f})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emukit.Start(e, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &env{t: t, e: e, url: srv.URL, clock: clock}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into any (objects as map[string]any).
func (r resp) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not JSON: %v: %q", err, r.body)
	}
	return v
}

func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("body is not an object: %s", r.body)
	}
	return m
}

func (r resp) list(t *testing.T) []any {
	t.Helper()
	l, ok := r.json(t).([]any)
	if !ok {
		t.Fatalf("body is not an array: %s", r.body)
	}
	return l
}

// do sends a request; auth is a Bearer token ("" for none); hdr adds "Name: value" headers.
func (v *env) do(method, path, auth, body string, hdr ...string) resp {
	v.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, v.url+path, rd)
	if err != nil {
		v.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	for _, h := range hdr {
		k, val, _ := strings.Cut(h, ": ")
		req.Header.Set(k, val)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		v.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// mustJSON compares a body with the exact JSON expected (decoded, so key order is free).
func mustJSON(t *testing.T, r resp, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if d := cmp.Diff(w, r.json(t)); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mustKeys checks the exact key set of an object (Kimai's assertApiResponseTypeStructure).
func mustKeys(t *testing.T, what string, m map[string]any, want []string) {
	t.Helper()
	w := append([]string(nil), want...)
	sort.Strings(w)
	if d := cmp.Diff(w, keysOf(m)); d != "" {
		t.Errorf("%s keys (-want +got):\n%s", what, d)
	}
}

func plus(a []string, b ...string) []string { return append(append([]string(nil), a...), b...) }

func minus(a []string, drop ...string) []string {
	var out []string
	for _, x := range a {
		keep := true
		for _, d := range drop {
			if x == d {
				keep = false
			}
		}
		if keep {
			out = append(out, x)
		}
	}
	return out
}

// Key sets of Kimai 2.66's API representations (tests/API/APIControllerBaseTestCase.php).
var (
	keysBudget   = []string{"budget", "timeBudget", "budgetType"}
	keysRates    = []string{"rate", "internalRate", "fixedRate", "hourlyRate"}
	keysTeam     = []string{"id", "name", "color", "color-safe"}
	keysUser     = []string{"id", "username", "email", "enabled", "apiToken", "systemAccount", "color", "color-safe", "avatar", "alias", "accountNumber", "initials", "title", "language", "locale", "timezone"}
	keysUserEnt  = plus(keysUser, "supervisor", "teams", "roles", "memberships", "preferences")
	keysTeamEnt  = plus(keysTeam, "members", "customers", "projects", "activities")
	keysCustomer = []string{"id", "name", "visible", "billable", "color", "color-safe", "number", "comment", "language", "currency", "country", "company", "homepage", "timezone", "fax", "mobile", "phone", "metaFields"}
	keysCustColl = plus(keysCustomer, append([]string{"teams"}, keysBudget...)...)
	keysCustFull = plus(keysCustColl, "vatId", "addressLine1", "addressLine2", "addressLine3", "city", "postCode")
	keysCustEnt  = plus(keysCustColl, "contact", "email", "vatId", "addressLine1", "addressLine2", "addressLine3", "city", "postCode", "invoiceEmail", "buyerReference", "address")
	keysProject  = []string{"id", "name", "visible", "billable", "color", "color-safe", "customer", "number", "orderNumber", "orderDate", "globalActivities", "comment", "start", "end", "metaFields"}
	keysProjEnt  = plus(keysProject, append([]string{"teams", "parentTitle"}, keysBudget...)...)
	keysActivity = []string{"id", "name", "visible", "billable", "project", "number", "color", "color-safe", "metaFields", "comment"}
	keysActEnt   = plus(keysActivity, append([]string{"parentTitle", "teams"}, keysBudget...)...)
	keysTsColl   = []string{"id", "begin", "end", "duration", "description", "rate", "activity", "project", "tags", "user", "metaFields", "internalRate", "exported", "billable", "break"}
	keysTsEnt    = plus(keysTsColl, "fixedRate", "hourlyRate")
	keysTag      = []string{"id", "name", "color", "color-safe", "visible"}
)

// validation returns errors.children of a 400 Validation Failed body, and errors.errors.
func validation(t *testing.T, r resp) (map[string]any, []any) {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400; body %s", r.status, r.body)
	}
	m := r.obj(t)
	if m["code"] != float64(400) || m["message"] != "Validation Failed" {
		t.Fatalf("not a form error body: %s", r.body)
	}
	errs, _ := m["errors"].(map[string]any)
	children, ok := errs["children"].(map[string]any)
	if !ok {
		t.Fatalf("no errors.children: %s", r.body)
	}
	global, _ := errs["errors"].([]any)
	return children, global
}

// fieldErrors returns the fields with errors and their messages.
func fieldErrors(children map[string]any) map[string][]string {
	out := map[string][]string{}
	for k, v := range children {
		m, _ := v.(map[string]any)
		for _, e := range asList(m["errors"]) {
			out[k] = append(out[k], e.(string))
		}
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
