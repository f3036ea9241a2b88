package kimai

// level orders the roles; a user holds the permissions of the highest role they have.
func level(u *User) int {
	best := 0
	for _, r := range u.Roles {
		l := map[string]int{RoleCustomer: 0, RoleUser: 1, RoleTeamlead: 2, RoleAdmin: 3, RoleSuperAdmin: 4}[r]
		if l > best {
			best = l
		}
	}
	if best == 0 && !hasRole(u, RoleCustomer) {
		best = 1 // every user is at least ROLE_USER
	}
	return best
}

func hasRole(u *User, role string) bool {
	for _, r := range u.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// permMin is the lowest role level holding each permission of Kimai's default role mapping
// (config/packages/kimai.yaml) that the API checks.
var permMin = map[string]int{
	"view_own_timesheet":        0,
	"create_own_timesheet":      0,
	"create_tag":                1,
	"view_other_timesheet":      2,
	"create_other_timesheet":    2,
	"edit_other_timesheet":      2,
	"delete_other_timesheet":    2,
	"view_rate_own_timesheet":   2,
	"view_rate_other_timesheet": 2,
	"edit_billable":             2,
	"edit_export":               2,
	"manage_tag":                2,
	"delete_tag":                2,
	"create_activity":           2,
	"edit_rate":                 3,
	"edit_exported_timesheet":   3,
	"view_all_data":             3,
	"view_customer":             3,
	"details_customer":          3,
	"create_customer":           3,
	"edit_customer":             3,
	"delete_customer":           3,
	"view_project":              3,
	"create_project":            3,
	"edit_project":              3,
	"delete_project":            3,
	"view_activity":             3,
	"edit_activity":             3,
	"delete_activity":           3,
	"budget":                    3,
	"view_team":                 3,
	"create_team":               3,
	"edit_team":                 3,
	"delete_team":               3,
	"view_user":                 4,
	"create_user":               4,
}

// can reports whether u holds the permission.
func can(u *User, perm string) bool {
	min, ok := permMin[perm]
	return ok && level(u) >= min
}

// memberOf reports whether u is in team t (as teamlead when lead is true).
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

// inScope reports whether an entity restricted to teams is accessible to u: no teams means
// everyone; otherwise u must be a member (admins see all data).
func (e *Emulator) inScope(u *User, kind string, id int) bool {
	if can(u, "view_all_data") {
		return true
	}
	teams := e.teamsOf(kind, id)
	if len(teams) == 0 {
		return true
	}
	for _, t := range teams {
		if memberOf(t, u.ID, false) {
			return true
		}
	}
	return false
}

// leads reports whether u is teamlead of one of the entity's teams.
func (e *Emulator) leads(u *User, kind string, id int) bool {
	for _, t := range e.teamsOf(kind, id) {
		if memberOf(t, u.ID, true) {
			return true
		}
	}
	return false
}

func (e *Emulator) customerAccessible(u *User, c *Customer) bool {
	return e.inScope(u, "customer", c.ID)
}

func (e *Emulator) projectAccessible(u *User, p *Project) bool {
	c := e.customer(p.Customer)
	return c != nil && e.customerAccessible(u, c) && e.inScope(u, "project", p.ID)
}

func (e *Emulator) activityAccessible(u *User, a *Activity) bool {
	if a.Project != 0 {
		p := e.project(a.Project)
		if p == nil || !e.projectAccessible(u, p) {
			return false
		}
	}
	return e.inScope(u, "activity", a.ID)
}

// canEntity is the customer/project/activity voter for view, edit and delete: the permission, or
// for teamleads, leading one of the entity's teams.
func (e *Emulator) canEntity(u *User, action, kind string, id int) bool {
	if can(u, action+"_"+kind) {
		return true
	}
	if level(u) >= 2 && action == "view" {
		return e.leads(u, kind, id)
	}
	return false
}

// showBudget reports whether u may see an entity's budget fields (permissions budget/time).
func (e *Emulator) showBudget(u *User, kind string, id int) bool {
	if can(u, "budget") {
		return true
	}
	if level(u) >= 2 && e.leads(u, kind, id) {
		return true
	}
	if kind == "project" {
		for _, t := range e.teamsOf("project", id) {
			if memberOf(t, u.ID, false) {
				return true
			}
		}
	}
	return false
}

// ledBy reports whether user uid is in a team led by u.
func (e *Emulator) ledBy(u *User, uid int) bool {
	for _, t := range e.teams {
		if memberOf(t, u.ID, true) && memberOf(t, uid, false) {
			return true
		}
	}
	return false
}

// canTimesheet is Kimai's TimesheetVoter for view/edit/delete/stop/start on a record.
func (e *Emulator) canTimesheet(u *User, action string, t *Timesheet) bool {
	own := t.User == u.ID
	if !own {
		switch {
		case can(u, "view_all_data"):
		case level(u) >= 2 && e.ledBy(u, t.User):
		default:
			return false
		}
	}
	if (action == "edit" || action == "delete") && t.Exported && !can(u, "edit_exported_timesheet") {
		return false
	}
	return true
}

// showRates reports whether u may see the rate fields of t (view_rate_own/other_timesheet).
func (e *Emulator) showRates(u *User, t *Timesheet) bool {
	if t.User == u.ID {
		return can(u, "view_rate_own_timesheet")
	}
	return can(u, "view_rate_other_timesheet")
}
