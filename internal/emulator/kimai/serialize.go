package kimai

import (
	"strconv"
	"strings"
	"time"
)

// Kimai's serializer writes datetimes as Y-m-d\TH:i:sO: an offset without a colon.
const outLayout = "2006-01-02T15:04:05-0700"

// palette is Kimai's Color::PALETTE, used for color-safe when no color is set.
var palette = []string{
	"#AAAAAA", "#DDDDDD", "#a972c9", "#9C27B0", "#673AB7", "#041fd1", "#5319e7",
	"#3F51B5", "#0074D9", "#2196F3", "#03A9F4", "#7FDBFF", "#39CCCC", "#00BCD4",
	"#006b75", "#009688", "#00bb32", "#4CAF50", "#3D9970", "#2ECC40", "#01FF70",
	"#8BC34A", "#CDDC39", "#FFDC00", "#FFC107", "#FF851B", "#FF9800", "#FF5722",
	"#f41a00", "#E91E63", "#85144b", "#b60205", "#FF4136", "#cc317c", "#F012BE",
	"#d82d80", "#B10DC9", "#e135f4", "#2d3748", "#4a5568", "#718096",
}

// defaultColor is Kimai's Constants::DEFAULT_COLOR, which is stored but served as null.
const defaultColor = "#d2d6de"

func colorOf(c string) string {
	if c == defaultColor {
		return ""
	}
	return c
}

// colorSafe is ColorTrait::getColorSafe: the color, or a palette entry picked by the sum of the
// name's bytes (PHP's mb_ord of a lone byte: multi-byte UTF-8 bytes count 0).
func colorSafe(color, name string) string {
	if c := colorOf(color); c != "" {
		return c
	}
	sum := 0
	for i := 0; i < len(name); i++ {
		if name[i] < 0x80 {
			sum += int(name[i])
		}
	}
	return palette[sum%len(palette)]
}

