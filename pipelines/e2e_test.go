package pipelines_test

// End-to-end tests: the pipelines of this directory run on the pipeline engine, with the state
// store, against the kqapi, Didi and Kimai emulators seeded with the fixture company; what Kimai
// holds afterwards is compared with what the fixtures say it must hold (expect_test.go).

import (
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/specpipe/specpipe/generated"
	"github.com/specpipe/specpipe/internal/emulator/didi"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/emulator/kqapi"
	"github.com/specpipe/specpipe/internal/pipeline"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/retry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
	"github.com/specpipe/specpipe/internal/state"
	"github.com/specpipe/specpipe/pipelines"
)

// The kqapi interval the emulator enforces in these tests (the real service: 20 s), and the one
// the clients keep: longer, since the emulator measures between arrivals and the client between
// sends.
const (
	kqEmulatorInterval = 200 * time.Microsecond
	kqInterval         = 5 * time.Millisecond
)

// world is the three emulators on loopback and a directory with the pipelines.
type world struct {
	t     *testing.T
	kq    *kqapi.Emulator
	dd    *didi.Emulator
	km    *kimai.Emulator
	env   map[string]string
	dir   string
	clock *emukit.FakeClock // Didi's clock (nil: the wall clock)
}

// newWorld starts the emulators. With didiClock, Didi runs on a fake clock (and accepts any
// timestamp), so a test can expire its tokens.
func newWorld(t *testing.T, didiClock bool) *world {
	t.Helper()
	w := &world{t: t, dir: t.TempDir()}
	var err error
	if w.kq, err = kqapi.New(kqapi.Options{RateInterval: kqEmulatorInterval}); err != nil {
		t.Fatal(err)
	}
	dopts := didi.Options{}
	if didiClock {
		w.clock = emukit.NewFakeClock(time.Now())
		dopts = didi.Options{Clock: w.clock, TimestampWindow: 365 * 24 * time.Hour}
	}
	if w.dd, err = didi.New(dopts); err != nil {
		t.Fatal(err)
	}
	if w.km, err = kimai.New(kimai.Options{}); err != nil {
		t.Fatal(err)
	}
	start := func(h http.Handler) string {
		srv, err := emukit.Start(h, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		return srv.URL
	}
	w.env = map[string]string{
		"KQAPI_BASE_URL": start(w.kq), "KQAPI_ACCOUNT": kqapi.SandboxAccount, "KQAPI_KEY": kqapi.SandboxKey,
		"DIDI_BASE_URL": start(w.dd), "DIDI_CLIENT_ID": didi.SandboxClientID, "DIDI_CLIENT_SECRET": didi.SandboxClientSecret,
		"DIDI_SIGN_KEY": didi.SandboxSignKey, "DIDI_SIGN_METHOD": "md5", "DIDI_COMPANY_ID": didi.SandboxCompanyID,
		"KIMAI_BASE_URL": start(w.km), "KIMAI_TOKEN": kimai.SandboxAdminToken,
		"KQAPI_MIN_INTERVAL": kqInterval.String(),
	}
	if err := pipelines.CopyTo(w.dir); err != nil {
		t.Fatal(err)
	}
	return w
}

// run runs a pipeline once, as `pipe run` does: with the state store beside the file.
func (w *world) run(file string, params map[string]string) (*pipeline.Summary, error) {
	w.t.Helper()
	ctx := context.Background()
	p, err := pipeline.Load(filepath.Join(w.dir, file), pipeline.LoadOptions{
		Getenv: func(k string) string { return w.env[k] },
		Params: params,
		APIs:   generated.APIs(),
	})
	if err != nil {
		w.t.Fatalf("load %s: %v", file, err)
	}
	store, err := state.Open(ctx, filepath.Join(w.dir, "."+p.Name+".state.db"))
	if err != nil {
		w.t.Fatal(err)
	}
	defer store.Close()
	return p.Run(ctx, pipeline.RunOptions{
		Ledger: store,
		Transport: func(conn string, api *registry.API) transport.Config {
			cfg := transport.Config{
				Tokens: store,
				Retry:  retry.Policy{MaxAttempts: 8, Base: time.Millisecond, Max: 20 * time.Millisecond},
			}
			if api.Name == "kqapi" {
				cfg.Intervals = map[string]time.Duration{"account": kqInterval}
			}
			return cfg
		},
	})
}

// runUntilDone reruns a pipeline, as cron would, until a run gets through (at most n runs).
func (w *world) runUntilDone(file string, params map[string]string, n int) {
	w.t.Helper()
	for i := 1; ; i++ {
		sum, err := w.run(file, params)
		if err == nil && sum.FailedRecords() == 0 {
			return
		}
		if i == n {
			w.t.Fatalf("%s: still failing after %d runs: %v %+v", file, n, err, failures(sum))
		}
	}
}

func failures(s *pipeline.Summary) []pipeline.FailedRecord {
	if s == nil {
		return nil
	}
	return s.Failed
}

// mustRun runs a pipeline and wants it to succeed.
func (w *world) mustRun(file string, params map[string]string) *pipeline.Summary {
	w.t.Helper()
	sum, err := w.run(file, params)
	if err != nil {
		w.t.Fatalf("run %s: %v", file, err)
	}
	if sum.FailedRecords() != 0 {
		w.t.Fatalf("run %s: %d failed: %+v", file, sum.FailedRecords(), sum.Failed)
	}
	return sum
}

// kimaiWrites counts the requests that change Kimai data.
func (w *world) kimaiWrites() int {
	n := 0
	for _, e := range w.km.Journal.Entries() {
		if e.Method != http.MethodGet && !strings.HasPrefix(e.Outcome, "fault") {
			n++
		}
	}
	return n
}

// faulted counts the requests an emulator's journal shows a fault for.
func faulted(j *emukit.Journal) int {
	n := 0
	for _, e := range j.Entries() {
		if strings.HasPrefix(e.Outcome, "fault") {
			n++
		}
	}
	return n
}

// csvPairs reads the account and day columns of an attendance report.
func (w *world) csvPairs(file string) []string {
	w.t.Helper()
	f, err := os.Open(filepath.Join(w.dir, file))
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		w.t.Fatal(err)
	}
	out := []string{}
	for _, r := range rows[1:] {
		out = append(out, r[0]+" "+r[1])
	}
	slices.Sort(out)
	return out
}

