package kimai

import (
	"context"
	"errors"
	"testing"
	"time"

	emu "github.com/specpipe/specpipe/internal/emulator/kimai"
)

// TestListTimesheetsFullProjectActivity lists, with full=true, a record whose activity belongs to
// a project: Kimai serialises activity.project (and its customer) as objects there (group
// Expanded on Activity::$project and Project::$customer, src/Entity/Activity.php and
// src/Entity/Project.php; TimesheetController::GROUPS_COLLECTION_FULL).
func TestListTimesheetsFullProjectActivity(t *testing.T) {
	ctx := context.Background()
	c := client(t, Config{BaseURL: start(t, emu.DefaultFixture), Token: emu.SandboxAdminToken})
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	// Project 1 (日常考勤, customer 1) has the project activity 1 (出勤) in the sandbox fixture.
	begin := time.Date(2026, 10, 15, 9, 0, 0, 0, shanghai)
	ts, err := c.CreateTimesheet(ctx, CreateTimesheetParams{Project: 1, Activity: 1, Begin: begin, End: begin.Add(time.Hour)})
	if err != nil {
		t.Fatalf("CreateTimesheet: %v", err)
	}
	full, err := c.ListTimesheetsFull(ctx, ListTimesheetsFullParams{Project: 1})
	if err != nil {
		t.Fatalf("ListTimesheetsFull: %v", err)
	}
	if len(full) != 1 || full[0].ID != ts.ID {
		t.Fatalf("ListTimesheetsFull = %+v, want record %d", full, ts.ID)
	}
	a := full[0].Activity
	if a.ID != 1 || a.Project.ID != 1 || a.Project.Customer.ID != 1 || a.Project.Customer.Name != emu.InternalCustomer {
		t.Errorf("activity = %+v; want activity 1 of project 1 of customer 1 as objects", a)
	}
}

// TestListCustomersFullIsZeroOrOne: GET /api/customers takes full=0|1 only (strict
// Rest\QueryParam in src/API/CustomerController.php); the client sends "1" and refuses "true"
// before any request.
func TestListCustomersFullIsZeroOrOne(t *testing.T) {
	ctx := context.Background()
	c := client(t, Config{BaseURL: start(t, emu.DefaultFixture), Token: emu.SandboxAdminToken})
	list, err := c.ListCustomers(ctx, ListCustomersParams{Full: "1"})
	if err != nil || len(list) == 0 {
		t.Fatalf("ListCustomers full=1 = %d customers, %v", len(list), err)
	}
	var pe *ParamError
	if _, err := c.ListCustomers(ctx, ListCustomersParams{Full: "true"}); !errors.As(err, &pe) {
		t.Errorf("ListCustomers full=true: err = %v, want a ParamError before sending", err)
	}
}
