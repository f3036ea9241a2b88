package kimai

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	emu "github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/runtime/transport"
)

func start(t *testing.T, fixture func() (*emu.Fixture, error)) string {
	t.Helper()
	fx, err := fixture()
	if err != nil {
		t.Fatal(err)
	}
	e, err := emu.New(emu.Options{Fixture: fx})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

func client(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// TestEmulatorRoundTrip drives the generated client against the independent Kimai emulator
// (sandbox fixture, super admin token).
func TestEmulatorRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := client(t, Config{BaseURL: start(t, emu.DefaultFixture), Token: "sandbox-admin-token"})
	shanghai, _ := time.LoadLocation("Asia/Shanghai")

	if p, err := c.Ping(ctx, PingParams{}); err != nil || p.Message != "pong" {
		t.Fatalf("Ping = %+v, %v", p, err)
	}
	me, err := c.GetMe(ctx, GetMeParams{})
	if err != nil || me.Username != "admin" || me.Timezone != "Asia/Shanghai" {
		t.Fatalf("GetMe = %+v, %v", me, err)
	}

	cust, err := c.CreateCustomer(ctx, CreateCustomerParams{Name: "规格测试客户", Number: "C-754", Country: "CN",
		Currency: "CNY", Timezone: "Asia/Shanghai", Visible: ptr(true)})
	if err != nil {
		t.Fatalf("CreateCustomer: %v", err)
	}
	if cust.ID == 0 || cust.Number != "C-754" || !cust.Visible {
		t.Fatalf("CreateCustomer = %+v", cust)
	}

	// The classic mistake: an ID that is no customer's (here a number-like value) is a field error.
	_, err = c.CreateProject(ctx, CreateProjectParams{Name: "错误示例项目", Customer: 754})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 || !slices.ContainsFunc(ae.Fields, func(f transport.FieldError) bool { return f.Field == "customer" }) {
		t.Fatalf("CreateProject with a wrong customer: err = %v; want 400 with a customer field error", err)
	}

	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, shanghai) }
	proj, err := c.CreateProject(ctx, CreateProjectParams{Name: "规格测试项目", Customer: cust.ID, Start: day(1), End: day(30)})
	if err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	if proj.Customer != cust.ID || !proj.Start.Equal(day(1)) || proj.End.Format(time.DateOnly) != "2026-11-30" {
		t.Fatalf("CreateProject = %+v", proj)
	}
	proj, err = c.UpdateProject(ctx, UpdateProjectParams{ID: proj.ID, End: day(29), Comment: "改"})
	if err != nil || proj.End.Format(time.DateOnly) != "2026-11-29" || proj.Comment != "改" {
		t.Fatalf("UpdateProject = %+v, %v", proj, err)
	}
	act, err := c.CreateActivity(ctx, CreateActivityParams{Name: "规格测试活动", Project: proj.ID})
	if err != nil || act.Project != proj.ID {
		t.Fatalf("CreateActivity = %+v, %v", act, err)
	}

	var ids []int64
	for i := range 5 {
		begin := time.Date(2026, 11, 2+i, 9, 0, 30, 0, shanghai)
		ts, err := c.CreateTimesheet(ctx, CreateTimesheetParams{Project: proj.ID, Activity: act.ID,
			Begin: begin, End: begin.Add(8 * time.Hour), Description: "出勤"})
		if err != nil {
			t.Fatalf("CreateTimesheet: %v", err)
		}
		if want := begin.Truncate(time.Minute); !ts.Begin.Equal(want) || ts.Duration != 8*3600+60 {
			// begin is floored and end ceiled to the minute.
			t.Errorf("CreateTimesheet: begin %v duration %d; want begin %v, duration 8 h 1 min", ts.Begin, ts.Duration, want)
		}
		if _, off := ts.Begin.Zone(); off != 8*3600 {
			t.Errorf("CreateTimesheet: begin offset %d s, want +0800 kept", off)
		}
		ids = append(ids, ts.ID)
	}
	var walked []int64
	for ts, err := range c.ListTimesheetsAll(ctx, ListTimesheetsParams{Project: proj.ID, Size: 2, OrderBy: "id", Order: "ASC"}) {
		if err != nil {
			t.Fatalf("ListTimesheetsAll: %v", err)
		}
		walked = append(walked, ts.ID)
	}
	if !slices.Equal(walked, ids) {
		t.Errorf("ListTimesheetsAll in pages of 2 = %v, want %v", walked, ids)
	}
	full, err := c.ListTimesheetsFull(ctx, ListTimesheetsFullParams{Project: proj.ID, Size: 1})
	if err != nil || len(full) != 1 || full[0].Project.Customer.ID != cust.ID || full[0].User.Username != "admin" {
		t.Fatalf("ListTimesheetsFull = %+v, %v", full, err)
	}
	filtered, err := c.ListTimesheets(ctx, ListTimesheetsParams{Project: proj.ID,
		Begin: time.Date(2026, 11, 4, 0, 0, 0, 0, shanghai), End: time.Date(2026, 11, 5, 23, 59, 59, 0, shanghai)})
	if err != nil || len(filtered) != 2 {
		t.Errorf("ListTimesheets between the 4th and 5th = %d records, %v; want 2", len(filtered), err)
	}

	running, err := c.CreateTimesheet(ctx, CreateTimesheetParams{Project: proj.ID, Activity: act.ID,
		Begin: time.Date(2026, 11, 20, 9, 0, 0, 0, shanghai)})
	if err != nil || !running.End.IsZero() {
		t.Fatalf("CreateTimesheet running = %+v, %v", running, err)
	}
	stopped, err := c.StopTimesheet(ctx, StopTimesheetParams{ID: running.ID})
	if err != nil || stopped.End.IsZero() {
		t.Fatalf("StopTimesheet = %+v, %v", stopped, err)
	}
	if err := c.DeleteTimesheet(ctx, DeleteTimesheetParams{ID: running.ID}); err != nil {
		t.Fatalf("DeleteTimesheet: %v", err)
	}
	if _, err := c.GetTimesheet(ctx, GetTimesheetParams{ID: running.ID}); !errors.As(err, &ae) || ae.Status != 404 {
		t.Errorf("GetTimesheet after delete: %v, want 404", err)
	}

	tag, err := c.CreateTag(ctx, CreateTagParams{Name: "规格测试标签", Visible: ptr(true)})
	if err != nil || tag.ID == 0 || !tag.Visible {
		t.Fatalf("CreateTag = %+v, %v", tag, err)
	}
	tags, err := c.ListTags(ctx, ListTagsParams{Name: "规格测试"})
	if err != nil || !slices.ContainsFunc(tags, func(x Tag) bool { return x.ID == tag.ID }) {
		t.Errorf("ListTags = %+v, %v", tags, err)
	}
	if err := c.DeleteTag(ctx, DeleteTagParams{ID: tag.ID}); err != nil {
		t.Errorf("DeleteTag: %v", err)
	}

	team, err := c.CreateTeam(ctx, CreateTeamParams{Name: "规格测试组", Members: []TeamMemberInput{{User: me.ID, Teamlead: true}}})
	if err != nil || len(team.Members) != 1 || team.Members[0].User.ID != me.ID || !team.Members[0].Teamlead {
		t.Fatalf("CreateTeam = %+v, %v", team, err)
	}
	if err := c.DeleteTeam(ctx, DeleteTeamParams{ID: team.ID}); err != nil {
		t.Errorf("DeleteTeam: %v", err)
	}
	if cfg, err := c.TimesheetConfig(ctx, TimesheetConfigParams{}); err != nil || cfg.TrackingMode == "" {
		t.Errorf("TimesheetConfig = %+v, %v", cfg, err)
	}
}

func TestNoCredentialsNamesTheVariables(t *testing.T) {
	_, err := New(Config{BaseURL: "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "KIMAI_TOKEN") || !strings.Contains(err.Error(), "KIMAI_USER") {
		t.Errorf("New without credentials: err = %v, want it to name KIMAI_TOKEN and KIMAI_USER", err)
	}
}

func TestEmulatorAuth(t *testing.T) {
	ctx := context.Background()
	url := start(t, emu.TestFixture)
	for _, tc := range []struct {
		name   string
		cfg    Config
		status int // 0: success
	}{
		{"bearer", Config{Token: "token_user"}, 0},
		{"legacy password", Config{User: "john_user", Password: "token"}, 0},
		{"unknown token", Config{Token: "nope"}, 401},
		{"wrong password", Config{User: "john_user", Password: "wrong-password"}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.BaseURL = url
			me, err := client(t, tc.cfg).GetMe(ctx, GetMeParams{})
			if tc.status == 0 {
				if err != nil || me.Username != "john_user" {
					t.Fatalf("GetMe = %+v, %v", me, err)
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != tc.status {
				t.Fatalf("GetMe: err = %v, want status %d", err, tc.status)
			}
		})
	}
}