func step(s *pipeline.Summary, id string) pipeline.StepSummary {
	for _, st := range s.Steps {
		if st.ID == id {
			return st
		}
	}
	return pipeline.StepSummary{}
}

// fixtures are the emulators' seed data, read independently of the emulators' state.
func fixtures(t *testing.T) (*kqapi.Fixture, *kimai.Fixture, *didi.Fixture) {
	t.Helper()
	kq, err := kqapi.DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	km, err := kimai.DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	dd, err := didi.DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	return kq, km, dd
}

const (
	minSpan  = 2 * time.Minute
	boundary = 7 * time.Hour
)

func TestAttendanceToKimai(t *testing.T) {
	kqf, kmf, _ := fixtures(t)
	tests := []struct {
		name     string
		from, to string
		faults   bool
		mapping  bool   // map two unmapped employees in mapping/accounts.csv: one to a new user, one to no user
		long     string // a day ("account workday") the oracle must find longer than any shift
	}{
		{"one day", "2026-10-15", "2026-10-15", false, false, ""},
		{"a week across a weekend", "2026-10-09", "2026-10-14", false, false, "1101388 2026-10-09"},
		{"the end of the month: the night shift's punches of November 1", "2026-10-30", "2026-10-31", false, false, ""},
		// 1101575's night shift of October 29 works overtime to 07:00 and punches out at 07:04,
		// after the day boundary: October 30 would span 07:04 to 06:24 the next morning.
		{"a late punch-out after the day boundary", "2026-10-30", "2026-10-30", false, false, "1101575 2026-10-30"},
		{"faults: 5xx, dropped connections, rate-limit answers", "2026-10-14", "2026-10-16", true, false, ""},
		{"a mapping file", "2026-10-15", "2026-10-15", false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, false)
			params := map[string]string{"from": tt.from, "to": tt.to}
			want := expectAttendance(kqf, kmf, tt.from, tt.to, boundary, minSpan, kimai.InternalProject, kimai.InternalActivity)
			if len(want.Sheets) == 0 || len(want.Unmapped) < 2 {
				t.Fatalf("the oracle expects %d sheets and %d unmapped days: the fixture changed?", len(want.Sheets), len(want.Unmapped))
			}
			if tt.long != "" && !slices.Contains(want.Long, tt.long) {
				t.Fatalf("the oracle finds %s no longer than a shift (long days: %v): the fixture changed?", tt.long, want.Long)
			}
			if tt.mapping {
				acct := strings.Fields(want.Unmapped[0])[0]
				other := strings.Fields(want.Unmapped[1])[0]
				u := kimai.User{Username: "mapped.by.file", Email: "m@example.cn", Language: "zh_CN", Locale: "zh_CN",
					Timezone: "Asia/Shanghai", Enabled: true, Roles: []string{"ROLE_USER"}}
				if _, err := w.km.AddUser(u); err != nil {
					t.Fatal(err)
				}
				csv := "account,username\n" + acct + ",mapped.by.file\n" + other + ",nobody.in.kimai\n"
				if err := os.WriteFile(filepath.Join(w.dir, "mapping", "accounts.csv"), []byte(csv), 0o644); err != nil {
					t.Fatal(err)
				}
				// The oracle maps by accountNumber: give it the user with the account.
				km := *kmf
				u.AccountNumber = acct
				km.Users = append(slices.Clone(kmf.Users), u)
				want = expectAttendance(kqf, &km, tt.from, tt.to, boundary, minSpan, kimai.InternalProject, kimai.InternalActivity)
				if !slices.ContainsFunc(want.Sheets, func(s sheet) bool { return s.User == "mapped.by.file" }) {
					t.Fatalf("the oracle books nothing for %s", acct)
				}
			}
			if tt.faults {
				// kqapi's rate-limit answer is status 0 like every kqapi error; the spec's
				// retry.messages tells it by its text (频繁), so the client retries it.
				w.kq.Faults.Set(emukit.FaultConfig{Error5xx: 0.1, Drop: 0.05, RateLimit: 0.1, Seed: 7})
				w.km.Faults.Set(emukit.FaultConfig{Error5xx: 0.1, Drop: 0.05, RateLimit: 0.1, Seed: 8})
				w.runUntilDone("attendance-to-kimai.yaml", params, 10)
				if faulted(w.kq.Journal) == 0 || faulted(w.km.Journal) == 0 {
					t.Errorf("no fault injected: kqapi %d, Kimai %d", faulted(w.kq.Journal), faulted(w.km.Journal))
				}
				w.kq.Faults.Clear()
				w.km.Faults.Clear()
			} else {
				sum := w.mustRun("attendance-to-kimai.yaml", params)
				if got := step(sum, "book").Written; got != int64(len(want.Sheets)) {
					t.Errorf("book wrote %d timesheets, want %d", got, len(want.Sheets))
				}
				mapped, paired := step(sum, "mapped"), step(sum, "paired")
				if d := mapped.In - mapped.Out; d != int64(len(want.Unmapped)) {
					t.Errorf("the summary's mapped filter dropped %d employee-days, want %d unmapped", d, len(want.Unmapped))
				}
				if d := paired.In - paired.Out; d != int64(len(want.Single)) {
					t.Errorf("the summary's paired filter dropped %d days, want %d single-punch days", d, len(want.Single))
				}
				if pl := step(sum, "plausible"); pl.In-pl.Out != int64(len(want.Long)) {
					t.Errorf("the summary's plausible filter dropped %d days, want %d days longer than any shift", pl.In-pl.Out, len(want.Long))
				}
			}
			if d := cmp.Diff(want.Sheets, sheetsOf(w.km)); d != "" {
				t.Errorf("Kimai's timesheets (-want +got):\n%s", d)
			}
			if d := cmp.Diff(want.Unmapped, w.csvPairs("out/attendance-unmapped.csv")); d != "" {
				t.Errorf("unmapped report (-want +got):\n%s", d)
			}
			if d := cmp.Diff(want.Single, w.csvPairs("out/attendance-single.csv")); d != "" {
				t.Errorf("single-punch report (-want +got):\n%s", d)
			}
			if d := cmp.Diff(want.Long, w.csvPairs("out/attendance-long.csv"), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("long-day report (-want +got):\n%s", d)
			}

			// A rerun writes nothing, and lists Kimai's users once (both indexes read the list).
			before := w.kimaiWrites()
			kmBefore := w.km.Journal.Len()
			sum := w.mustRun("attendance-to-kimai.yaml", params)
			if got := w.kimaiWrites() - before; got != 0 {
				t.Errorf("the rerun sent %d writes to Kimai, want 0", got)
			}
			userLists := 0
			for _, e := range w.km.Journal.Entries()[kmBefore:] {
				if e.Method == http.MethodGet && e.Path == "/api/users" {
					userLists++
				}
			}
			if userLists != 1 {
				t.Errorf("the rerun listed Kimai's users %d times, want 1", userLists)
			}
			if got := step(sum, "book"); got.Written != 0 || got.Skipped != int64(len(want.Sheets)) {
				t.Errorf("rerun: book wrote %d and skipped %d, want 0 and %d", got.Written, got.Skipped, len(want.Sheets))
			}
			if d := cmp.Diff(want.Sheets, sheetsOf(w.km)); d != "" {
				t.Errorf("Kimai's timesheets after the rerun (-want +got):\n%s", d)
			}

			// A 补签 correction after the run moves one person's end: the rerun updates that
			// timesheet and writes nothing else.
			if tt.mapping {
				return // the other cases check it
			}
			var acct string
			for _, u := range kmf.Users {
				if u.Username == want.Sheets[0].User {
					acct = u.AccountNumber
				}
			}
			loc, _ := time.LoadLocation("Asia/Shanghai")
			late, err := time.ParseInLocation("2006-01-02T15:04", want.Sheets[0].Begin[:10]+"T21:30", loc)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.kq.AddPunch(acct, late, "", kqapi.AttenTypeRecheck); err != nil {
				t.Fatal(err)
			}
			corrected := *kqf
			corrected.Punches = append(slices.Clone(kqf.Punches), kqapi.Punch{Account: acct, Time: late.Unix(), Type: kqapi.AttenTypeRecheck})
			want = expectAttendance(&corrected, kmf, tt.from, tt.to, boundary, minSpan, kimai.InternalProject, kimai.InternalActivity)
			before = w.kimaiWrites()
			w.mustRun("attendance-to-kimai.yaml", params)
			if got := w.kimaiWrites() - before; got != 1 {
				t.Errorf("the rerun after a correction sent %d writes to Kimai, want 1 update", got)
			}
			if d := cmp.Diff(want.Sheets, sheetsOf(w.km)); d != "" {
				t.Errorf("Kimai's timesheets after the correction (-want +got):\n%s", d)
			}
		})
	}
}

