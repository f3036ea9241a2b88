package pipelines_test

// attendance-to-kimai-meta: the key of each timesheet in a Kimai custom field, set by the write
// step's after: call (Kimai's create cannot carry one: src/Form/API/TimesheetApiEditForm.php),
// against the head-office Kimai with the field registered.

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/emulator/emukit"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
)

const (
	metaFile  = "attendance-to-kimai-meta.yaml"
	metaField = "specpipe_key"
)

var metaPath = regexp.MustCompile(`^/api/timesheets/\d+/meta$`)

// kimaiCalls counts the writes Kimai processed since its journal's entry from: creations and
// meta calls apart.
func (w *world) kimaiCalls(from int) (creates, metas, others int) {
	for _, e := range w.km.Journal.Entries()[from:] {
		switch {
		case e.Method == http.MethodGet || strings.HasPrefix(e.Outcome, "fault"):
		case e.Method == http.MethodPost && e.Path == "/api/timesheets":
			creates++
		case e.Method == http.MethodPatch && metaPath.MatchString(e.Path):
			metas++
		default:
			others++
		}
	}
	return creates, metas, others
}

// metaKeys is each timesheet's meta field by user and begin (UTC), "" when it has none.
func metaKeys(e *kimai.Emulator) map[string]string {
	users := map[int]string{}
	for _, u := range e.Users() {
		users[u.ID] = u.Username
	}
	out := map[string]string{}
	for _, t := range e.Timesheets() {
		v := ""
		for _, m := range t.Meta {
			if m.Name == metaField {
				v = m.Value
			}
		}
		out[users[t.User]+" "+t.Begin.UTC().Format(utcMinute)] = v
	}
	return out
}

// failMetaCalls makes Kimai fail every meta call that sets value, with kind.
func failMetaCalls(e *kimai.Emulator, value string, kind emukit.FaultKind) {
	failRequests(e, func(r *http.Request, b []byte) bool {
		var body struct {
			Value string `json:"value"`
		}
		return r.Method == http.MethodPatch && metaPath.MatchString(r.URL.Path) && json.Unmarshal(b, &body) == nil && body.Value == value
	}, kind, 50) // more than the client's attempts
}

