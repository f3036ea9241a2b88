package kimai

import "strings"

// Permission sets of Kimai's default role mapping (config/packages/kimai.yaml, "permissions").
var permSets = map[string]string{
	"ACTIVITIES":          "view_activity create_activity edit_activity budget_activity time_activity delete_activity permissions_activity",
	"ACTIVITIES_TEAMLEAD": "view_teamlead_activity create_activity edit_teamlead_activity budget_teamlead_activity time_teamlead_activity",
	"PROJECTS":            "view_project create_project edit_project budget_project time_project delete_project permissions_project comments_project details_project",
	"PROJECTS_TEAMLEAD":   "view_teamlead_project budget_teamlead_project time_teamlead_project comments_teamlead_project details_teamlead_project",
	"CUSTOMERS":           "view_customer create_customer edit_customer budget_customer time_customer delete_customer permissions_customer comments_customer details_customer",
	"CUSTOMERS_TEAMLEAD":  "view_teamlead_customer budget_teamlead_customer time_teamlead_customer comments_teamlead_customer details_teamlead_customer",
	"INVOICE":             "view_invoice create_invoice",
	"INVOICE_ADMIN":       "manage_invoice_template",
	"TIMESHEET":           "view_own_timesheet start_own_timesheet stop_own_timesheet create_own_timesheet edit_own_timesheet export_own_timesheet delete_own_timesheet weekly_own_timesheet",
	"TIMESHEET_OTHER":     "view_other_timesheet start_other_timesheet stop_other_timesheet create_other_timesheet edit_other_timesheet export_other_timesheet delete_other_timesheet",
	"PROFILE":             "view_own_profile edit_own_profile password_own_profile preferences_own_profile api-token_own_profile",
	"PROFILE_OTHER":       "view_other_profile edit_other_profile password_other_profile roles_other_profile preferences_other_profile api-token_other_profile teams_other_profile supervisor_other_profile",
	"TAGS":                "view_tag manage_tag create_tag delete_tag",
	"USER":                "view_user create_user delete_user role_permissions",
	"RATE":                "view_rate_own_timesheet edit_rate_own_timesheet",
	"RATE_OTHER":          "view_rate_other_timesheet edit_rate_other_timesheet",
	"EXPORT":              "create_export edit_export_own_timesheet edit_export_other_timesheet",
	"BILLABLE":            "edit_billable_own_timesheet edit_billable_other_timesheet",
	"TEAMS":               "view_team create_team edit_team delete_team",
	"LOCKDOWN":            "lockdown_grace_timesheet lockdown_override_timesheet",
	"REPORTING":           "view_reporting view_other_reporting project_reporting customer_reporting",
	"EVERYONE":            "api_access hours_own_profile",
	"ROLE_USER+":          "view_team_member time_team_project create_tag view_reporting",
	"ROLE_TEAMLEAD+":      "view_rate_own_timesheet view_rate_other_timesheet hourly-rate_own_profile view_team_member hours_other_profile",
	"ROLE_ADMIN+":         "hourly-rate_own_profile edit_exported_timesheet teams_own_profile view_team_member view_all_data contract_other_profile hours_other_profile create_export_template",
	"ROLE_SUPER_ADMIN+":   "hourly-rate_own_profile hourly-rate_other_profile roles_own_profile supervisor_own_profile system_information system_configuration plugins edit_exported_timesheet teams_own_profile view_team_member upload_invoice_template view_all_data contract_other_profile hours_other_profile create_export_template",
}

// roleMaps maps each role to its permission sets ("<ROLE>+" are the role's own permissions).
var roleMaps = map[string]string{
	RoleUser:       "TIMESHEET PROFILE EVERYONE ROLE_USER+",
	RoleTeamlead:   "ACTIVITIES_TEAMLEAD PROJECTS_TEAMLEAD CUSTOMERS_TEAMLEAD TIMESHEET_OTHER INVOICE TIMESHEET PROFILE EXPORT BILLABLE TAGS REPORTING EVERYONE ROLE_TEAMLEAD+",
	RoleAdmin:      "ACTIVITIES PROJECTS CUSTOMERS INVOICE INVOICE_ADMIN TIMESHEET TIMESHEET_OTHER PROFILE TEAMS RATE RATE_OTHER EXPORT BILLABLE TAGS LOCKDOWN REPORTING EVERYONE ROLE_ADMIN+",
	RoleSuperAdmin: "ACTIVITIES PROJECTS CUSTOMERS INVOICE INVOICE_ADMIN TIMESHEET TIMESHEET_OTHER PROFILE PROFILE_OTHER USER TEAMS RATE RATE_OTHER EXPORT BILLABLE TAGS LOCKDOWN REPORTING EVERYONE ROLE_SUPER_ADMIN+",
}

