package kimai

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// ---- shared pieces of the customer, project and activity forms ----

// budgetChildren are the budget children of an entity form: budget with the "budget"
// permission, timeBudget with "time", budgetType with either ('include_budget'/'include_time').
func (e *Emulator) budgetChildren(u *User, kind string, id int) []string {
	money, tm := e.budgetShown(u, kind, id)
	var out []string
	if money {
		out = append(out, "budget")
	}
	if tm {
		out = append(out, "timeBudget")
	}
	if money || tm {
		out = append(out, "budgetType")
	}
	return out
}

func (f *form) budgets(budget *float64, timeBudget *int, budgetType *string) {
	f.money("budget", budget)
	f.duration("timeBudget", timeBudget)
	if s, ok := f.text("budgetType"); ok {
		if s != "" && s != "month" {
			f.addErr("budgetType", msgChoice)
		} else {
			*budgetType = s
		}
	}
}

// teamsChoice validates the "teams" child of a create form and returns the chosen teams.
func (e *Emulator) teamsChoice(f *form, u *User) []*Team {
	ids, ok := f.idList("teams")
	if !ok {
		return nil
	}
	var out []*Team
	for _, id := range ids {
		t := e.team(id)
		if t == nil || !(seeAll(u) || memberOf(t, u.ID, true)) {
			f.addErr("teams", msgChoice)
			return nil
		}
		out = append(out, t)
	}
	return out
}

// meta is PATCH /api/{entity}/{id}/meta: name and value are required (400), and a name no
// plugin registered (registered nil or false; a plain Kimai registers none) is unknown (404).
// It returns the name and value of a registered field; the caller stores them and answers.
func (e *Emulator) meta(c *call, exists, allowed bool, registered func(string) bool) (name, val string, ok bool) {
	if !exists {
		c.fail(http.StatusNotFound)
		return "", "", false
	}
	if !allowed {
		c.fail(http.StatusForbidden)
		return "", "", false
	}
	data, ok := c.readBody()
	if !ok {
		return "", "", false
	}
	n, hasName := data["name"]
	v, hasValue := data["value"]
	if !hasName || !hasValue || n.s == "" {
		c.fail(http.StatusBadRequest)
		return "", "", false
	}
	if registered == nil || !registered(n.s) {
		c.fail(http.StatusNotFound)
		c.out = "unknown meta field"
		return "", "", false
	}
	return n.s, v.s, true
}

func sortBy[T any](items []T, desc bool, less func(a, b T) int) {
	sort.SliceStable(items, func(i, j int) bool {
		d := less(items[i], items[j])
		if desc {
			return d > 0
		}
		return d < 0
	})
}

func cmpInt(a, b int) int { return a - b }

func cmpStr(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }

// ---- customers ----

func (e *Emulator) listCustomers(c *call) {
	q := &query{c: c}
	visible := q.get("visible", "1|2|3")
	order := q.get("order", "ASC|DESC")
	orderBy := q.get("orderBy", "id|name")
	full := q.get("full", "0|1")
	term := q.get("term", "")
	if q.bad {
		c.fail(http.StatusBadRequest)
		return
	}
	var list []*Customer
	for _, cu := range e.customers {
		if visibleMatch(visible, cu.Visible) && e.customerAccessible(c.user, cu) &&
			termMatch(term, cu.Name, cu.Comment, cu.Company, cu.VatID, cu.Number, cu.Contact, cu.Phone, cu.Email,
				cu.Address, cu.InvoiceEmail) {
			list = append(list, cu)
		}
	}
	sortBy(list, order == "DESC", func(a, b *Customer) int {
		if orderBy == "id" {
			return cmpInt(a.ID, b.ID)
		}
		return cmpStr(a.Name, b.Name)
	})
	withDetails := full == "1" && can(c.user, "details_customer")
	out := []any{}
	for _, cu := range list {
		out = append(out, e.customerCollection(c.user, cu, withDetails))
	}
	c.reply(http.StatusOK, out)
}

func (e *Emulator) getCustomer(c *call) {
	cu := e.customer(c.ids[0])
	if cu == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canEntity(c.user, "view", "customer", cu.ID) {
		c.fail(http.StatusForbidden)
		return
	}
	c.reply(http.StatusOK, e.customerEntity(c.user, cu))
}

