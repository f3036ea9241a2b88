//go:build unix

package main

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/sandbox"
	"github.com/specpipe/specpipe/internal/secretscan"
	"github.com/specpipe/specpipe/internal/state/statetest"
)

// TestSecretScan runs every shipped pipeline with the built pipe binary against a sandbox whose
// credentials are markers (sandbox.Markers: kqapi key, Didi client secret and sign key, Kimai
// token and legacy password, and Didi access tokens that begin with a marker), through the error
// paths too (a kqapi signature error, a Didi token that expired, a Kimai 400, a redirect in front
// of Kimai with the legacy password), then pipe state, failed, plan, run --dry-run, retry and
// call for each API, and looks for the markers (raw, URL-encoded, JSON \u, PHP \/, hex, base64,
// any 12-character piece) in every stdout and stderr, every file the runs wrote, and every row
// of every table of the state database (the PostgreSQL schema too when SPECPIPE_TEST_POSTGRES is
// set). A marker found fails the test naming where.
func TestSecretScan(t *testing.T) {
	statetest.Run(t, func(t *testing.T, b statetest.Backend) { secretScan(t, b) })
}

// scanRun is one pipe invocation and what it printed.
type scanRun struct {
	name           string
	code           int
	stdout, stderr []byte
}

func secretScan(t *testing.T, backend statetest.Backend) {
	bin := pipeBinary(t)
	sb, err := sandbox.Start(sandbox.Options{KQAPIInterval: 10 * time.Millisecond, SecretMarkers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	scan := secretscan.New(sandbox.Markers()...)

	// The scan can fail: the sandbox's environment holds four markers (the kqapi key, the Didi
	// client secret and sign key, the Kimai token).
	var envText strings.Builder
	for _, v := range sb.Env() {
		fmt.Fprintf(&envText, "%s=%s\n", v.Name, v.Value)
	}
	var inEnv []string
	for _, f := range scan.Scan("sandbox env", []byte(envText.String())) {
		inEnv = append(inEnv, f.Marker)
	}
	if d := cmp.Diff([]string{sandbox.MarkerKQAPIKey, sandbox.MarkerDidiClientSecret, sandbox.MarkerDidiSignKey,
		sandbox.MarkerKimaiToken}, inEnv); d != "" {
		t.Fatalf("the markers the scanner finds in the sandbox's environment (-want +got):\n%s", d)
	}

	work := t.TempDir()
	copyPipelines(t, work)
	loc := backend.New(t)
	base := sandboxEnv(sb)
	with := func(kv ...string) []string { return append(append([]string{}, base...), kv...) }
	var runs []scanRun
	pipe := func(name string, env []string, args ...string) int {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = work, env
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		code := 0
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("%s: %v", name, err)
			}
			code = ee.ExitCode()
		}
		runs = append(runs, scanRun{name, code, []byte(out.String()), []byte(errb.String())})
		return code
	}
	logs := []string{"--log-format", "json", "--log-level", "debug"}
	runArgs := func(file string, extra ...string) []string {
		a := append([]string{"run", file, "--state", loc}, logs...)
		switch file {
		case "pipelines/attendance-to-kimai.yaml", "legacy/attendance-to-kimai.yaml", "pipelines/attendance-report-to-kimai.yaml":
			a = append(a, "--param", "from=2026-10-15", "--param", "to=2026-10-15")
		case "pipelines/attendance-summary.yaml":
			a = append(a, "--param", "month=2026-10")
		}
		return append(a, extra...)
	}
	files, err := filepath.Glob(filepath.Join(work, "pipelines", "*.yaml"))
	if err != nil || len(files) < 4 {
		t.Fatalf("pipelines: %v %v", files, err)
	}
	for i := range files {
		files[i] = filepath.Join("pipelines", filepath.Base(files[i]))
	}

	pipe("validate", base, append([]string{"validate"}, files...)...)
	for _, f := range files {
		pipe("plan "+f, base, "plan", f)
		pipe("run --dry-run "+f, base, runArgs(f, "--dry-run")...)
	}

	// Error paths. A stale kqapi key: the signature is refused.
	if code := pipe("run with a stale kqapi key", with("KQAPI_KEY="+sandbox.MarkerKQAPIKey+"-stale"),
		runArgs("pipelines/attendance-summary.yaml")...); code == exitOK {
		t.Errorf("a run with the wrong kqapi key exited 0")
	}
	// A redirect in front of Kimai, with the legacy X-AUTH password: the writes are refused.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, sb.KimaiURL+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	defer proxy.Close()
	if code := pipe("run behind a redirect", with("KIMAI_BASE_URL="+proxy.URL, "KIMAI_TOKEN=",
		"KIMAI_USER="+kimai.SandboxAdminUser, "KIMAI_PASSWORD="+sandbox.MarkerKimaiPassword),
		runArgs("legacy/attendance-to-kimai.yaml")...); code == exitOK {
		t.Errorf("a run whose writes were redirected exited 0")
	}

	// The runs.
	before := len(sb.Kimai.Timesheets())
	for _, f := range files {
		pipe("run "+f, base, runArgs(f)...)
	}
	if len(sb.Kimai.Timesheets()) == before {
		t.Errorf("the runs booked no timesheet: the scan saw no write")
	}
	// The Didi token cached by the first run has expired: errno 401, authorized again.
	auth, issued := didiAuthorizes(sb), sb.Didi.IssuedTokens()
	sb.Didi.ExpireTokens()
	pipe("run after the Didi token expired", base, runArgs("pipelines/didi-cost-centers-to-kimai.yaml", "--param", "today=2026-12-02")...)
	if got := didiAuthorizes(sb); got <= auth {
		t.Errorf("after the token expired the run authorized %d times, want again", got-auth)
	}
	pipe("retry", base, append([]string{"retry", "pipelines/attendance-to-kimai.yaml", "--state", loc,
		"--param", "from=2026-10-15", "--param", "to=2026-10-15"}, logs...)...)
	pipe("state", base, "state", "--state", loc)
	for _, f := range files {
		pipe("state "+f, base, "state", f, "--state", loc)
		pipe("failed --payload "+f, base, "failed", f, "--payload", "--state", loc)
	}

	// pipe call for each API, and a vendor error of each.
	kq := []string{"--min-interval", "account=10ms"}
	pipe("call kqapi", base, append([]string{"call", "kqapi.recordlog", "start=2026-10-15", "end=2026-10-15"}, append(kq, logs...)...)...)
	pipe("call kqapi with a stale key", base, append([]string{"call", "kqapi.recordlog", "start=2026-10-15", "end=2026-10-15",
		"--cred", "key=" + sandbox.MarkerKQAPIKey + "-stale"}, append(kq, logs...)...)...)
	pipe("call didi", base, append([]string{"call", "didi.budgetCenterGet", "--all"}, logs...)...)
	pipe("call didi with a stale sign key", with("DIDI_SIGN_KEY="+sandbox.MarkerDidiSignKey+"-stale"),
		append([]string{"call", "didi.budgetCenterGet", "offset=0", "length=100"}, logs...)...)
	pipe("call kimai", base, append([]string{"call", "kimai.listCustomers"}, logs...)...)
	if code := pipe("call kimai with a 400", base, append([]string{"call", "kimai.createTimesheet", "project=999999",
		"activity=999999", "begin=2026-10-15T09:00:00+08:00", "end=2026-10-15T18:00:00+08:00"}, logs...)...); code == exitOK {
		t.Errorf("a timesheet for no project was created")
	}
	pipe("call kimai with the legacy password", with("KIMAI_TOKEN=", "KIMAI_USER="+kimai.SandboxAdminUser,
		"KIMAI_PASSWORD="+sandbox.MarkerKimaiPassword), append([]string{"call", "kimai.listUsers"}, logs...)...)

	var found []secretscan.Finding
	for _, r := range runs {
		t.Logf("%s: exit %d, %d+%d bytes of output", r.name, r.code, len(r.stdout), len(r.stderr))
		if r.code == 2 || r.code == 1 {
			t.Logf("%s", r.stderr[:min(len(r.stderr), 600)])
		}
		found = append(found, scan.Scan("stdout of pipe "+r.name, r.stdout)...)
		found = append(found, scan.Scan("stderr of pipe "+r.name, r.stderr)...)
	}
	for _, tok := range append(issued, sb.Didi.IssuedTokens()...) {
		for _, r := range runs {
			if strings.Contains(string(r.stdout)+string(r.stderr), tok) {
				found = append(found, secretscan.Finding{Where: "output of pipe " + r.name, Marker: "an issued Didi access token", Form: "raw"})
			}
		}
	}
	fileFindings, err := scan.ScanDir(work)
	if err != nil {
		t.Fatal(err)
	}
	found = append(found, fileFindings...)
	found = append(found, dumpState(t, scan, backend, loc)...)
	for _, f := range found {
		t.Errorf("secret leak: %s", f)
	}
	t.Run("tokens table", func(t *testing.T) {
		// The runs cached Didi tokens (sealed): the scan above read them, and no issued token
		// is in them, in any of the forms the scanner knows or as it was issued.
		values := tokenRows(t, backend, loc)
		if len(values) == 0 {
			t.Fatalf("the tokens table (%s) has no row: the runs cached no Didi token", backend.Name)
		}
		for _, tok := range append(issued, sb.Didi.IssuedTokens()...) {
			for _, v := range values {
				if strings.Contains(v, tok) {
					t.Errorf("a tokens row holds an issued Didi access token")
				}
			}
		}
	})
}

