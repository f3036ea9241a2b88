package kimai

import (
	"context"
	"errors"
	"testing"
	"time"

	emu "github.com/specpipe/specpipe/internal/emulator/kimai"
)

// status returns the HTTP status of an APIError (0 for nil, -1 for another error).
func status(err error) int {
	var ae *APIError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ae):
		return ae.Status
	}
	return -1
}

// TestWholeAPI drives the operations beyond the first 36 against the emulator (sandbox fixture,
// super admin): configuration, rates, comments, timesheet actions, favourites, users, teams and
// invoices (src/API/*Controller.php of Kimai 2.66).
func TestWholeAPI(t *testing.T) {
	ctx := context.Background()
	c := client(t, Config{BaseURL: start(t, emu.DefaultFixture), Token: emu.SandboxAdminToken})
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	colors, err := c.Colors(ctx, ColorsParams{})
	must("Colors", err)
	if colors["Silver"] != "#c0c0c0" || colors["Lavender"] != "#E6E6FA" {
		t.Errorf("Colors = %v, want Kimai's default name → code choices", colors)
	}
	plugins, err := c.Plugins(ctx, PluginsParams{})
	if err != nil || len(plugins) != 0 {
		t.Errorf("Plugins = %v, %v; want none", plugins, err)
	}

	// Rates: one for everyone, one per user; a second rate for everyone is refused.
	r, err := c.AddCustomerRate(ctx, AddCustomerRateParams{ID: 2, Rate: 120, InternalRate: 80})
	must("AddCustomerRate", err)
	if r.ID == 0 || r.Rate != 120 || r.InternalRate != 80 || r.User.ID != 0 {
		t.Errorf("AddCustomerRate = %+v", r)
	}
	fixed, err := c.AddCustomerRate(ctx, AddCustomerRateParams{ID: 2, User: 3, Rate: 500, IsFixed: ptr(true)})
	must("AddCustomerRate for a user", err)
	if !fixed.IsFixed || fixed.User.ID != 3 {
		t.Errorf("AddCustomerRate for user 3 = %+v", fixed)
	}
	if _, err := c.AddCustomerRate(ctx, AddCustomerRateParams{ID: 2, Rate: 1}); status(err) != 400 {
		t.Errorf("a second rate for everyone: %v, want 400", err)
	}
	rates, err := c.ListCustomerRates(ctx, ListCustomerRatesParams{ID: 2})
	if err != nil || len(rates) != 2 {
		t.Errorf("ListCustomerRates = %+v, %v", rates, err)
	}
	must("DeleteCustomerRate", c.DeleteCustomerRate(ctx, DeleteCustomerRateParams{ID: 2, RateID: r.ID}))
	if err := c.DeleteCustomerRate(ctx, DeleteCustomerRateParams{ID: 3, RateID: fixed.ID}); status(err) != 404 {
		t.Errorf("deleting another customer's rate: %v, want 404", err)
	}
	if _, err := c.AddActivityRate(ctx, AddActivityRateParams{ID: 3, Rate: 50}); err != nil {
		t.Errorf("AddActivityRate: %v", err)
	}
	if _, err := c.ListProjectRates(ctx, ListProjectRatesParams{ID: 99}); status(err) != 404 {
		t.Errorf("rates of an unknown project: %v, want 404", err)
	}

	// Comments, pinned first.
	first, err := c.AddProjectComment(ctx, AddProjectCommentParams{ID: 2, Message: "Kick-off done"})
	must("AddProjectComment", err)
	second, err := c.AddProjectComment(ctx, AddProjectCommentParams{ID: 2, Message: "**Budget** agreed"})
	must("AddProjectComment", err)
	if first.CreatedBy.Username != emu.SandboxAdminUser || first.CreatedAt.IsZero() {
		t.Errorf("comment = %+v", first)
	}
	pinned, err := c.PinProjectComment(ctx, PinProjectCommentParams{ID: 2, Comment: first.ID})
	if err != nil || !pinned.Pinned {
		t.Errorf("PinProjectComment = %+v, %v", pinned, err)
	}
	comments, err := c.ListProjectComments(ctx, ListProjectCommentsParams{ID: 2})
	if err != nil || len(comments) != 2 || comments[0].ID != first.ID {
		t.Errorf("ListProjectComments = %+v, %v; want the pinned one first", comments, err)
	}
	if err := c.DeleteProjectComment(ctx, DeleteProjectCommentParams{ID: 3, Comment: second.ID}); status(err) != 403 {
		t.Errorf("deleting another project's comment: %v, want 403", err)
	}
	must("DeleteProjectComment", c.DeleteProjectComment(ctx, DeleteProjectCommentParams{ID: 2, Comment: second.ID}))
	if _, err := c.AddCustomerComment(ctx, AddCustomerCommentParams{ID: 1, Message: "内部"}); err != nil {
		t.Errorf("AddCustomerComment: %v", err)
	}
	if err := c.MoveCustomerTeamGone(ctx, MoveCustomerTeamGoneParams{ID: 1}); status(err) != 410 {
		t.Errorf("the removed team route: %v, want 410", err)
	}
	if _, err := c.SetCustomerMeta(ctx, SetCustomerMetaParams{ID: 1, Name: "region", Value: "east"}); status(err) != 404 {
		t.Errorf("an unknown custom field: %v, want 404", err)
	}

	// Timesheet actions.
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	begin := time.Date(2026, 10, 14, 9, 0, 0, 0, shanghai)
	ts, err := c.CreateTimesheet(ctx, CreateTimesheetParams{Project: 2, Activity: 3, Begin: begin, End: begin.Add(time.Hour), Description: "客户会议"})
	must("CreateTimesheet", err)
	dup, err := c.DuplicateTimesheet(ctx, DuplicateTimesheetParams{ID: ts.ID})
	if err != nil || dup.ID == ts.ID || !dup.Begin.Equal(ts.Begin) {
		t.Errorf("DuplicateTimesheet = %+v, %v", dup, err)
	}
	exp, err := c.ToggleTimesheetExport(ctx, ToggleTimesheetExportParams{ID: ts.ID})
	if err != nil || !exp.Exported {
		t.Errorf("ToggleTimesheetExport = %+v, %v", exp, err)
	}
	run, err := c.RestartTimesheet(ctx, RestartTimesheetParams{ID: ts.ID, Copy: "all", Begin: time.Date(2026, 10, 15, 8, 0, 0, 0, shanghai)})
	if err != nil || !run.End.IsZero() || run.Description != "客户会议" {
		t.Errorf("RestartTimesheet = %+v, %v", run, err)
	}
	active, err := c.ListActiveTimesheets(ctx, ListActiveTimesheetsParams{})
	if err != nil || len(active) != 1 || active[0].ID != run.ID || active[0].Project.Customer.ID != 2 {
		t.Errorf("ListActiveTimesheets = %+v, %v", active, err)
	}
	recent, err := c.ListRecentTimesheets(ctx, ListRecentTimesheetsParams{Size: 5})
	if err != nil || len(recent) != 1 {
		t.Errorf("ListRecentTimesheets = %+v, %v; want one project/activity pair", recent, err)
	}
	if _, err := c.SetTimesheetMeta(ctx, SetTimesheetMetaParams{ID: ts.ID, Name: "ref", Value: "x"}); status(err) != 404 {
		t.Errorf("SetTimesheetMeta of an unknown field: %v, want 404", err)
	}

	// Favourites: only one's own records.
	must("AddFavoriteTimesheet", c.AddFavoriteTimesheet(ctx, AddFavoriteTimesheetParams{ID: ts.ID}))
	favs, err := c.ListFavoriteTimesheets(ctx, ListFavoriteTimesheetsParams{})
	if err != nil || len(favs) != 1 || favs[0].ID != ts.ID {
		t.Errorf("ListFavoriteTimesheets = %+v, %v", favs, err)
	}
	must("RemoveFavoriteTimesheet", c.RemoveFavoriteTimesheet(ctx, RemoveFavoriteTimesheetParams{ID: ts.ID}))

	// Users.
	u, err := c.UpdateUser(ctx, UpdateUserParams{ID: 3, Title: "现场工程师"})
	if err != nil || u.Title != "现场工程师" {
		t.Errorf("UpdateUser = %+v, %v", u, err)
	}
	u, err = c.SetUserPreference(ctx, SetUserPreferenceParams{ID: 3, Preference: Preference{Name: "timezone", Value: "America/Los_Angeles"}})
	if err != nil || u.Timezone != "America/Los_Angeles" {
		t.Errorf("SetUserPreference = %+v, %v", u, err)
	}
	if _, err := c.SetUserPreference(ctx, SetUserPreferenceParams{ID: 3, Preference: Preference{Name: "nope", Value: "1"}}); status(err) != 404 {
		t.Errorf("an unknown preference: %v, want 404", err)
	}
	lead := client(t, Config{BaseURL: c.cfg.BaseURL, Token: emu.SandboxTeamleadToken})
	must("teamlead ping", func() error { _, err := lead.Ping(ctx, PingParams{}); return err }())
	must("DeleteAPIToken", c.DeleteAPIToken(ctx, DeleteAPITokenParams{ID: 2})) // the teamlead's token
	if _, err := lead.Ping(ctx, PingParams{}); status(err) != 401 {
		t.Errorf("the revoked token: %v, want 401", err)
	}

	// Teams.
	team, err := c.AddTeamProject(ctx, AddTeamProjectParams{ID: 1, ProjectID: 3})
	if err != nil || len(team.Projects) != 1 || team.Projects[0].ID != 3 {
		t.Errorf("AddTeamProject = %+v, %v", team, err)
	}
	team, err = c.RemoveTeamProject(ctx, RemoveTeamProjectParams{ID: 1, ProjectID: 3})
	if err != nil || len(team.Projects) != 0 {
		t.Errorf("RemoveTeamProject = %+v, %v", team, err)
	}
	team, err = c.AddTeamMember(ctx, AddTeamMemberParams{ID: 1, UserID: 3})
	must("AddTeamMember", err)
	n := len(team.Members)
	team, err = c.RemoveTeamMember(ctx, RemoveTeamMemberParams{ID: 1, UserID: 3})
	if err != nil || len(team.Members) != n-1 {
		t.Errorf("RemoveTeamMember = %d members, %v; want %d", len(team.Members), err, n-1)
	}

	// Invoices (invoices_test.go reads them): the new invoice's file is gone.
	inv, err := c.ListInvoices(ctx, ListInvoicesParams{Status: []string{"new"}})
	if err != nil || len(inv) != 1 {
		t.Errorf("ListInvoices = %+v, %v; want the new invoice", inv, err)
	}
	if _, err := c.GetInvoice(ctx, GetInvoiceParams{ID: 99}); status(err) != 404 {
		t.Errorf("GetInvoice: %v, want 404", err)
	}
	if _, err := c.DownloadInvoice(ctx, DownloadInvoiceParams{ID: 4}); status(err) != 404 {
		t.Errorf("DownloadInvoice: %v, want 404", err)
	}
}