// TestDemoDayNightShift checks the reason for the 07:00 day boundary on the fixture itself: the
// night shift's out punches come after 04:00, so a 04:00 boundary would split its days.
func TestDemoDayNightShift(t *testing.T) {
	kqf, _, _ := fixtures(t)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	late := 0
	for _, p := range kqf.Punches {
		h := time.Unix(p.Time, 0).In(loc)
		if h.Hour() >= 4 && h.Hour() < 7 {
			late++
		}
		if h.Hour() == 6 && h.Minute() > 45 {
			t.Errorf("punch at %s: too close to the 07:00 boundary", h)
		}
	}
	if late == 0 {
		t.Error("no punch between 04:00 and 07:00: the 07:00 boundary has no reason any more")
	}
}

var _ = atomic.Int64{}

func TestAttendanceReportToKimai(t *testing.T) {
	kqf, kmf, _ := fixtures(t)
	const day = "2026-10-15" // a Thursday: every shift is scheduled
	w := newWorld(t, false)
	params := map[string]string{"from": day, "to": day}
	want := expectAttendance(kqf, kmf, day, day, boundary, minSpan, kimai.InternalProject, kimai.InternalActivity)
	w.kq.Faults.Set(emukit.FaultConfig{Error5xx: 0.05, Drop: 0.05, RateLimit: 0.05, Seed: 12})
	w.km.Faults.Set(emukit.FaultConfig{Error5xx: 0.05, Drop: 0.05, RateLimit: 0.05, Seed: 11})
	w.runUntilDone("attendance-report-to-kimai.yaml", params, 10)
	if faulted(w.kq.Journal) == 0 || faulted(w.km.Journal) == 0 {
		t.Errorf("no fault injected: kqapi %d, Kimai %d", faulted(w.kq.Journal), faulted(w.km.Journal))
	}
	w.kq.Faults.Clear()
	w.km.Faults.Clear()
	// dayReport pairs by the shift rules, the punches pipeline by the day boundary: on a
	// working day both give the same timesheets.
	if d := cmp.Diff(want.Sheets, sheetsOf(w.km)); d != "" {
		t.Errorf("Kimai's timesheets (-want +got):\n%s", d)
	}
	var unmapped []string
	for _, u := range want.Unmapped {
		unmapped = append(unmapped, strings.Fields(u)[0])
	}
	var got []string
	for _, p := range w.csvPairs("out/report-unmapped.csv") {
		got = append(got, strings.Fields(p)[0])
	}
	if d := cmp.Diff(unmapped, got); d != "" {
		t.Errorf("unmapped employees (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want.Single, w.csvPairs("out/report-single.csv")); d != "" {
		t.Errorf("days without both check-in and check-out (-want +got):\n%s", d)
	}
	before := w.kimaiWrites()
	w.mustRun("attendance-report-to-kimai.yaml", params)
	if got := w.kimaiWrites() - before; got != 0 {
		t.Errorf("the rerun sent %d writes to Kimai, want 0", got)
	}
}