// copyPipelines copies the shipped pipelines and their mapping file into dir/pipelines, so that
// the runs write their reports (out/) under dir, and into dir/legacy a copy of
// attendance-to-kimai.yaml whose Kimai connection names no token, so that the client takes the
// legacy KIMAI_USER and KIMAI_PASSWORD from the environment.
func copyPipelines(t *testing.T, dir string) {
	t.Helper()
	src := filepath.Join("..", "..", "pipelines")
	files, err := filepath.Glob(filepath.Join(src, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(src, "mapping", "accounts.csv"))
	write := func(path string, b []byte) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, path, string(b))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(src, f)
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(dir, "pipelines", rel), b)
		switch rel {
		case "attendance-to-kimai.yaml":
			legacy := strings.Replace(string(b), "    token: ${KIMAI_TOKEN}\n", "", 1)
			if legacy == string(b) {
				t.Fatalf("%s: no token line to remove", f)
			}
			write(filepath.Join(dir, "legacy", rel), []byte(legacy))
		case filepath.Join("mapping", "accounts.csv"):
			write(filepath.Join(dir, "legacy", rel), b)
		}
	}
}

// dumpState scans every row of every table of the state store at loc.
func dumpState(t *testing.T, scan *secretscan.Scanner, backend statetest.Backend, loc string) []secretscan.Finding {
	t.Helper()
	db, dialect := openStateDB(t, backend, loc)
	found, rows, err := scan.ScanDB(t.Context(), db, dialect)
	if err != nil {
		t.Fatal(err)
	}
	if rows == 0 {
		t.Errorf("the state store at %s has no row: the scan read nothing", backend.Name)
	}
	t.Logf("state store (%s): %d rows scanned", backend.Name, rows)
	return found
}

// openStateDB opens the database of the state store at loc, closed at the end of t.
func openStateDB(t *testing.T, backend statetest.Backend, loc string) (*sql.DB, secretscan.Dialect) {
	t.Helper()
	driver, dialect := "sqlite", secretscan.SQLite
	if backend.Name == "postgres" {
		driver, dialect = "pgx", secretscan.Postgres
	}
	db, err := sql.Open(driver, loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dialect
}

// tokenRows returns the value column of every row of the state store's tokens table.
func tokenRows(t *testing.T, backend statetest.Backend, loc string) []string {
	t.Helper()
	db, _ := openStateDB(t, backend, loc)
	rows, err := db.QueryContext(t.Context(), `SELECT value FROM tokens`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var values []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		values = append(values, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return values
}

func didiAuthorizes(sb *sandbox.Sandbox) int {
	n := 0
	for _, e := range sb.Didi.Journal.Entries() {
		if strings.HasSuffix(e.Path, "/Auth/authorize") {
			n++
		}
	}
	return n
}