func (e *Emulator) createCustomer(c *call) {
	if !can(c.user, "create_customer") {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	tz := c.user.Timezone
	if tz == "" {
		tz = e.cfg.DefaultTimezone
	}
	cu := &Customer{Visible: true, Billable: true, Timezone: tz, Country: e.cfg.DefaultCountry,
		Currency: e.cfg.DefaultCurrency, Language: e.cfg.DefaultLanguage}
	cu.Number = e.nextNumber(len(e.customers), func(n string) bool { return e.customerByNumber(n) != nil })
	f := e.customerForm(c.user, data, cu, true)
	teams := e.teamsChoice(f, c.user)
	if !f.valid() {
		c.invalid(f)
		return
	}
	cu.ID = e.newID("customer")
	e.customers = append(e.customers, cu)
	for _, t := range teams {
		t.Customers = append(t.Customers, cu.ID)
	}
	c.reply(http.StatusOK, e.customerEntity(c.user, cu))
}

func (e *Emulator) updateCustomer(c *call) {
	cu := e.customer(c.ids[0])
	if cu == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canEntity(c.user, "edit", "customer", cu.ID) {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	work := *cu
	f := e.customerForm(c.user, data, &work, false)
	if !f.valid() {
		c.invalid(f)
		return
	}
	*cu = work
	c.reply(http.StatusOK, e.customerEntity(c.user, cu))
}

func (e *Emulator) customerByNumber(n string) *Customer {
	for _, c := range e.customers {
		if c.Number == n {
			return c
		}
	}
	return nil
}

// customerForm submits data to CustomerApiEditForm over cu.
func (e *Emulator) customerForm(u *User, data formData, cu *Customer, isNew bool) *form {
	children := []string{"name", "number", "comment", "company", "vatId", "contact", "addressLine1", "addressLine2",
		"addressLine3", "postCode", "city", "country", "currency", "phone", "fax", "mobile", "email", "homepage",
		"timezone", "language", "invoiceText", "invoiceTemplate", "invoiceEmail", "buyerReference"}
	if !isNew && cu.Address != "" {
		children = append(children, "address")
	}
	if isNew {
		children = append(children, "teams")
	}
	children = append(children, "color", "visible", "billable")
	children = append(children, e.budgetChildren(u, "customer", cu.ID)...)
	f := newForm(data, false, children...)
	f.setText("name", &cu.Name)
	f.checkName("name", cu.Name, 2, 150)
	for _, t := range []struct {
		name string
		dst  *string
		max  int
	}{{"number", &cu.Number, 50}, {"comment", &cu.Comment, 0}, {"company", &cu.Company, 100},
		{"vatId", &cu.VatID, 50}, {"contact", &cu.Contact, 100}, {"addressLine1", &cu.AddressLine1, 150},
		{"addressLine2", &cu.AddressLine2, 150}, {"addressLine3", &cu.AddressLine3, 150},
		{"postCode", &cu.PostCode, 20}, {"city", &cu.City, 50}, {"phone", &cu.Phone, 30}, {"fax", &cu.Fax, 30},
		{"mobile", &cu.Mobile, 30}, {"invoiceText", &cu.InvoiceText, 0}, {"buyerReference", &cu.BuyerReference, 0},
		{"address", &cu.Address, 0}} {
		f.setText(t.name, t.dst)
		if t.name == "number" {
			f.checkSpecial(t.name, *t.dst)
		}
		f.checkLength(t.name, *t.dst, 0, t.max)
	}
	if f.isChild("number") {
		if other := e.customerByNumber(cu.Number); cu.Number != "" && other != nil && other.ID != cu.ID {
			f.addErr("number", "The number "+cu.Number+" is already used.")
		}
	}
	f.email("email", &cu.Email, 75)
	f.email("invoiceEmail", &cu.InvoiceEmail, 0)
	if s, ok := f.text("homepage"); ok {
		if s != "" && !strings.Contains(s, "://") {
			s = "https://" + s
		}
		if s != "" {
			if p, err := url.Parse(s); err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
				f.addErr("homepage", msgURL)
			}
		}
		cu.Homepage = s
	}
	if s, ok := f.text("country"); ok {
		if !countries[s] {
			f.addErr("country", "Please select a valid country.")
		} else {
			cu.Country = s
		}
	}
	if s, ok := f.text("currency"); ok {
		if !currencies[s] {
			f.addErr("currency", "Please select a valid currency.")
		} else {
			cu.Currency = s
		}
	}
	if s, ok := f.text("timezone"); ok {
		if !validTimezone(s) {
			f.addErr("timezone", "Please select a valid timezone.")
		} else {
			cu.Timezone = s
		}
	}
	if s, ok := f.text("language"); ok {
		if !languagePattern.MatchString(s) {
			f.addErr("language", "Please select a valid language.")
		} else {
			cu.Language = s
		}
	}
	if s, ok := f.text("invoiceTemplate"); ok && s != "" {
		f.addErr("invoiceTemplate", msgChoice) // no invoice templates exist in the emulator
	}
	f.color("color", &cu.Color)
	cu.Visible = f.checkbox("visible", cu.Visible)
	cu.Billable = f.checkbox("billable", cu.Billable)
	f.budgets(&cu.Budget, &cu.TimeBudget, &cu.BudgetType)
	return f
}

func (e *Emulator) deleteCustomer(c *call) {
	cu := e.customer(c.ids[0])
	if cu == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canEntity(c.user, "delete", "customer", cu.ID) {
		c.fail(http.StatusForbidden)
		return
	}
	var ids []int
	for _, p := range e.projects {
		if p.Customer == cu.ID {
			ids = append(ids, p.ID)
		}
	}
	for _, id := range ids {
		e.removeProject(id)
	}
	e.customers = remove(e.customers, func(x *Customer) bool { return x.ID == cu.ID })
	for _, t := range e.teams {
		t.Customers = removeInt(t.Customers, cu.ID)
	}
	c.noContent()
}

func (e *Emulator) metaCustomer(c *call) {
	cu := e.customer(c.ids[0])
	e.meta(c, cu != nil, cu != nil && e.canEntity(c.user, "edit", "customer", cu.ID), nil)
}

func remove[T any](items []T, drop func(T) bool) []T {
	out := items[:0]
	for _, x := range items {
		if !drop(x) {
			out = append(out, x)
		}
	}
	return out
}

func removeInt(ids []int, id int) []int { return remove(ids, func(x int) bool { return x == id }) }

// ---- projects ----

var reDateFilter = `\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?`

func (e *Emulator) listProjects(c *call) {
	q := &query{c: c}
	customer := q.get("customer", `\d+`)
	customers := q.list("customers", `\d+`)
	visible := q.get("visible", "1|2|3")
	start := q.get("start", reDateFilter)
	end := q.get("end", reDateFilter)
	ignoreDates := q.get("ignoreDates", "1")
	globalActs := q.get("globalActivities", "0|1")
	order := q.get("order", "ASC|DESC")
	orderBy := q.get("orderBy", "id|name|customer")
	term := q.get("term", "")
	if q.bad || !validDay(start) || !validDay(end) {
		c.fail(http.StatusBadRequest)
		return
	}
	if customer != "" {
		customers = append(customers, customer)
	}
	filter := map[int]bool{}
	for _, s := range customers {
		if cu := e.customer(atoi(s)); cu != nil { // unknown ids are silently ignored
			filter[cu.ID] = true
		}
	}
	today := e.clock.Now().In(userLoc(c.user)).Format(time.DateOnly)
	var list []*Project
	for _, p := range e.projects {
		cu := e.customer(p.Customer)
		if cu == nil || !e.projectAccessible(c.user, p) {
			continue
		}
		if len(filter) > 0 && !filter[p.Customer] {
			continue
		}
		// ProjectRepository: visible=1 and visible=2 both require a visible customer.
		if visible != "3" && (!cu.Visible || p.Visible != (visible != "2")) {
			continue
		}
		if globalActs != "" && p.GlobalActivities != (globalActs == "1") {
			continue
		}
		if ignoreDates == "" {
			from, to := start, end
			if from == "" && to == "" {
				from, to = today, today
			}
			// ProjectRepository::addProjectStartAndEndDate: the project is active on the start
			// day and on the end day (it covers the whole range), not merely overlapping it.
			if !activeOn(p, from) || !activeOn(p, to) {
				continue
			}
		}
		if !termMatch(term, p.Name, p.Comment, p.OrderNumber, p.Number) {
			continue
		}
		list = append(list, p)
	}
	sortBy(list, order == "DESC", func(a, b *Project) int {
		switch orderBy {
		case "id":
			return cmpInt(a.ID, b.ID)
		case "customer":
			ca, cb := e.customer(a.Customer), e.customer(b.Customer)
			if d := cmpStr(ca.Name, cb.Name); d != 0 {
				return d
			}
		}
		return cmpStr(a.Name, b.Name)
	})
	out := []any{}
	for _, p := range list {
		out = append(out, e.projectFull(c.user, p))
	}
	c.reply(http.StatusOK, out)
}

// activeOn reports whether p runs on day (a "Y-m-d" prefix; "" is no condition).
func activeOn(p *Project, day string) bool {
	if day == "" {
		return true
	}
	day = day[:10]
	return (p.Start == "" || p.Start <= day) && (p.End == "" || p.End >= day)
}

// validDay reports whether a date filter names a real day (Symfony's DateTime constraint
// refuses 2026-02-30); "" is valid.
func validDay(s string) bool {
	if len(s) < 10 {
		return s == ""
	}
	_, err := time.Parse(time.DateOnly, s[:10])
	return err == nil
}

func userLoc(u *User) *time.Location {
	if loc, err := time.LoadLocation(u.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

func (e *Emulator) getProject(c *call) {
	p := e.project(c.ids[0])
	if p == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canEntity(c.user, "view", "project", p.ID) {
		c.fail(http.StatusForbidden)
		return
	}
	c.reply(http.StatusOK, e.projectFull(c.user, p))
}

func (e *Emulator) createProject(c *call) {
	if !can(c.user, "create_project") {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	p := &Project{Visible: true, Billable: true, GlobalActivities: true}
	p.Number = e.nextNumber(len(e.projects), func(n string) bool {
		for _, x := range e.projects {
			if x.Number == n {
				return true
			}
		}
		return false
	})
	f := e.projectForm(c.user, data, p, true)
	teams := e.teamsChoice(f, c.user)
	if !f.valid() {
		c.invalid(f)
		return
	}
	p.ID = e.newID("project")
	e.projects = append(e.projects, p)
	for _, t := range teams {
		t.Projects = append(t.Projects, p.ID)
	}
	c.reply(http.StatusOK, e.projectFull(c.user, p))
}

func (e *Emulator) updateProject(c *call) {
	p := e.project(c.ids[0])
	if p == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canEntity(c.user, "edit", "project", p.ID) {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	work := *p
	f := e.projectForm(c.user, data, &work, false)
	if !f.valid() {
		c.invalid(f)
		return
	}
	*p = work
	c.reply(http.StatusOK, e.projectFull(c.user, p))
}

// projectForm submits data to ProjectEditForm over p. Dates are yyyy-MM-dd on create and
// yyyy-MM-dd'T'HH:mm:ss on update (BaseApiController's two formats).
func (e *Emulator) projectForm(u *User, data formData, p *Project, isNew bool) *form {
	children := []string{"name", "number", "comment", "invoiceText", "orderNumber", "orderDate", "start", "end",
		"customer"}
	if isNew {
		children = append(children, "teams")
	}
	children = append(children, "color", "globalActivities", "visible", "billable")
	children = append(children, e.budgetChildren(u, "project", p.ID)...)
	f := newForm(data, false, children...)
	f.setText("name", &p.Name)
	f.checkName("name", p.Name, 2, 150)
	f.setText("number", &p.Number)
	f.checkSpecial("number", p.Number)
	f.checkLength("number", p.Number, 0, 10)
	f.setText("comment", &p.Comment)
	f.setText("invoiceText", &p.InvoiceText)
	f.setText("orderNumber", &p.OrderNumber)
	f.checkLength("orderNumber", p.OrderNumber, 0, 50)
	for _, d := range []struct {
		name string
		dst  *string
	}{{"orderDate", &p.OrderDate}, {"start", &p.Start}, {"end", &p.End}} {
		s, ok := f.text(d.name)
		if !ok {
			continue
		}
		if s == "" {
			*d.dst = ""
			continue
		}
		layout := "2006-01-02T15:04:05"
		if isNew {
			layout = time.DateOnly
		}
		t, err := time.Parse(layout, s)
		if err != nil {
			f.addErr(d.name, msgDate)
			continue
		}
		*d.dst = t.Format(time.DateOnly)
	}
	if id, ok := f.id("customer"); ok {
		switch cu := e.customer(id); {
		case id == 0:
			p.Customer = 0
		case id == p.Customer && !isNew:
		case cu == nil || !cu.Visible || !e.customerAccessible(u, cu):
			f.addErr("customer", msgChoice) // also a customer *number* such as "C-754"
		default:
			p.Customer = cu.ID
		}
	}
	if p.Customer == 0 && len(f.errs["customer"]) == 0 {
		f.addErr("customer", msgNull)
	}
	f.color("color", &p.Color)
	p.GlobalActivities = f.checkbox("globalActivities", p.GlobalActivities)
	p.Visible = f.checkbox("visible", p.Visible)
	p.Billable = f.checkbox("billable", p.Billable)
	f.budgets(&p.Budget, &p.TimeBudget, &p.BudgetType)
	if p.Start != "" && p.End != "" && p.End < p.Start && len(f.errs["end"]) == 0 {
		f.addErr("end", msgEndBeforeBegin) // ProjectValidator, translated
	}
	for _, x := range e.projects {
		if p.Number != "" && x.Number == p.Number && x.ID != p.ID && len(f.errs["number"]) == 0 {
			f.addErr("number", "The number "+p.Number+" is already used.")
		}
	}
	return f
}

func (e *Emulator) deleteProject(c *call) {
	p := e.project(c.ids[0])
	if p == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canEntity(c.user, "delete", "project", p.ID) {
		c.fail(http.StatusForbidden)
		return
	}
	e.removeProject(p.ID)
	c.noContent()
}

// removeProject deletes a project with its activities and timesheets (Doctrine cascades).
func (e *Emulator) removeProject(id int) {
	var ids []int
	for _, a := range e.activities {
		if a.Project == id {
			ids = append(ids, a.ID)
		}
	}
	for _, aid := range ids {
		e.removeActivity(aid)
	}
	e.timesheets = remove(e.timesheets, func(t *Timesheet) bool { return t.Project == id })
	e.projects = remove(e.projects, func(p *Project) bool { return p.ID == id })
	for _, t := range e.teams {
		t.Projects = removeInt(t.Projects, id)
	}
}

func (e *Emulator) metaProject(c *call) {
	p := e.project(c.ids[0])
	e.meta(c, p != nil, p != nil && e.canEntity(c.user, "edit", "project", p.ID), nil)
}

// ---- activities ----

func (e *Emulator) listActivities(c *call) {
	q := &query{c: c}
	project := q.get("project", `\d+`)
	projects := q.list("projects", `\d+`)
	visible := q.get("visible", "1|2|3")
	globals := q.get("globals", "0|1|true|false")
	order := q.get("order", "ASC|DESC")
	orderBy := q.get("orderBy", "id|name|project")
	term := q.get("term", "")
	if q.bad {
		c.fail(http.StatusBadRequest)
		return
	}
	if project != "" {
		projects = append(projects, project)
	}
	var filter []*Project
	for _, s := range projects {
		if p := e.project(atoi(s)); p != nil {
			filter = append(filter, p)
		}
	}
	var list []*Activity
	for _, a := range e.activities {
		if !e.activityAccessible(c.user, a) {
			continue
		}
		// ActivityRepository: visible=1 and visible=2 both require a visible project and customer
		// for project activities.
		parentVisible := true
		if a.Project != 0 {
			p := e.project(a.Project)
			cu := e.customer(p.Customer)
			parentVisible = p.Visible && cu != nil && cu.Visible
		}
		if visible != "3" && (!parentVisible || a.Visible != (visible != "2")) {
			continue
		}
		if (globals == "1" || globals == "true") && a.Project != 0 {
			continue
		}
		if len(filter) > 0 {
			match := false
			for _, p := range filter {
				if a.Project == p.ID {
					match = true
				}
			}
			if a.Project == 0 && !(len(filter) == 1 && !filter[0].GlobalActivities) {
				match = true
			}
			if !match {
				continue
			}
		}
		if !termMatch(term, a.Name, a.Comment, a.Number) {
			continue
		}
		list = append(list, a)
	}
	sortBy(list, order == "DESC", func(a, b *Activity) int {
		switch orderBy {
		case "id":
			return cmpInt(a.ID, b.ID)
		case "project":
			var pa, pb string
			if p := e.project(a.Project); p != nil {
				pa = p.Name
			}
			if p := e.project(b.Project); p != nil {
				pb = p.Name
			}
			if d := cmpStr(pa, pb); d != 0 {
				return d
			}
		}
		return cmpStr(a.Name, b.Name)
	})
	out := []any{}
	for _, a := range list {
		out = append(out, e.activityFull(c.user, a))
	}
	c.reply(http.StatusOK, out)
}

func (e *Emulator) getActivity(c *call) {
	a := e.activity(c.ids[0])
	if a == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canEntity(c.user, "view", "activity", a.ID) {
		c.fail(http.StatusForbidden)
		return
	}
	c.reply(http.StatusOK, e.activityFull(c.user, a))
}

func (e *Emulator) createActivity(c *call) {
	if !can(c.user, "create_activity") {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	a := &Activity{Visible: true, Billable: true}
	a.Number = e.nextNumber(len(e.activities), func(n string) bool {
		for _, x := range e.activities {
			if x.Number == n {
				return true
			}
		}
		return false
	})
	f := e.activityForm(c.user, data, a, true)
	teams := e.teamsChoice(f, c.user)
	if !f.valid() {
		c.invalid(f)
		return
	}
	a.ID = e.newID("activity")
	e.activities = append(e.activities, a)
	for _, t := range teams {
		t.Activities = append(t.Activities, a.ID)
	}
	c.reply(http.StatusOK, e.activityFull(c.user, a))
}

func (e *Emulator) updateActivity(c *call) {
	a := e.activity(c.ids[0])
	if a == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canEntity(c.user, "edit", "activity", a.ID) {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	work := *a
	f := e.activityForm(c.user, data, &work, false)
	if !f.valid() {
		c.invalid(f)
		return
	}
	*a = work
	c.reply(http.StatusOK, e.activityFull(c.user, a))
}

// activityForm submits data to ActivityEditForm over a. An existing global activity has no
// "project" child, so sending one is an extra field.
func (e *Emulator) activityForm(u *User, data formData, a *Activity, isNew bool) *form {
	children := []string{"name", "number", "comment", "invoiceText"}
	if isNew || a.Project != 0 {
		children = append(children, "project")
	}
	if isNew {
		children = append(children, "teams")
	}
	children = append(children, "color", "visible", "billable")
	children = append(children, e.budgetChildren(u, "activity", a.ID)...)
	f := newForm(data, false, children...)
	f.setText("name", &a.Name)
	f.checkName("name", a.Name, 2, 150)
	f.setText("number", &a.Number)
	f.checkSpecial("number", a.Number)
	f.checkLength("number", a.Number, 0, 10)
	f.setText("comment", &a.Comment)
	f.setText("invoiceText", &a.InvoiceText)
	if id, ok := f.id("project"); ok {
		p := e.project(id)
		switch {
		case id == 0:
			a.Project = 0
		case id == a.Project:
		case p == nil || !p.Visible || !e.projectAccessible(u, p):
			f.addErr("project", msgChoice)
		default:
			a.Project = p.ID
		}
	}
	for _, x := range e.activities {
		if a.Number != "" && x.Number == a.Number && x.ID != a.ID && len(f.errs["number"]) == 0 {
			f.addErr("number", "The number "+a.Number+" is already used.")
		}
	}
	f.color("color", &a.Color)
	a.Visible = f.checkbox("visible", a.Visible)
	a.Billable = f.checkbox("billable", a.Billable)
	f.budgets(&a.Budget, &a.TimeBudget, &a.BudgetType)
	return f
}

func (e *Emulator) deleteActivity(c *call) {
	a := e.activity(c.ids[0])
	if a == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canEntity(c.user, "delete", "activity", a.ID) {
		c.fail(http.StatusForbidden)
		return
	}
	e.removeActivity(a.ID)
	c.noContent()
}

func (e *Emulator) removeActivity(id int) {
	e.timesheets = remove(e.timesheets, func(t *Timesheet) bool { return t.Activity == id })
	e.activities = remove(e.activities, func(a *Activity) bool { return a.ID == id })
	for _, t := range e.teams {
		t.Activities = removeInt(t.Activities, id)
	}
}

func (e *Emulator) metaActivity(c *call) {
	a := e.activity(c.ids[0])
	e.meta(c, a != nil, a != nil && e.canEntity(c.user, "edit", "activity", a.ID), nil)
}