func (e *Emulator) user(id int) *User {
	for _, u := range e.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

func (e *Emulator) team(id int) *Team {
	for _, t := range e.teams {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (e *Emulator) customer(id int) *Customer {
	for _, c := range e.customers {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (e *Emulator) project(id int) *Project {
	for _, p := range e.projects {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (e *Emulator) activity(id int) *Activity {
	for _, a := range e.activities {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (e *Emulator) timesheet(id int) *Timesheet {
	for _, t := range e.timesheets {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (e *Emulator) tag(id int) *Tag {
	for _, t := range e.tags {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// budgetFields renders the budget fields u may see (BudgetExclusionStrategy): budget with the
// "budget" permission, timeBudget with "time", budgetType with either.
func (e *Emulator) budgetFields(u *User, kind string, id int, budget float64, timeBudget int, budgetType string) obj {
	money, tm := e.budgetShown(u, kind, id)
	o := obj{}
	if money {
		o = append(o, kv{"budget", float(budget)})
	}
	if tm {
		o = append(o, kv{"timeBudget", timeBudget})
	}
	if money || tm {
		o = append(o, kv{"budgetType", nullStr(budgetType)})
	}
	return o
}

// teamList renders the Team representation of the teams linked to an entity.
func (e *Emulator) teamList(kind string, id int) []any {
	out := []any{}
	for _, t := range e.teamsOf(kind, id) {
		out = append(out, teamRep(t))
	}
	return out
}

func teamRep(t *Team) obj {
	return obj{{"id", t.ID}, {"name", t.Name}, {"color", nullStr(colorOf(t.Color))}, {"color-safe", colorSafe(t.Color, t.Name)}}
}

// customerRep is the embedded Customer representation.
func customerRep(c *Customer) obj {
	return obj{{"id", c.ID}, {"name", c.Name}, {"number", nullStr(c.Number)}, {"comment", nullStr(c.Comment)},
		{"visible", c.Visible}, {"billable", c.Billable}, {"currency", c.Currency}, {"country", c.Country},
		{"language", c.Language}, {"company", nullStr(c.Company)}, {"homepage", nullStr(c.Homepage)},
		{"timezone", c.Timezone}, {"fax", nullStr(c.Fax)}, {"mobile", nullStr(c.Mobile)}, {"phone", nullStr(c.Phone)},
		{"metaFields", []any{}}, {"color", nullStr(colorOf(c.Color))}, {"color-safe", colorSafe(c.Color, c.Name)}}
}

// customerCollection is CustomerCollection (full adds the CollectionFull address fields).
func (e *Emulator) customerCollection(u *User, c *Customer, full bool) obj {
	o := customerRep(c)
	o = append(o, kv{"teams", e.teamList("customer", c.ID)})
	if full {
		o = append(o, obj{{"vatId", nullStr(c.VatID)}, {"addressLine1", nullStr(c.AddressLine1)},
			{"addressLine2", nullStr(c.AddressLine2)}, {"addressLine3", nullStr(c.AddressLine3)},
			{"city", nullStr(c.City)}, {"postCode", nullStr(c.PostCode)}}...)
	}
	o = append(o, e.budgetFields(u, "customer", c.ID, c.Budget, c.TimeBudget, c.BudgetType)...)
	return o
}

// customerEntity is CustomerEntity.
func (e *Emulator) customerEntity(u *User, c *Customer) obj {
	o := customerRep(c)
	o = append(o, kv{"teams", e.teamList("customer", c.ID)})
	o = append(o, obj{{"contact", nullStr(c.Contact)}, {"email", nullStr(c.Email)}, {"vatId", nullStr(c.VatID)},
		{"addressLine1", nullStr(c.AddressLine1)}, {"addressLine2", nullStr(c.AddressLine2)},
		{"addressLine3", nullStr(c.AddressLine3)}, {"city", nullStr(c.City)}, {"postCode", nullStr(c.PostCode)},
		{"invoiceEmail", nullStr(c.InvoiceEmail)}, {"buyerReference", nullStr(c.BuyerReference)},
		{"address", nullStr(c.Address)}}...)
	o = append(o, e.budgetFields(u, "customer", c.ID, c.Budget, c.TimeBudget, c.BudgetType)...)
	return o
}

// projectRep is the embedded Project representation; expanded replaces the customer id by the
// Customer object (ProjectExpanded).
func (e *Emulator) projectRep(p *Project, expanded bool) obj {
	var cust any = p.Customer
	if expanded {
		if c := e.customer(p.Customer); c != nil {
			cust = customerRep(c)
		}
	}
	return obj{{"id", p.ID}, {"name", p.Name}, {"customer", cust}, {"number", nullStr(p.Number)},
		{"orderNumber", nullStr(p.OrderNumber)}, {"orderDate", nullStr(p.OrderDate)}, {"start", nullStr(p.Start)},
		{"end", nullStr(p.End)}, {"comment", nullStr(p.Comment)}, {"visible", p.Visible}, {"billable", p.Billable},
		{"globalActivities", p.GlobalActivities}, {"metaFields", []any{}}, {"color", nullStr(colorOf(p.Color))},
		{"color-safe", colorSafe(p.Color, p.Name)}}
}

// projectFull is ProjectCollection and ProjectEntity (they share their keys).
func (e *Emulator) projectFull(u *User, p *Project) obj {
	o := e.projectRep(p, false)
	parent := ""
	if c := e.customer(p.Customer); c != nil {
		parent = c.Name
	}
	o = append(o, kv{"teams", e.teamList("project", p.ID)}, kv{"parentTitle", parent})
	o = append(o, e.budgetFields(u, "project", p.ID, p.Budget, p.TimeBudget, p.BudgetType)...)
	return o
}

// activityRep is the embedded Activity; expanded makes project a ProjectExpanded (ActivityExpanded).
func (e *Emulator) activityRep(a *Activity, expanded bool) obj {
	var proj any
	if a.Project != 0 {
		proj = a.Project
		if expanded {
			proj = nil
			if p := e.project(a.Project); p != nil {
				proj = e.projectRep(p, true)
			}
		}
	}
	return obj{{"id", a.ID}, {"name", a.Name}, {"project", proj}, {"number", nullStr(a.Number)},
		{"comment", nullStr(a.Comment)}, {"visible", a.Visible}, {"billable", a.Billable}, {"metaFields", []any{}},
		{"color", nullStr(colorOf(a.Color))}, {"color-safe", colorSafe(a.Color, a.Name)}}
}

// activityFull is ActivityCollection and ActivityEntity.
func (e *Emulator) activityFull(u *User, a *Activity) obj {
	o := e.activityRep(a, false)
	var parent any
	if p := e.project(a.Project); p != nil {
		parent = p.Name
	}
	o = append(o, kv{"parentTitle", parent}, kv{"teams", e.teamList("activity", a.ID)})
	o = append(o, e.budgetFields(u, "activity", a.ID, a.Budget, a.TimeBudget, a.BudgetType)...)
	return o
}

// displayName is the alias, or the username when there is none.
func displayName(u *User) string {
	if u.Alias != "" {
		return u.Alias
	}
	return u.Username
}

// initials follows User::getInitials: an e-mail display name becomes its local part with dots as
// spaces; one word gives its first two letters, several words their first letters (at most two).
func initials(u *User) string {
	name := displayName(u)
	if local, _, ok := strings.Cut(name, "@"); ok && emailPattern.MatchString(name) {
		name = strings.ReplaceAll(local, ".", " ")
	}
	words := strings.Split(name, " ")
	var out []rune
	if len(words) == 1 {
		out = []rune(name)
	} else {
		for _, w := range words {
			if r := []rune(w); len(r) > 0 {
				out = append(out, r[0])
			}
		}
	}
	if len(out) > 2 {
		out = out[:2]
	}
	return strings.ToUpper(string(out))
}

// userRep is User / UserCollection.
func userRep(u *User) obj {
	return obj{{"id", u.ID}, {"username", u.Username}, {"email", u.Email}, {"enabled", u.Enabled},
		{"apiToken", u.APIPassword != ""}, {"systemAccount", u.SystemAccount}, {"alias", nullStr(u.Alias)},
		{"title", nullStr(u.Title)}, {"accountNumber", nullStr(u.AccountNumber)}, {"avatar", nullStr(u.Avatar)},
		{"initials", initials(u)}, {"language", u.Language}, {"locale", u.Locale}, {"timezone", u.Timezone},
		{"color", nullStr(colorOf(u.Color))}, {"color-safe", colorSafe(u.Color, displayName(u))}}
}

// userEntity is UserEntity; the supervisor is rendered one level deep.
func (e *Emulator) userEntity(u *User, depth int) obj {
	o := userRep(u)
	var sup any
	if s := e.user(u.Supervisor); s != nil && depth < 1 && s.ID != u.ID {
		sup = e.userEntity(s, depth+1)
	}
	teams, memberships := []any{}, []any{}
	for _, t := range e.teams {
		for _, m := range t.Members {
			if m.User == u.ID {
				teams = append(teams, teamRep(t))
				memberships = append(memberships, obj{{"team", teamRep(t)}, {"teamlead", m.Teamlead}})
			}
		}
	}
	roles := roles(u)
	prefs := []any{
		obj{{"name", "timezone"}, {"value", u.Timezone}},
		obj{{"name", "language"}, {"value", u.Language}},
		obj{{"name", "locale"}, {"value", u.Locale}},
		obj{{"name", "hourly_rate"}, {"value", strconv.FormatFloat(u.HourlyRate, 'f', -1, 64)}},
	}
	return append(o, kv{"supervisor", sup}, kv{"teams", teams}, kv{"roles", roles},
		kv{"memberships", memberships}, kv{"preferences", prefs})
}

// teamEntity is TeamEntity.
func (e *Emulator) teamEntity(t *Team) obj {
	members, customers, projects, activities := []any{}, []any{}, []any{}, []any{}
	for _, m := range t.Members {
		if u := e.user(m.User); u != nil {
			members = append(members, obj{{"user", userRep(u)}, {"teamlead", m.Teamlead}})
		}
	}
	for _, id := range t.Customers {
		if c := e.customer(id); c != nil {
			customers = append(customers, customerRep(c))
		}
	}
	for _, id := range t.Projects {
		if p := e.project(id); p != nil {
			projects = append(projects, e.projectRep(p, false))
		}
	}
	for _, id := range t.Activities {
		if a := e.activity(id); a != nil {
			activities = append(activities, e.activityRep(a, false))
		}
	}
	return append(teamRep(t), kv{"members", members}, kv{"customers", customers}, kv{"projects", projects},
		kv{"activities", activities})
}

func tagRep(t *Tag) obj {
	return obj{{"id", t.ID}, {"name", t.Name}, {"visible", t.Visible}, {"color", nullStr(colorOf(t.Color))},
		{"color-safe", colorSafe(t.Color, t.Name)}}
}

// Timesheet representations.
const (
	tsCollection     = iota // TimesheetCollection
	tsCollectionFull        // TimesheetCollectionFull (GET /api/timesheets?full=true)
	tsEntity                // TimesheetEntity
	tsExpanded              // TimesheetExpanded (POST ?full=true, active, recent)
)

func formatTime(t time.Time, zone string) string {
	if loc, err := time.LoadLocation(zone); err == nil {
		t = t.In(loc)
	}
	return t.Format(outLayout)
}

// timesheetRep renders t for u; rate fields are left out when u may not see them (2.66).
func (e *Emulator) timesheetRep(u *User, t *Timesheet, kind int) obj {
	var end any
	if t.End != nil {
		end = formatTime(*t.End, t.Timezone)
	}
	var act, proj, usr any = t.Activity, t.Project, t.User
	if kind == tsCollectionFull || kind == tsExpanded {
		if a := e.activity(t.Activity); a != nil {
			act = e.activityRep(a, true)
		}
		if p := e.project(t.Project); p != nil {
			proj = e.projectRep(p, true)
		}
		if x := e.user(t.User); x != nil {
			usr = userRep(x)
		}
	}
	tags := append([]string{}, t.Tags...)
	o := obj{{"id", t.ID}, {"begin", formatTime(t.Begin, t.Timezone)}, {"end", end}, {"duration", t.Duration},
		{"description", nullStr(t.Description)}, {"rate", float(t.Rate)}, {"internalRate", float(t.InternalRate)},
		{"activity", act}, {"project", proj}, {"tags", tags}, {"user", usr}, {"metaFields", metaRep(t.Meta)},
		{"exported", t.Exported}, {"billable", t.Billable}, {"break", t.Break}}
	if kind == tsEntity || kind == tsExpanded {
		var fixed any
		if t.FixedRate != nil {
			fixed = float(*t.FixedRate)
		}
		var hourly any
		if t.FixedRate == nil || t.HourlyRate != 0 {
			hourly = float(t.HourlyRate)
		}
		o = append(o, kv{"fixedRate", fixed}, kv{"hourlyRate", hourly})
	}
	if !e.showRates(u, t) {
		o = o.without("rate", "internalRate", "fixedRate", "hourlyRate")
	}
	return o
}

// metaRep is Timesheet::getVisibleMetaFields as the API serializes it: name and value of each
// stored field (the emulator's fields are all visible).
func metaRep(fields []MetaField) []any {
	out := []any{}
	for _, m := range fields {
		out = append(out, obj{{"name", m.Name}, {"value", m.Value}})
	}
	return out
}