// rolePerms is the permission set of each role, built once from the tables above.
var rolePerms = func() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for role, sets := range roleMaps {
		m := map[string]bool{}
		for _, set := range strings.Fields(sets) {
			for _, p := range strings.Fields(permSets[set]) {
				m[p] = true
			}
		}
		out[role] = m
	}
	return out
}()

// roles is User::getRoles: the stored roles plus ROLE_USER, which every user has.
func roles(u *User) []string {
	out := []string{}
	for _, r := range u.Roles {
		if r != RoleUser && !containsStr(out, r) {
			out = append(out, r)
		}
	}
	return append(out, RoleUser)
}

func hasRole(u *User, role string) bool { return containsStr(roles(u), role) }

// can is RolePermissionManager::hasRolePermission: one of u's roles grants perm.
func can(u *User, perm string) bool {
	for _, r := range roles(u) {
		if rolePerms[r][perm] {
			return true
		}
	}
	return false
}

func seeAll(u *User) bool { return can(u, "view_all_data") }

// memberOf reports whether user uid is in team t (as teamlead when lead is true).
func memberOf(t *Team, uid int, lead bool) bool {
	for _, m := range t.Members {
		if m.User == uid && (!lead || m.Teamlead) {
			return true
		}
	}
	return false
}

func contains(ids []int, id int) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// teamsOf returns the teams linked to an entity ("customer", "project", "activity").
func (e *Emulator) teamsOf(kind string, id int) []*Team {
	var out []*Team
	for _, t := range e.teams {
		var ids []int
		switch kind {
		case "customer":
			ids = t.Customers
		case "project":
			ids = t.Projects
		case "activity":
			ids = t.Activities
		}
		if contains(ids, id) {
			out = append(out, t)
		}
	}
	return out
}

// userTeams returns the teams user uid is a member of.
func (e *Emulator) userTeams(uid int) []*Team {
	var out []*Team
	for _, t := range e.teams {
		if memberOf(t, uid, false) {
			out = append(out, t)
		}
	}
	return out
}

// teamAccess is RolePermissionManager::checkTeamAccess: no teams, a membership, or all data.
func teamAccess(u *User, teams []*Team) bool {
	if seeAll(u) || len(teams) == 0 {
		return true
	}
	for _, t := range teams {
		if memberOf(t, u.ID, false) {
			return true
		}
	}
	return false
}

func (e *Emulator) customerAccessible(u *User, c *Customer) bool {
	return teamAccess(u, e.teamsOf("customer", c.ID))
}

// projectAccessible is checkTeamAccessProject: the customer's teams and the project's teams.
func (e *Emulator) projectAccessible(u *User, p *Project) bool {
	c := e.customer(p.Customer)
	return c != nil && e.customerAccessible(u, c) && teamAccess(u, e.teamsOf("project", p.ID))
}

// activityAccessible is checkTeamAccessActivity.
func (e *Emulator) activityAccessible(u *User, a *Activity) bool {
	if a.Project != 0 {
		p := e.project(a.Project)
		if p == nil || !e.projectAccessible(u, p) {
			return false
		}
	}
	return teamAccess(u, e.teamsOf("activity", a.ID))
}

// entityTeams returns the team chains the Customer/Project/ActivityVoter walk: the entity's own
// teams, then its project's, then its customer's.
func (e *Emulator) entityTeams(kind string, id int) []*Team {
	teams := e.teamsOf(kind, id)
	switch kind {
	case "activity":
		if a := e.activity(id); a != nil && a.Project != 0 {
			teams = append(teams, e.entityTeams("project", a.Project)...)
		}
	case "project":
		if p := e.project(id); p != nil {
			teams = append(teams, e.teamsOf("customer", p.Customer)...)
		}
	}
	return teams
}

