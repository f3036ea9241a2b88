package kimai

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConfigurableTimesheetRules: the system configuration that changes what POST and PATCH
// /api/timesheets accept (src/Validator/Constraints/Timesheet{Overlapping,FutureTimes,
// ZeroDuration,Lockdown}Validator.php, TimesheetRepository::hasRecordForTime,
// LockdownService::isEditable, TimesheetVoter::isAllowedInLockdown). The test clock stands at
// 2026-10-15 10:00 in Berlin, the zone of every test user.
func TestConfigurableTimesheetRules(t *testing.T) {
	post := func(v *env, token, begin, end string) resp {
		t.Helper()
		return v.do("POST", "/api/timesheets", token, fmt.Sprintf(`{"project":1,"activity":1,"begin":%q,"end":%q}`, begin, end))
	}
	global := func(t *testing.T, r resp) []any {
		t.Helper()
		_, g := validation(t, r)
		return g
	}

	t.Run("overlapping records forbidden", func(t *testing.T) {
		v := newEnv(t)
		cfg := v.e.Config()
		cfg.ForbidOverlapping = true
		v.e.SetConfig(cfg)
		mustJSON(t, v.do("GET", "/api/config/timesheet", tokUser, ""),
			`{"trackingMode":"default","defaultBeginTime":"now","activeEntriesHardLimit":1,"isAllowFutureTimes":true,"isAllowOverlapping":false}`)
		r := post(v, tokUser, "2026-10-14T09:00:00", "2026-10-14T10:00:00")
		wantStatus(t, r, 200)
		first := r.obj(t)["id"]
		if d := cmp.Diff([]any{msgOverlapping}, global(t, post(v, tokUser, "2026-10-14T09:30:00", "2026-10-14T10:30:00"))); d != "" {
			t.Errorf("overlapping record (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]any{msgOverlapping}, global(t, post(v, tokUser, "2026-10-14T08:00:00", "2026-10-14T11:00:00"))); d != "" {
			t.Errorf("enclosing record (-want +got):\n%s", d)
		}
		wantStatus(t, post(v, tokUser, "2026-10-14T10:00:00", "2026-10-14T11:00:00"), 200)  // adjacent
		wantStatus(t, post(v, tokAdmin, "2026-10-14T09:30:00", "2026-10-14T10:30:00"), 200) // another user
		wantStatus(t, v.do("PATCH", fmt.Sprintf("/api/timesheets/%v", first), tokUser, `{"description":"itself"}`), 200)
		// Duplicating goes through TimesheetService's validation: a copy overlaps its original.
		mustJSON(t, v.do("PATCH", fmt.Sprintf("/api/timesheets/%v/duplicate", first), tokUser, ""),
			`{"code":"400","message":"There was a problem saving.","errors":{"children":{"begin_date":{"errors":["You already have an entry for this time."]}}}}`)
	})

	t.Run("future times forbidden", func(t *testing.T) {
		v := newEnv(t)
		cfg := v.e.Config()
		cfg.ForbidFutureTimes = true
		v.e.SetConfig(cfg)
		// One minute of default rounding plus one minute are allowed.
		wantStatus(t, post(v, tokUser, "2026-10-15T09:00:00", "2026-10-15T10:01:30"), 200)
		if d := cmp.Diff([]any{msgEndInFuture}, global(t, post(v, tokUser, "2026-10-15T09:00:00", "2026-10-15T10:03:00"))); d != "" {
			t.Errorf("end in the future (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]any{msgBeginInFuture, msgEndInFuture}, global(t, post(v, tokUser, "2026-10-16T09:00:00", "2026-10-16T10:00:00"))); d != "" {
			t.Errorf("tomorrow (-want +got):\n%s", d)
		}
	})

	t.Run("zero duration forbidden", func(t *testing.T) {
		v := newEnv(t)
		wantStatus(t, post(v, tokUser, "2026-10-14T09:00:00", "2026-10-14T09:00:00"), 200) // allowed by default
		cfg := v.e.Config()
		cfg.ForbidZeroDuration = true
		v.e.SetConfig(cfg)
		if d := cmp.Diff([]any{msgZeroDuration}, global(t, post(v, tokUser, "2026-10-14T11:00:00", "2026-10-14T11:00:00"))); d != "" {
			t.Errorf("zero duration (-want +got):\n%s", d)
		}
	})

	// The lockdown period of September, written absolute and as Kimai's settings phrase it
	// (read at the emulator's clock, 15 October: LockdownService).
	for _, period := range []Lockdown{
		{Start: "2026-09-01 00:00:00", End: "2026-09-30 23:59:59"},
		{Start: "first day of last month 00:00:00", End: "last day of last month 23:59:59"},
	} {
		t.Run("lockdown "+period.Start, func(t *testing.T) {
			v := newEnv(t)
			r := post(v, tokUser, "2026-09-15T09:00:00", "2026-09-15T17:00:00")
			wantStatus(t, r, 200)
			old := r.obj(t)["id"]
			cfg := v.e.Config()
			period.Grace = "+10 days" // grace over on 10 October
			cfg.Lockdown = &period
			if err := v.e.SetConfig(cfg); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]any{msgLocked}, global(t, post(v, tokUser, "2026-09-16T09:00:00", "2026-09-16T17:00:00"))); d != "" {
				t.Errorf("user in the locked period (-want +got):\n%s", d)
			}
			wantStatus(t, post(v, tokUser, "2026-10-01T09:00:00", "2026-10-01T17:00:00"), 200)  // after the period
			wantStatus(t, post(v, tokAdmin, "2026-09-16T09:00:00", "2026-09-16T17:00:00"), 200) // lockdown_override_timesheet
			wantStatus(t, v.do("PATCH", fmt.Sprintf("/api/timesheets/%v", old), tokUser, `{"description":"late"}`), 403)
			wantStatus(t, v.do("DELETE", fmt.Sprintf("/api/timesheets/%v", old), tokUser, ""), 403)
			wantStatus(t, v.do("PATCH", fmt.Sprintf("/api/timesheets/%v", old), tokAdmin, `{"description":"fixed"}`), 200)

			cfg.Lockdown.Grace = "+20 days" // grace until 20 October: the latest period is open, older ones not
			if err := v.e.SetConfig(cfg); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, post(v, tokUser, "2026-09-17T09:00:00", "2026-09-17T17:00:00"), 200)
			if d := cmp.Diff([]any{msgLocked}, global(t, post(v, tokUser, "2026-08-17T09:00:00", "2026-08-17T17:00:00"))); d != "" {
				t.Errorf("before the period, in grace (-want +got):\n%s", d)
			}
		})
	}

	t.Run("active entries hard limit", func(t *testing.T) {
		v := newEnv(t)
		cfg := v.e.Config()
		cfg.ActiveEntriesHardLimit = 2
		v.e.SetConfig(cfg)
		if got := v.do("GET", "/api/config/timesheet", tokUser, "").obj(t)["activeEntriesHardLimit"]; got != float64(2) {
			t.Errorf("activeEntriesHardLimit = %v, want 2", got)
		}
		var ids []any
		for _, begin := range []string{"2026-10-15T07:00:00", "2026-10-15T08:00:00", "2026-10-15T09:00:00"} {
			r := v.do("POST", "/api/timesheets", tokUser, fmt.Sprintf(`{"project":1,"activity":1,"begin":%q}`, begin))
			wantStatus(t, r, 200)
			ids = append(ids, r.obj(t)["id"])
		}
		got := []any{}
		for _, x := range v.do("GET", "/api/timesheets/active", tokUser, "").list(t) {
			got = append(got, x.(map[string]any)["id"])
		}
		if d := cmp.Diff([]any{ids[1], ids[2]}, got, cmp.Transformer("sort", sortIDs)); d != "" {
			t.Errorf("running after the third start (-want +got):\n%s", d)
		}
	})

	t.Run("rounding", func(t *testing.T) {
		cases := []struct {
			rule               Rounding
			begin, end         string
			wantBegin, wantEnd string
			wantDuration       float64
		}{
			{Rounding{Begin: 15, End: 15}, "2026-10-14T09:07:00", "2026-10-14T10:08:00", "2026-10-14T09:00:00+0200", "2026-10-14T10:15:00+0200", 4500},
			{Rounding{Mode: "closest", Begin: 15, End: 15, Duration: 30}, "2026-10-14T09:07:00", "2026-10-14T10:08:00", "2026-10-14T09:00:00+0200", "2026-10-14T10:15:00+0200", 3600},
			{Rounding{Mode: "ceil", Begin: 10, End: 10}, "2026-10-14T09:01:00", "2026-10-14T10:01:00", "2026-10-14T09:10:00+0200", "2026-10-14T10:10:00+0200", 3600},
			{Rounding{Mode: "floor", Begin: 10, End: 10}, "2026-10-14T09:09:00", "2026-10-14T10:09:00", "2026-10-14T09:00:00+0200", "2026-10-14T10:00:00+0200", 3600},
			{Rounding{Begin: 15, End: 15, Days: []string{"saturday"}}, "2026-10-14T09:07:10", "2026-10-14T10:08:20", "2026-10-14T09:07:10+0200", "2026-10-14T10:08:20+0200", 3670},
		}
		for _, c := range cases {
			v := newEnv(t)
			cfg := v.e.Config()
			cfg.Rounding = &c.rule
			v.e.SetConfig(cfg)
			r := post(v, tokUser, c.begin, c.end)
			wantStatus(t, r, 200)
			m := r.obj(t)
			if d := cmp.Diff([]any{c.wantBegin, c.wantEnd, c.wantDuration}, []any{m["begin"], m["end"], m["duration"]}); d != "" {
				t.Errorf("%+v (-want +got):\n%s", c.rule, d)
			}
		}
	})
}

func sortIDs(ids []any) []float64 {
	out := make([]float64, 0, len(ids))
	for _, x := range ids {
		out = append(out, x.(float64))
	}
	slices.Sort(out)
	return out
}
