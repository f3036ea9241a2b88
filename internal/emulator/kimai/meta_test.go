package kimai

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTimesheetMetaFields: a meta field a plugin registered (Config.TimesheetMetaFields, Kimai's
// TimesheetMetaDefinitionEvent) is set with PATCH /api/timesheets/{id}/meta
// (TimesheetController::metaAction) and shown in the entity and the list as name and value
// (Timesheet::getVisibleMetaFields, MetaTableTypeTrait); a name nobody registered is 404; create
// cannot set it (TimesheetApiEditForm removes metaFields, so the field is an extra field).
func TestTimesheetMetaFields(t *testing.T) {
	fx, err := DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	fx.Config.TimesheetMetaFields = []string{"idempotency_key"}
	v := newEnv(t, fx)
	body := `{"project":1,"activity":1,"begin":"2026-10-14T09:00:00","end":"2026-10-14T17:00:00"}`
	r := v.do("POST", "/api/timesheets", SandboxAdminToken, body)
	wantStatus(t, r, 200)
	id := r.obj(t)["id"]
	path := fmt.Sprintf("/api/timesheets/%v/meta", id)
	metaOf := func(r resp) any { return r.obj(t)["metaFields"] }
	if d := cmp.Diff([]any{}, metaOf(v.do("GET", fmt.Sprintf("/api/timesheets/%v", id), SandboxAdminToken, ""))); d != "" {
		t.Errorf("metaFields before any is set (-want +got):\n%s", d)
	}

	wantStatus(t, v.do("PATCH", path, SandboxAdminToken, `{"name":"not_registered","value":"x"}`), 404)
	wantStatus(t, v.do("PATCH", path, SandboxAdminToken, `{"name":"idempotency_key"}`), 400)
	wantStatus(t, v.do("PATCH", "/api/timesheets/999999/meta", SandboxAdminToken, `{"name":"idempotency_key","value":"x"}`), 404)
	wantStatus(t, v.do("PATCH", "/api/customers/1/meta", SandboxAdminToken, `{"name":"idempotency_key","value":"x"}`), 404)

	for _, val := range []string{"1101047/2026-10-15", "1101047/2026-10-16"} {
		r := v.do("PATCH", path, SandboxAdminToken, fmt.Sprintf(`{"name":"idempotency_key","value":%q}`, val))
		wantStatus(t, r, 200)
		want := []any{map[string]any{"name": "idempotency_key", "value": val}}
		if d := cmp.Diff(want, metaOf(r)); d != "" {
			t.Errorf("metaFields after setting %q (-want +got):\n%s", val, d)
		}
		var listed any
		for _, x := range v.do("GET", "/api/timesheets", SandboxAdminToken, "").list(t) {
			if x.(map[string]any)["id"] == id {
				listed = x.(map[string]any)["metaFields"]
			}
		}
		if d := cmp.Diff(want, listed); d != "" {
			t.Errorf("listed metaFields after setting %q (-want +got):\n%s", val, d)
		}
	}

	// The search term reads the meta field (SearchHelper::addSearchTerm): the value contains the
	// word, "*" is set, "~" and "" are not set, "!word" is set without the word.
	for term, want := range map[string]bool{
		"idempotency_key:1101047/2026-10-16": true, "idempotency_key:2026-10-16": true,
		"idempotency_key:2026-10-15": false, "idempotency_key:*": true, "idempotency_key:~": false,
		`idempotency_key:""`: false, "idempotency_key:!2026-10-15": true, "idempotency_key:!10-16": false,
		"other:~": true, "other:*": false,
	} {
		found := false
		for _, x := range v.do("GET", "/api/timesheets?term="+url.QueryEscape(term), SandboxAdminToken, "").list(t) {
			found = found || x.(map[string]any)["id"] == id
		}
		if found != want {
			t.Errorf("term %q finds the record: %v, want %v", term, found, want)
		}
	}

	withMeta := `{"project":1,"activity":1,"begin":"2026-10-15T09:00:00","end":"2026-10-15T17:00:00","metaFields":[{"name":"idempotency_key","value":"k"}]}`
	wantStatus(t, v.do("POST", "/api/timesheets", SandboxAdminToken, withMeta), 400)
}