// canEntity is Kimai's Customer/Project/ActivityVoter for an attribute (view, edit, delete,
// budget, time, ...): the global permission "<attr>_<kind>", or "<attr>_teamlead_<kind>" /
// "<attr>_team_<kind>" through one of the entity's teams.
func (e *Emulator) canEntity(u *User, attr, kind string, id int) bool {
	if can(u, attr+"_"+kind) {
		return true
	}
	if attr == "create" || attr == "delete" {
		return false
	}
	lead, team := can(u, attr+"_teamlead_"+kind), can(u, attr+"_team_"+kind)
	if !lead && !team {
		return false
	}
	for _, t := range e.entityTeams(kind, id) {
		if (lead && memberOf(t, u.ID, true)) || (team && memberOf(t, u.ID, false)) {
			return true
		}
	}
	return false
}

// budgetShown reports which budget fields of an entity u may see (BudgetExclusionStrategy):
// budget needs "budget", timeBudget needs "time", budgetType either.
func (e *Emulator) budgetShown(u *User, kind string, id int) (money, time bool) {
	return e.canEntity(u, "budget", kind, id), e.canEntity(u, "time", kind, id)
}

// checkUserAccess is RolePermissionManager::checkUserAccess ("access_user").
func (e *Emulator) checkUserAccess(u, subject *User) bool {
	switch {
	case subject.ID == u.ID, hasRole(u, RoleSuperAdmin), seeAll(u):
		return true
	case !subject.Enabled, !u.SystemAccount && subject.SystemAccount:
		return false
	}
	for _, t := range e.teams {
		if memberOf(t, u.ID, true) && memberOf(t, subject.ID, false) {
			return true
		}
	}
	regularOnly := len(roles(subject)) == 1
	if (hasRole(u, RoleTeamlead) || hasRole(u, RoleAdmin) || hasRole(u, RoleSuperAdmin)) && regularOnly {
		return len(e.userTeams(subject.ID)) == 0
	}
	return false
}

// teamAccessTimesheet is checkTeamAccessTimesheet: own records, or records on accessible
// projects and activities of users whose team u leads (or who are in no team).
func (e *Emulator) teamAccessTimesheet(u *User, t *Timesheet) bool {
	if t.User == u.ID {
		return true
	}
	if p := e.project(t.Project); p != nil && !e.projectAccessible(u, p) {
		return false
	}
	if a := e.activity(t.Activity); a != nil && !e.activityAccessible(u, a) {
		return false
	}
	teams := e.userTeams(t.User)
	if seeAll(u) || len(teams) == 0 {
		return true
	}
	for _, tm := range teams {
		if memberOf(tm, u.ID, true) {
			return true
		}
	}
	return false
}

// canTimesheet is Kimai's TimesheetVoter: view, edit, delete, stop, start, duplicate,
// view_rate, edit_rate, edit_export, edit_billable on a record.
func (e *Emulator) canTimesheet(u *User, attr string, t *Timesheet) bool {
	perm := attr
	switch attr {
	case "edit", "delete":
		if (t.Exported && !can(u, "edit_exported_timesheet")) || !e.allowedInLockdown(u, t) {
			return false
		}
	case "start", "duplicate":
		if !e.canStart(u, t) {
			return false
		}
		if attr == "duplicate" {
			perm = "create"
		}
	}
	if t.User == u.ID {
		return can(u, perm+"_own_timesheet")
	}
	return e.teamAccessTimesheet(u, t) && can(u, perm+"_other_timesheet")
}

// canStart is TimesheetVoter::canStart: the project, its customer and the activity are visible
// and accessible to u.
func (e *Emulator) canStart(u *User, t *Timesheet) bool {
	a, p := e.activity(t.Activity), e.project(t.Project)
	if a == nil || p == nil || !a.Visible || !p.Visible {
		return false
	}
	c := e.customer(p.Customer)
	return c != nil && c.Visible && e.projectAccessible(u, p) && e.activityAccessible(u, a)
}

// showRates reports whether u may see the rate fields of t (RateExclusionStrategy, 2.66).
func (e *Emulator) showRates(u *User, t *Timesheet) bool { return e.canTimesheet(u, "view_rate", t) }
