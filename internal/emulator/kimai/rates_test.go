package kimai

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEntityRates: rates of customers, projects and activities (POST /api/{kind}/{id}/rates)
// decide the rate of a new record without an explicit one: the activity's (score 5) over the
// project's (3) over the customer's (1), one point more for the record's own user
// (RateService::getBestFittingRate); the user's hourly rate is the fallback, an explicit
// hourlyRate wins (RateService::calculate).
func TestEntityRates(t *testing.T) {
	v := newEnv(t) // anna_admin (5) has the hourly rate 81
	a, err := v.e.AddActivity(Activity{Project: 1, Name: "Rated work", Visible: true, Billable: true})
	if err != nil {
		t.Fatal(err)
	}
	book := func(token, extra string) map[string]any {
		t.Helper()
		r := v.do("POST", "/api/timesheets", token, fmt.Sprintf(`{"project":1,"activity":%d,"begin":"2026-10-14T09:00:00","end":"2026-10-14T11:00:00"%s}`, a.ID, extra))
		wantStatus(t, r, 200)
		m := r.obj(t)
		return map[string]any{"rate": m["rate"], "hourlyRate": m["hourlyRate"], "fixedRate": m["fixedRate"]}
	}
	rate := func(path, body string) {
		t.Helper()
		wantStatus(t, v.do("POST", path, tokAdmin, body), 200)
	}
	steps := []struct {
		add  func()
		want map[string]any
	}{
		{func() {}, map[string]any{"rate": 162.0, "hourlyRate": 81.0, "fixedRate": nil}}, // the user's own rate
		{func() { rate("/api/customers/1/rates", `{"rate":60}`) }, map[string]any{"rate": 120.0, "hourlyRate": 60.0, "fixedRate": nil}},
		{func() { rate("/api/customers/1/rates", `{"user":5,"rate":200}`) }, map[string]any{"rate": 400.0, "hourlyRate": 200.0, "fixedRate": nil}},
		{func() { rate("/api/projects/1/rates", `{"rate":90}`) }, map[string]any{"rate": 180.0, "hourlyRate": 90.0, "fixedRate": nil}},
		{func() { rate(fmt.Sprintf("/api/activities/%d/rates", a.ID), `{"rate":500,"isFixed":true}`) }, map[string]any{"rate": 500.0, "hourlyRate": nil, "fixedRate": 500.0}},
	}
	for i, s := range steps {
		s.add()
		// anna_admin (5, who may see rates) books for herself.
		if d := cmp.Diff(s.want, book(tokAdmin, "")); d != "" {
			t.Errorf("step %d (-want +got):\n%s", i, d)
		}
	}
	if d := cmp.Diff(map[string]any{"rate": 50.0, "hourlyRate": 25.0, "fixedRate": nil}, book(tokAdmin, `,"hourlyRate":25`)); d != "" {
		t.Errorf("explicit hourly rate (-want +got):\n%s", d)
	}
}
