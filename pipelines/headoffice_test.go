package pipelines_test

// The attendance pipelines against a Kimai administered from a head office abroad
// (kimai.HeadOfficeFixture): the token is the super admin's, whose profile is in Europe/Berlin,
// the employees are in Asia/Shanghai and America/Los_Angeles, and Kimai forbids overlapping
// records. Kimai must hold exactly the instants the punches say, whatever zone reads them.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/emulator/company"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/emulator/kqapi"
)

// newHeadOfficeWorld is newWorld with Kimai seeded with the head-office fixture (the default
// Kimai newWorld starts is left unused).
func newHeadOfficeWorld(t *testing.T) (*world, *kimai.Fixture) {
	t.Helper()
	fx, err := kimai.HeadOfficeFixture()
	if err != nil {
		t.Fatal(err)
	}
	if !fx.Config.ForbidOverlapping {
		t.Fatal("the head-office fixture allows overlapping records: the fixture changed?")
	}
	return newKimaiWorld(t, fx), fx
}

// newKimaiWorld is newWorld with Kimai seeded with fx, called by its super admin's token.
func newKimaiWorld(t *testing.T, fx *kimai.Fixture) *world {
	t.Helper()
	w := newWorld(t, false)
	var err error
	if w.km, err = kimai.New(kimai.Options{Fixture: fx}); err != nil {
		t.Fatal(err)
	}
	srv, err := emukit.Start(w.km, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	w.env["KIMAI_BASE_URL"] = srv.URL
	w.env["KIMAI_TOKEN"] = kimai.SandboxAdminToken
	return w
}

// instant is a timesheet as an instant: begin and end in UTC, so that no zone (the caller's,
// the user's, the pipeline's) can hide a shift.
type instant struct {
	User     string
	Begin    string // UTC, 2006-01-02T15:04Z
	End      string
	Project  string
	Activity string
}

const utcMinute = "2006-01-02T15:04Z"

// instantsOf turns the oracle's sheets (Asia/Shanghai wall clock) into instants.
func instantsOf(t *testing.T, sheets []sheet) []instant {
	t.Helper()
	loc, _ := time.LoadLocation(company.Zone)
	utc := func(s string) string {
		at, err := time.ParseInLocation("2006-01-02T15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return at.UTC().Format(utcMinute)
	}
	var out []instant
	for _, s := range sheets {
		out = append(out, instant{User: s.User, Begin: utc(s.Begin), End: utc(s.End), Project: s.Project, Activity: s.Activity})
	}
	slices.SortFunc(out, func(a, b instant) int { return cmpStrings(a.User+a.Begin, b.User+b.Begin) })
	return out
}

// kimaiInstants are the emulator's timesheets as instants.
func kimaiInstants(e *kimai.Emulator) []instant {
	users := map[int]string{}
	for _, u := range e.Users() {
		users[u.ID] = u.Username
	}
	projects := map[int]string{}
	for _, p := range e.Projects() {
		projects[p.ID] = p.Name
	}
	activities := map[int]string{}
	for _, a := range e.Activities() {
		activities[a.ID] = a.Name
	}
	var out []instant
	for _, t := range e.Timesheets() {
		end := ""
		if t.End != nil {
			end = t.End.UTC().Format(utcMinute)
		}
		out = append(out, instant{User: users[t.User], Begin: t.Begin.UTC().Format(utcMinute), End: end,
			Project: projects[t.Project], Activity: activities[t.Activity]})
	}
	slices.SortFunc(out, func(a, b instant) int { return cmpStrings(a.User+a.Begin, b.User+b.Begin) })
	return out
}

// lostAnswers makes Kimai apply the next timesheet creation of each of the users and drop the
// connection before answering (the write's outcome is unknown to the client).
func lostAnswers(t *testing.T, e *kimai.Emulator, users ...int) {
	t.Helper()
	failRequests(e, func(r *http.Request, b []byte) bool {
		if r.Method != http.MethodPost || r.URL.Path != "/api/timesheets" {
			return false
		}
		var body struct {
			User int `json:"user"`
		}
		return json.Unmarshal(b, &body) == nil && slices.Contains(users, body.User)
	}, emukit.FaultDropAfter, len(users))
}

// failRequests makes Kimai fail the next n requests for which match (given the request and its
// body) reports true, with kind.
func failRequests(e *kimai.Emulator, match func(r *http.Request, body []byte) bool, kind emukit.FaultKind, n int) {
	e.Faults.Only(func(r *http.Request) bool {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		return match(r, b)
	})
	kinds := make([]emukit.FaultKind, n)
	for i := range kinds {
		kinds[i] = kind
	}
	e.Faults.Queue(kinds...)
}

func TestHeadOfficeAttendance(t *testing.T) {
	kqf, _, _ := fixtures(t)
	const day = "2026-10-15" // a Thursday: every shift is scheduled, the night shift works into the 16th
	for _, file := range []string{"attendance-to-kimai.yaml", "attendance-report-to-kimai.yaml"} {
		t.Run(strings.TrimSuffix(file, ".yaml"), func(t *testing.T) {
			w, kmf := newHeadOfficeWorld(t)
			params := map[string]string{"from": day, "to": day}
			want := expectAttendance(kqf, kmf, day, day, boundary, minSpan, kimai.InternalProject, kimai.InternalActivity)

			// Who the lost answers are for: an employee in Los Angeles (the day crosses their
			// local midnight) and one on the night shift (22:00 to 06:00 in Shanghai).
			zone, id, acct := map[string]string{}, map[string]int{}, map[string]string{}
			for _, u := range kmf.Users {
				zone[u.Username], id[u.Username], acct[u.Username] = u.Timezone, u.ID, u.AccountNumber
			}
			var overseas, night string
			for _, s := range want.Sheets {
				if overseas == "" && zone[s.User] == company.OverseasZone {
					overseas = s.User
				}
				if night == "" && zone[s.User] == company.Zone && s.Begin[11:13] >= "20" {
					night = s.User
				}
			}
			if overseas == "" || night == "" {
				t.Fatalf("the oracle books no one in %s (%q) or on the night shift (%q): the fixture changed?", company.OverseasZone, overseas, night)
			}
			if kmf.Users[0].Timezone != company.HeadOfficeZone {
				t.Fatalf("the admin's zone is %s, want %s", kmf.Users[0].Timezone, company.HeadOfficeZone)
			}

			lostAnswers(t, w.km, id[overseas], id[night])
			sum := w.mustRun(file, params)
			if n := faulted(w.km.Journal); n != 2 {
				t.Errorf("Kimai dropped %d answers, want 2", n)
			}
			w.km.Faults.Clear()
			if got := step(sum, "book").Written; got != int64(len(want.Sheets)) {
				t.Errorf("book wrote %d timesheets, want %d", got, len(want.Sheets))
			}
			if d := cmp.Diff(instantsOf(t, want.Sheets), kimaiInstants(w.km)); d != "" {
				t.Errorf("Kimai's timesheets (-want +got):\n%s", d)
			}

			before := w.kimaiWrites()
			w.mustRun(file, params)
			if got := w.kimaiWrites() - before; got != 0 {
				t.Errorf("the rerun sent %d writes to Kimai, want 0", got)
			}

			// A 补签 correction for the employee in Los Angeles moves their check-out (Shanghai
			// wall clock, as kqapi records it): the rerun updates that timesheet only.
			loc, _ := time.LoadLocation(company.Zone)
			var begin string
			for _, s := range want.Sheets {
				if s.User == overseas {
					begin = s.Begin
				}
			}
			late, err := time.ParseInLocation("2006-01-02T15:04", begin[:10]+"T21:30", loc)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.kq.AddPunch(acct[overseas], late, "", kqapi.AttenTypeRecheck); err != nil {
				t.Fatal(err)
			}
			corrected := *kqf
			corrected.Punches = append(slices.Clone(kqf.Punches), kqapi.Punch{Account: acct[overseas], Time: late.Unix(), Type: kqapi.AttenTypeRecheck})
			want = expectAttendance(&corrected, kmf, day, day, boundary, minSpan, kimai.InternalProject, kimai.InternalActivity)
			before = w.kimaiWrites()
			w.mustRun(file, params)
			if got := w.kimaiWrites() - before; got != 1 {
				t.Errorf("the rerun after a correction sent %d writes to Kimai, want 1 update", got)
			}
			if d := cmp.Diff(instantsOf(t, want.Sheets), kimaiInstants(w.km)); d != "" {
				t.Errorf("Kimai's timesheets after the correction (-want +got):\n%s", d)
			}
		})
	}
}

// TestHeadOfficeAdminToken: a ROLE_ADMIN token lacks view_user (Kimai 2.66's default roles), so
// attendance-to-kimai's first step gets 403: the run fails naming the permission and books
// nothing.
func TestHeadOfficeAdminToken(t *testing.T) {
	w, _ := newHeadOfficeWorld(t)
	w.env["KIMAI_TOKEN"] = kimai.SandboxManagerToken
	_, err := w.run("attendance-to-kimai.yaml", map[string]string{"from": "2026-10-15", "to": "2026-10-15"})
	if err == nil {
		t.Fatal("the run with a ROLE_ADMIN token succeeded, want a 403 naming view_user")
	}
	if msg := err.Error(); !strings.Contains(msg, "403") || !strings.Contains(msg, "view_user") {
		t.Errorf("error = %q, want the 403 and the permission view_user", msg)
	}
	if strings.Contains(err.Error(), kimai.SandboxManagerToken) {
		t.Error("the error shows the token")
	}
	if n := w.kimaiWrites(); n != 0 {
		t.Errorf("the run sent %d writes to Kimai, want 0", n)
	}
	if n := len(w.km.Timesheets()); n != 0 {
		t.Errorf("Kimai holds %d timesheets, want none", n)
	}
}
