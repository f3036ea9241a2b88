package kimai

import (
	"fmt"
	"testing"
)

// TestFullListExpandsActivityProject: GET /api/timesheets?full=true renders activity.project as
// a ProjectExpanded object with its customer as an object (GROUPS_COLLECTION_FULL has Expanded,
// which Activity::$project and Project::$customer carry; src/API/TimesheetController.php,
// src/Entity/Activity.php, src/Entity/Project.php). The plain list keeps the ids.
func TestFullListExpandsActivityProject(t *testing.T) {
	v := newEnv(t)
	a, err := v.e.AddActivity(Activity{Project: 1, Name: "Project work", Visible: true, Billable: true})
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"project":1,"activity":%d,"begin":"2026-10-14T09:00:00","end":"2026-10-14T10:00:00"}`, a.ID)
	wantStatus(t, v.do("POST", "/api/timesheets", tokAdmin, body), 200)

	r := v.do("GET", "/api/timesheets?full=true", tokAdmin, "")
	wantStatus(t, r, 200)
	act := r.list(t)[0].(map[string]any)["activity"].(map[string]any)
	mustKeys(t, "ActivityExpanded", act, keysActivity)
	proj, ok := act["project"].(map[string]any)
	if !ok {
		t.Fatalf("activity.project = %v, want a ProjectExpanded object", act["project"])
	}
	mustKeys(t, "ProjectExpanded", proj, keysProject)
	cust, ok := proj["customer"].(map[string]any)
	if !ok || cust["id"] != float64(1) {
		t.Fatalf("activity.project.customer = %v, want customer 1 as an object", proj["customer"])
	}
	mustKeys(t, "Customer", cust, keysCustomer)

	r = v.do("GET", "/api/timesheets", tokAdmin, "")
	if got := r.list(t)[0].(map[string]any)["activity"]; got != float64(a.ID) {
		t.Errorf("plain list: activity = %v, want the id %d", got, a.ID)
	}
}