func TestAttendanceToKimaiMeta(t *testing.T) {
	kqf, _, _ := fixtures(t)
	const day = "2026-10-15"
	params := map[string]string{"from": day, "to": day}
	tests := []struct {
		name string
		// fault sets up Kimai's faults for the first run, given the users' IDs by username and
		// the key of one booked record; it returns how many records the first run fails.
		fault func(w *world, id map[string]int, user, key string) int
		// legacy: attendance-to-kimai booked the day before (the key in the description).
		legacy bool
		// lostMeta: Kimai processed the meta call whose answer was lost (every attempt of it).
		lostMeta bool
	}{
		{"no fault", func(*world, map[string]int, string, string) int { return 0 }, false, false},
		{"the answer of a creation is lost", func(w *world, id map[string]int, user, _ string) int {
			lostAnswers(t, w.km, id[user])
			return 0
		}, false, false},
		{"the meta call never reaches Kimai", func(w *world, _ map[string]int, _, key string) int {
			failMetaCalls(w.km, key, emukit.FaultDrop)
			return 1
		}, false, false},
		{"the answer of the meta call is lost", func(w *world, _ map[string]int, _, key string) int {
			failMetaCalls(w.km, key, emukit.FaultDropAfter)
			return 1
		}, false, true},
		{"timesheets attendance-to-kimai booked before", func(*world, map[string]int, string, string) int { return 0 }, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kmf, err := kimai.HeadOfficeFixture()
			if err != nil {
				t.Fatal(err)
			}
			kmf.Config.TimesheetMetaFields = []string{metaField}
			w := newKimaiWorld(t, kmf)
			want := expectAttendance(kqf, kmf, day, day, boundary, minSpan, kimai.InternalProject, kimai.InternalActivity)
			id, acct := map[string]int{}, map[string]string{}
			for _, u := range kmf.Users {
				id[u.Username], acct[u.Username] = u.ID, u.AccountNumber
			}
			wantKeys := map[string]string{}
			for _, s := range instantsOf(t, want.Sheets) {
				wantKeys[s.User+" "+s.Begin] = acct[s.User] + "/" + day
			}
			if len(wantKeys) < 3 {
				t.Fatalf("the oracle books %d timesheets: the fixture changed?", len(wantKeys))
			}
			if tt.legacy {
				w.mustRun("attendance-to-kimai.yaml", params)
				// A dry run says each booked timesheet would get its field, nothing more.
				if d := cmp.Diff(map[string]int{"after": len(want.Sheets)}, w.dryRun(metaFile, params)); d != "" {
					t.Errorf("dry run after attendance-to-kimai (-want +got):\n%s", d)
				}
			}
			user := want.Sheets[len(want.Sheets)/2].User
			key := acct[user] + "/" + day
			wantFailed := tt.fault(w, id, user, key)

			from := w.km.Journal.Len()
			sum, err := w.run(metaFile, params)
			if err != nil {
				t.Fatalf("first run: %v", err)
			}
			w.km.Faults.Clear()
			if got := sum.FailedRecords(); got != int64(wantFailed) {
				t.Fatalf("the first run failed %d records, want %d: %+v", got, wantFailed, sum.Failed)
			}
			creates, metas, others := w.kimaiCalls(from)
			wantCreates := len(want.Sheets)
			if tt.legacy {
				wantCreates = 0 // adopted by their description, the field set
			}
			// A meta call whose answer was lost was processed by each of the client's attempts.
			wantMetas := len(want.Sheets) - wantFailed
			if tt.lostMeta {
				wantMetas = metas
			}
			if creates != wantCreates || metas != wantMetas || others != 0 || metas < len(want.Sheets)-wantFailed {
				t.Errorf("the first run made %d, set %d fields, sent %d other writes; want %d, %d, 0", creates, metas, others, wantCreates, len(want.Sheets)-wantFailed)
			}
			if d := cmp.Diff(instantsOf(t, want.Sheets), kimaiInstants(w.km)); d != "" {
				t.Errorf("Kimai's timesheets (-want +got):\n%s", d)
			}
			if wantFailed > 0 && !tt.lostMeta {
				n := 0
				for _, v := range metaKeys(w.km) {
					if v == "" {
						n++
					}
				}
				if n != wantFailed {
					t.Errorf("after the first run %d timesheets have no %s field, want %d (the meta call never arrived)", n, metaField, wantFailed)
				}
			}
			if wantFailed > 0 {
				want := map[string]int{"after": wantFailed, "unchanged": len(want.Sheets) - wantFailed}
				if d := cmp.Diff(want, w.dryRun(metaFile, params)); d != "" {
					t.Errorf("dry run after the first run (-want +got):\n%s", d)
				}
				// The next run sends only the missing meta call: never a second creation.
				from = w.km.Journal.Len()
				w.mustRun(metaFile, params)
				if creates, metas, others := w.kimaiCalls(from); creates != 0 || metas != wantFailed || others != 0 {
					t.Errorf("the run after made %d, set %d fields, sent %d other writes; want 0, %d, 0", creates, metas, others, wantFailed)
				}
			}
			if d := cmp.Diff(wantKeys, metaKeys(w.km)); d != "" {
				t.Errorf("Kimai's %s fields (-want +got):\n%s", metaField, d)
			}
			for _, ts := range w.km.Timesheets() {
				if wantDesc := "Attendance"; !tt.legacy && ts.Description != wantDesc {
					t.Errorf("timesheet %d: description %q, want %q", ts.ID, ts.Description, wantDesc)
				}
			}

			// A rerun writes nothing; nor does a run with a new, empty state file (every
			// timesheet adopted by its field), nor the run after it.
			from = w.km.Journal.Len()
			if b := step(w.mustRun(metaFile, params), "book"); b.Skipped != int64(len(want.Sheets)) {
				t.Errorf("the rerun skipped %d records, want %d", b.Skipped, len(want.Sheets))
			}
			if err := os.Remove(filepath.Join(w.dir, ".attendance-to-kimai-meta.state.db")); err != nil {
				t.Fatal(err)
			}
			if b := step(w.mustRun(metaFile, params), "book"); b.Adopted != int64(len(want.Sheets)) || b.Written != 0 {
				t.Errorf("with a new state file book adopted %d and wrote %d, want %d and 0", b.Adopted, b.Written, len(want.Sheets))
			}
			w.mustRun(metaFile, params)
			if creates, metas, others := w.kimaiCalls(from); creates+metas+others != 0 {
				t.Errorf("the runs after made %d, set %d fields, sent %d other writes; want none", creates, metas, others)
			}
			if d := cmp.Diff(instantsOf(t, want.Sheets), kimaiInstants(w.km)); d != "" {
				t.Errorf("Kimai's timesheets at the end (-want +got):\n%s", d)
			}
		})
	}
}
