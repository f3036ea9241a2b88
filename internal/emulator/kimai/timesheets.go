package kimai

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Timesheet validation messages (translations/validators.en.xlf).
const (
	msgEndBeforeBegin  = "The end date must not be earlier than the start date."
	msgProjectMismatch = "Project mismatch, project specific activity and timesheet project are different."
	msgGlobalForbidden = "Global activities are forbidden for the selected project."
	msgNeedProject     = "A project needs to be selected."
	msgNeedActivity    = "An activity needs to be selected."
	msgNotStarted      = "The project has not started at that time."
	msgFinished        = "The project is finished at that time."
)

func msgLongRunning(minutes int) string {
	return fmt.Sprintf("Maximum %d:%02d hours allowed.", minutes/60, minutes%60)
}

// localPattern is the prefix Symfony's HTML5 local datetime transformer requires; the rest must
// be something PHP's DateTime understands (seconds fraction, an offset).
var localPattern = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{1,2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$`)

// parseLocal reads a datetime as Kimai does: local wall time in loc, unless an offset is given
// (then the instant is converted into loc).
func parseLocal(s string, loc *time.Location) (time.Time, error) {
	m := localPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, fmt.Errorf("not a local datetime: %q", s)
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	sec := 0
	if m[6] != "" {
		sec = n(6)
	}
	if n(2) < 1 || n(2) > 12 || n(3) < 1 || n(3) > 31 || n(4) > 23 || n(5) > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("datetime out of range: %q", s)
	}
	if m[8] != "" {
		zone := time.UTC
		if m[8] != "Z" {
			off := strings.Replace(m[8], ":", "", 1)
			h, _ := strconv.Atoi(off[1:3])
			mi, _ := strconv.Atoi(off[3:5])
			secs := h*3600 + mi*60
			if off[0] == '-' {
				secs = -secs
			}
			zone = time.FixedZone("", secs)
		}
		return time.Date(n(1), time.Month(n(2)), n(3), n(4), n(5), sec, 0, zone).In(loc), nil
	}
	t := time.Date(n(1), time.Month(n(2)), n(3), n(4), n(5), sec, 0, loc)
	if t.Day() != n(3) {
		return time.Time{}, fmt.Errorf("no such date: %q", s)
	}
	return t, nil
}

// timesheetForm submits data to TimesheetApiEditForm over t, for caller u.
func (e *Emulator) timesheetForm(u *User, data formData, t *Timesheet, isNew bool) *form {
	var children []string
	mode := e.cfg.TrackingMode
	if mode == "" || mode == "default" || can(u, "view_other_timesheet") {
		children = append(children, "begin", "end")
	}
	children = append(children, "project", "activity", "description", "tags")
	if e.canTimesheet(u, "edit_rate", t) {
		children = append(children, "fixedRate", "hourlyRate")
	}
	// include_user: create_other_timesheet on POST, but "edit" on the record on PATCH
	// (TimesheetController::postAction and patchAction).
	if (isNew && can(u, "create_other_timesheet")) || (!isNew && e.canTimesheet(u, "edit", t)) {
		children = append(children, "user")
	}
	if e.canTimesheet(u, "edit_export", t) {
		children = append(children, "exported")
	}
	if e.canTimesheet(u, "edit_billable", t) {
		children = append(children, "billable")
	}
	f := newForm(data, false, children...)

	if id, ok := f.id("user"); ok {
		owner := e.user(id)
		switch {
		case id == t.User:
		case owner == nil || !e.userChoice(u, owner):
			f.addErr("user", msgChoice)
		default:
			t.User = owner.ID
		}
	}
	formLoc, _ := time.LoadLocation(t.Timezone)
	if formLoc == nil {
		formLoc = time.UTC
	}
	if s, ok := f.text("begin"); ok {
		if s == "" {
			f.addErr("begin", msgNull)
		} else if b, err := parseLocal(s, formLoc); err != nil {
			f.addErr("begin", msgDateTime)
		} else {
			t.Begin = b
		}
	}
	if s, ok := f.text("end"); ok {
		if s == "" {
			t.End = nil
		} else if b, err := parseLocal(s, formLoc); err != nil {
			f.addErr("end", msgDateTime)
		} else {
			t.End = &b
		}
	}
	// The activity choices follow the submitted project, else the record's (FormTrait::addActivity
	// replaces the field in PRE_SUBMIT with options['projects'] = the submitted project).
	choiceProject := t.Project
	if id, ok := f.id("project"); ok && id != 0 {
		choiceProject = id
	}
	if id, ok := f.id("project"); ok {
		p := e.project(id)
		switch {
		case id == 0:
			t.Project = 0
		case id == t.Project && !isNew:
		case p == nil || !e.projectAccessible(u, p) || !p.Visible || !e.customer(p.Customer).Visible:
			f.addErr("project", msgChoice)
		default:
			t.Project = p.ID
		}
	}
	if id, ok := f.id("activity"); ok {
		a := e.activity(id)
		switch {
		case id == 0:
			t.Activity = 0
		case id == t.Activity && !isNew:
		case a == nil || !e.activityChoice(u, a, choiceProject):
			f.addErr("activity", msgChoice)
		default:
			t.Activity = a.ID
		}
	}
	f.setText("description", &t.Description)
	if f.submitted("tags") {
		// TagsInputType is a TextType: an array is a transformation failure
		// ("Submitted data was expected to be of type string"), shown as "This value is not valid.".
		if v := f.data["tags"]; v.kind == 'l' || v.kind == 'm' {
			f.addErr("tags", msgInvalid)
		} else {
			t.Tags = e.tagNames(v.s)
		}
	}
	if f.isChild("fixedRate") {
		if s, ok := f.text("fixedRate"); ok {
			if s == "" {
				t.FixedRate = nil
			} else {
				var v float64
				f.money("fixedRate", &v)
				t.FixedRate = &v
			}
		}
		f.money("hourlyRate", &t.HourlyRate)
	}
	t.Exported = f.checkbox("exported", t.Exported)
	if f.submitted("billable") {
		// TimesheetApiEditForm re-reads billable with PHP truthiness.
		v := f.data["billable"]
		t.Billable = !(v.kind == 'n' || v.s == "" || v.s == "0")
		t.BillableMode = "no"
		if t.Billable {
			t.BillableMode = "yes"
		}
	}

	// Entity constraints.
	if t.Project == 0 && len(f.errs["project"]) == 0 {
		f.addErr("project", msgNeedProject)
	}
	if t.Activity == 0 && len(f.errs["activity"]) == 0 {
		f.addErr("activity", msgNeedActivity)
	}
	if t.End != nil && t.End.Before(t.Begin) {
		f.addGlobal(msgEndBeforeBegin)
	}
	p, a := e.project(t.Project), e.activity(t.Activity)
	if p != nil && a != nil && len(f.errs["project"]) == 0 && len(f.errs["activity"]) == 0 {
		if a.Project != 0 && a.Project != p.ID {
			f.addErr("project", msgProjectMismatch)
		}
		if a.Project == 0 && !p.GlobalActivities {
			f.addErr("activity", msgGlobalForbidden)
		}
	}
	if p != nil {
		// TimesheetBasicValidator: the project starts at 00:00:00 of its start day and ends at
		// 23:59:59 of its end day (DatePickerType force_time); begin and end are checked each.
		// The emulator keeps project dates as days and reads them in the form's zone.
		var pStart, pEnd time.Time
		if d, err := time.ParseInLocation(time.DateOnly, p.Start, formLoc); err == nil {
			pStart = d
		}
		if d, err := time.ParseInLocation(time.DateOnly, p.End, formLoc); err == nil {
			pEnd = time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, formLoc)
		}
		switch {
		case !pStart.IsZero() && t.Begin.Before(pStart):
			f.addGlobal(msgNotStarted)
		case !pEnd.IsZero() && t.Begin.After(pEnd):
			f.addGlobal(msgFinished)
		}
		if t.End != nil {
			switch {
			case !pEnd.IsZero() && t.End.After(pEnd):
				f.addGlobal(msgFinished)
			case !pStart.IsZero() && t.End.Before(pStart):
				f.addGlobal(msgNotStarted)
			}
		}
	}
	if lr := e.cfg.LongRunningMinutes; lr > 0 && t.End != nil && t.End.Sub(t.Begin) > time.Duration(lr)*time.Minute {
		f.addGlobal(msgLongRunning(lr))
	}
	e.checkRules(f, u, t)
	return f
}

// activityChoice is the choice list of the timesheet form's activity field
// (ActivityRepository::getQueryBuilderForFormType): visible activities the caller may access,
// with a visible project and customer or global, and, given a project, that project's activities
// plus the global ones when the project allows them.
func (e *Emulator) activityChoice(u *User, a *Activity, project int) bool {
	if !a.Visible || !e.activityAccessible(u, a) {
		return false
	}
	if a.Project != 0 {
		p := e.project(a.Project)
		if p == nil || !p.Visible || e.customer(p.Customer) == nil || !e.customer(p.Customer).Visible {
			return false
		}
	}
	if project == 0 {
		return true
	}
	if a.Project == 0 {
		p := e.project(project)
		return p == nil || p.GlobalActivities
	}
	return a.Project == project
}

// userChoice is the choice list of the timesheet form's user field (UserType over
// UserRepository::getQueryBuilderForFormType): enabled users that are no system account, all of
// them for callers who see all data, else the caller and the members of the teams the caller
// leads. The record's own user is always a choice (include_users), checked by the caller.
func (e *Emulator) userChoice(u, owner *User) bool {
	switch {
	case !owner.Enabled, owner.SystemAccount:
		return false
	case seeAll(u), owner.ID == u.ID:
		return true
	}
	for _, t := range e.teams {
		if memberOf(t, u.ID, true) && memberOf(t, owner.ID, false) {
			return true
		}
	}
	return false
}

// tagNames maps submitted tags (a comma-separated string) to existing tag names; unknown names
// are dropped silently (TagArrayToStringTransformer without allow_create).
func (e *Emulator) tagNames(s string) []string {
	out := []string{}
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		for _, tg := range e.tags {
			if tg.Name == n && !containsStr(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// autoBillable is BillableCalculator's automatic mode.
func (e *Emulator) autoBillable(t *Timesheet) bool {
	a, p := e.activity(t.Activity), e.project(t.Project)
	if a == nil || p == nil {
		return true
	}
	cu := e.customer(p.Customer)
	return a.Billable && p.Billable && (cu == nil || cu.Billable)
}

func (e *Emulator) createTimesheet(c *call) {
	if !can(c.user, "create_own_timesheet") {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	now := e.clock.Now()
	t := &Timesheet{User: c.user.ID, Timezone: c.user.Timezone, Begin: now.In(userLoc(c.user)),
		HourlyRate: c.user.HourlyRate, Tags: []string{}, BillableMode: "auto"}
	f := e.timesheetForm(c.user, data, t, true)
	if !f.valid() {
		c.invalid(f)
		return
	}
	e.finish(t, c.user, true, now)
	if !f.submitted("hourlyRate") && !f.submitted("fixedRate") {
		e.applyEntityRate(t)
	}
	t.ID = e.newID("timesheet")
	e.timesheets = append(e.timesheets, t)
	if t.End == nil {
		e.stopRunning(t.User, t.ID, now)
	}
	kind := tsEntity
	if _, full := c.r.URL.Query()["full"]; full {
		kind = tsExpanded
	}
	c.reply(http.StatusOK, e.timesheetRep(c.user, t, kind))
}

// finish moves t into its owner's time zone (TimesheetService::fixTimezone) and computes it
// (BillableCalculator, duration and rates).
func (e *Emulator) finish(t *Timesheet, caller *User, isNew bool, now time.Time) {
	if owner := e.user(t.User); owner != nil {
		t.Timezone = owner.Timezone
		if isNew && owner.ID != caller.ID && t.HourlyRate == caller.HourlyRate {
			t.HourlyRate = owner.HourlyRate
		}
	}
	switch t.BillableMode {
	case "auto":
		t.Billable = e.autoBillable(t)
	case "yes":
		t.Billable = true
	case "no":
		t.Billable = false
	}
	e.recalc(t)
	t.Modified = now
}

func (e *Emulator) getTimesheet(c *call) {
	t := e.timesheet(c.ids[0])
	if t == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canTimesheet(c.user, "view", t) {
		c.fail(http.StatusForbidden)
		return
	}
	c.reply(http.StatusOK, e.timesheetRep(c.user, t, tsEntity))
}

func (e *Emulator) updateTimesheet(c *call) {
	t := e.timesheet(c.ids[0])
	if t == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canTimesheet(c.user, "edit", t) {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	work := *t
	work.Tags = append([]string{}, t.Tags...)
	f := e.timesheetForm(c.user, data, &work, false)
	if !f.valid() {
		c.invalid(f)
		return
	}
	now := e.clock.Now()
	e.finish(&work, c.user, false, now)
	*t = work
	c.reply(http.StatusOK, e.timesheetRep(c.user, t, tsEntity))
}

func (e *Emulator) deleteTimesheet(c *call) {
	t := e.timesheet(c.ids[0])
	if t == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canTimesheet(c.user, "delete", t) {
		c.fail(http.StatusForbidden)
		return
	}
	e.timesheets = remove(e.timesheets, func(x *Timesheet) bool { return x.ID == t.ID })
	c.noContent()
}

// serviceInvalid answers a TimesheetService validation failure (§4.2): code is the string "400"
// and only the violated paths are listed.
func (c *call) serviceInvalid(path, msg string) {
	c.status, c.code, c.out = http.StatusBadRequest, "400", msg
	writeJSON(c.w, http.StatusBadRequest, obj{{"code", "400"}, {"message", "There was a problem saving."},
		{"errors", obj{{"children", obj{{path, obj{{"errors", []string{msg}}}}}}}}})
}

func (e *Emulator) stopTimesheet(c *call) {
	t := e.timesheet(c.ids[0])
	if t == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canTimesheet(c.user, "stop", t) {
		c.fail(http.StatusForbidden)
		return
	}
	if t.End != nil {
		c.reply(http.StatusOK, e.timesheetRep(c.user, t, tsEntity))
		return
	}
	now := e.clock.Now()
	work := *t
	end := now
	work.End = &end
	e.recalc(&work)
	if lr := e.cfg.LongRunningMinutes; lr > 0 && work.Duration > lr*60 {
		c.serviceInvalid("duration", msgLongRunning(lr))
		return
	}
	work.Modified = now
	*t = work
	c.reply(http.StatusOK, e.timesheetRep(c.user, t, tsEntity))
}

func (e *Emulator) restartTimesheet(c *call) {
	src := e.timesheet(c.ids[0])
	if src == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canTimesheet(c.user, "start", src) {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	param := func(name string) string {
		if v, ok := data[name]; ok {
			return v.s
		}
		return c.r.URL.Query().Get(name)
	}
	now := e.clock.Now()
	loc := userLoc(c.user)
	begin := now.In(loc)
	// RequestParams with strict requirements: copy is "all", begin exactly Y-m-d\TH:i:s (no
	// offset), read in the caller's zone.
	if cp := param("copy"); cp != "" && cp != "all" {
		c.fail(http.StatusBadRequest)
		return
	}
	if s := param("begin"); s != "" {
		b, err := parseLocal(s, loc)
		if err != nil || !anchored(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`).MatchString(s) {
			c.fail(http.StatusBadRequest)
			return
		}
		begin = b
	}
	t := &Timesheet{User: c.user.ID, Project: src.Project, Activity: src.Activity, Timezone: c.user.Timezone,
		Begin: begin, HourlyRate: c.user.HourlyRate, Tags: []string{}, BillableMode: "auto"}
	t.Billable = e.autoBillable(t)
	if param("copy") == "all" {
		t.Description = src.Description
		t.Tags = append([]string{}, src.Tags...)
		t.Billable, t.BillableMode = src.Billable, src.BillableMode
	}
	e.recalc(t)
	t.Modified = now
	t.ID = e.newID("timesheet")
	e.timesheets = append(e.timesheets, t)
	e.stopRunning(t.User, t.ID, now)
	c.reply(http.StatusOK, e.timesheetRep(c.user, t, tsEntity))
}

// duplicateTimesheet clones a record (the export flag is reset).
func (e *Emulator) duplicateTimesheet(c *call) {
	src := e.timesheet(c.ids[0])
	if src == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canTimesheet(c.user, "duplicate", src) {
		c.fail(http.StatusForbidden)
		return
	}
	t := copyTimesheet(*src)
	t.Exported = false
	if lr := e.cfg.LongRunningMinutes; lr > 0 && t.Duration > lr*60 {
		c.serviceInvalid("duration", msgLongRunning(lr))
		return
	}
	// TimesheetService::validateTimesheet: the copy (no id yet) always overlaps its original.
	t.ID = 0
	if e.cfg.ForbidOverlapping && t.End != nil && e.overlaps(&t) {
		c.serviceInvalid("begin_date", msgOverlapping)
		return
	}
	t.ID = e.newID("timesheet")
	t.Modified = e.clock.Now()
	e.timesheets = append(e.timesheets, &t)
	c.reply(http.StatusOK, e.timesheetRep(c.user, &t, tsEntity))
}

// exportTimesheet toggles the export flag; un-exporting needs edit_exported_timesheet.
func (e *Emulator) exportTimesheet(c *call) {
	t := e.timesheet(c.ids[0])
	if t == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !e.canTimesheet(c.user, "edit_export", t) || (t.Exported && !can(c.user, "edit_exported_timesheet")) {
		c.fail(http.StatusForbidden)
		return
	}
	t.Exported = !t.Exported
	t.Modified = e.clock.Now()
	c.reply(http.StatusOK, e.timesheetRep(c.user, t, tsEntity))
}

func (e *Emulator) metaTimesheet(c *call) {
	t := e.timesheet(c.ids[0])
	name, val, ok := e.meta(c, t != nil, t != nil && e.canTimesheet(c.user, "edit", t),
		func(n string) bool { return slices.Contains(e.cfg.TimesheetMetaFields, n) })
	if !ok {
		return
	}
	// TimesheetController::metaAction: setValue on the field the definition event added, saved,
	// answered as the entity.
	i := slices.IndexFunc(t.Meta, func(m MetaField) bool { return m.Name == name })
	if i < 0 {
		t.Meta = append(t.Meta, MetaField{Name: name})
		i = len(t.Meta) - 1
	}
	t.Meta[i].Value = val
	t.Modified = e.clock.Now()
	c.reply(http.StatusOK, e.timesheetRep(c.user, t, tsEntity))
}

func (e *Emulator) activeTimesheets(c *call) {
	out := []any{}
	for _, t := range e.timesheets {
		if t.User == c.user.ID && t.End == nil {
			out = append(out, e.timesheetRep(c.user, t, tsExpanded).without("fixedRate", "hourlyRate"))
		}
	}
	c.reply(http.StatusOK, out)
}

func (e *Emulator) recentTimesheets(c *call) {
	q := &query{c: c}
	beginS := q.get("begin", `\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?`)
	size := q.get("size", `\d+`)
	if q.bad {
		c.fail(http.StatusBadRequest)
		return
	}
	since, err := parseFilter(beginS, userLoc(c.user))
	if err != nil {
		c.fail(http.StatusBadRequest)
		return
	}
	if since.IsZero() {
		since = e.clock.Now().AddDate(-1, 0, 0)
	}
	limit := 10
	if size != "" {
		limit = atoi(size)
	}
	var list []*Timesheet
	for _, t := range e.timesheets {
		if t.User == c.user.ID && !t.Begin.Before(since) {
			list = append(list, t)
		}
	}
	sortBy(list, true, func(a, b *Timesheet) int {
		if d := a.Begin.Compare(b.Begin); d != 0 {
			return d
		}
		return cmpInt(a.ID, b.ID)
	})
	seen := map[[2]int]bool{}
	out := []any{}
	for _, t := range list {
		k := [2]int{t.Project, t.Activity}
		if seen[k] || len(out) >= limit {
			continue
		}
		seen[k] = true
		out = append(out, e.timesheetRep(c.user, t, tsExpanded).without("fixedRate", "hourlyRate"))
	}
	c.reply(http.StatusOK, out)
}

// listTimesheets is GET /api/timesheets, the only paginated collection.
func (e *Emulator) listTimesheets(c *call) {
	q := &query{c: c}
	userP := q.get("user", `\d+|all`)
	users := q.list("users", `\d+`)
	customer := q.get("customer", `\d+`)
	customers := q.list("customers", `\d+`)
	project := q.get("project", `\d+`)
	projects := q.list("projects", `\d+`)
	activity := q.get("activity", `\d+`)
	activities := q.list("activities", `\d+`)
	page := q.get("page", `\d+`)
	size := q.get("size", `\d+`)
	tags := q.list("tags", "")
	orderBy := q.get("orderBy", "id|begin|end|rate")
	order := q.get("order", "ASC|DESC")
	const dt = `\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`
	beginS := q.get("begin", dt)
	endS := q.get("end", dt)
	exported := q.get("exported", "0|1")
	active := q.get("active", "0|1")
	billable := q.get("billable", "0|1")
	full := q.get("full", "0|1|true|false")
	term := q.get("term", "")
	modifiedAfter := q.get("modified_after", dt)
	if q.bad {
		c.fail(http.StatusBadRequest)
		return
	}

	// Whose records (TimesheetController::cgetAction and TimesheetRepository): the caller's,
	// unless view_other_timesheet allows users the caller may access (403 otherwise) or "all"
	// (everyone for admins; the caller and the members of the teams they lead for teamleads).
	owners := map[int]bool{c.user.ID: true}
	if can(c.user, "view_other_timesheet") {
		if userP == "all" {
			owners = nil
			if !seeAll(c.user) {
				owners = map[int]bool{c.user.ID: true}
				for _, t := range e.teams {
					if memberOf(t, c.user.ID, true) {
						for _, m := range t.Members {
							owners[m.User] = true
						}
					}
				}
			}
		} else {
			if userP != "" {
				users = append(users, userP)
			}
			explicit := map[int]bool{}
			for _, s := range users {
				u := e.user(atoi(s))
				if u == nil {
					continue
				}
				if !e.checkUserAccess(c.user, u) {
					c.fail(http.StatusForbidden)
					c.out = "Cannot access user"
					return
				}
				explicit[u.ID] = true
			}
			if len(explicit) > 0 {
				owners = explicit
			}
		}
	}
	// Filters by customer, project and activity: unknown ids are silently ignored, ids the caller
	// has no team access to are 403.
	idSet := func(single string, list []string, exists func(int) (bool, bool)) (map[int]bool, bool) {
		if single != "" {
			list = append(list, single)
		}
		m := map[int]bool{}
		for _, s := range list {
			id := atoi(s)
			ok, allowed := exists(id)
			if !ok {
				continue
			}
			if !allowed {
				c.fail(http.StatusForbidden)
				return nil, false
			}
			m[id] = true
		}
		return m, true
	}
	custF, ok1 := idSet(customer, customers, func(id int) (bool, bool) {
		x := e.customer(id)
		return x != nil, x != nil && e.customerAccessible(c.user, x)
	})
	if !ok1 {
		return
	}
	projF, ok2 := idSet(project, projects, func(id int) (bool, bool) {
		x := e.project(id)
		return x != nil, x != nil && e.projectAccessible(c.user, x)
	})
	if !ok2 {
		return
	}
	actF, ok3 := idSet(activity, activities, func(id int) (bool, bool) {
		x := e.activity(id)
		return x != nil, x != nil && e.activityAccessible(c.user, x)
	})
	if !ok3 {
		return
	}
	var tagF []string
	if len(tags) > 0 {
		for _, n := range tags {
			for _, tg := range e.tags {
				if tg.Name == n {
					tagF = append(tagF, n)
				}
			}
		}
		if len(tagF) == 0 {
			c.fail(http.StatusBadRequest)
			c.out = "unknown tags"
			return
		}
	}
	// The filters are read in the caller's zone (getDateTimeFactory), modified_after in UTC; a
	// date the DateTime constraint refuses (2026-02-30) is a 400.
	loc := userLoc(c.user)
	from, err1 := parseFilter(beginS, loc)
	to, err2 := parseFilter(endS, loc)
	modAfter, err3 := parseFilter(modifiedAfter, time.UTC)
	if err1 != nil || err2 != nil || err3 != nil {
		c.fail(http.StatusBadRequest)
		return
	}

	var list []*Timesheet
	for _, t := range e.timesheets {
		if owners != nil && !owners[t.User] {
			continue
		}
		p, a := e.project(t.Project), e.activity(t.Activity)
		if !seeAll(c.user) && (p == nil || a == nil || !e.projectAccessible(c.user, p) || !e.activityAccessible(c.user, a)) {
			continue // the repository's team permission criteria
		}
		if len(custF) > 0 && (p == nil || !custF[p.Customer]) {
			continue
		}
		if len(projF) > 0 && !projF[t.Project] {
			continue
		}
		if len(actF) > 0 && !actF[t.Activity] {
			continue
		}
		if len(tagF) > 0 && !anyTag(t.Tags, tagF) {
			continue
		}
		if !from.IsZero() && t.Begin.Before(from) {
			continue
		}
		if !to.IsZero() && t.Begin.After(to) {
			continue
		}
		if exported != "" && t.Exported != (exported == "1") {
			continue
		}
		if active != "" && (t.End == nil) != (active == "1") {
			continue
		}
		if billable != "" && t.Billable != (billable == "1") {
			continue
		}
		if !modAfter.IsZero() && t.Modified.Before(modAfter) { // t.modifiedAt >= :modified_at
			continue
		}
		if !termMatchMeta(term, t.Meta, t.Description) {
			continue
		}
		list = append(list, t)
	}
	desc := order != "ASC"
	sortBy(list, desc, func(a, b *Timesheet) int {
		var d int
		switch orderBy {
		case "id":
		case "end":
			d = endOf(a).Compare(endOf(b))
		case "rate":
			d = cmpFloat(a.Rate, b.Rate)
		default:
			d = a.Begin.Compare(b.Begin)
		}
		if d != 0 {
			return d
		}
		return cmpInt(a.ID, b.ID) // tie-breaker in the same direction (kimai/kimai#4881)
	})

	lo, hi, ok := c.paginate(len(list), page, size)
	if !ok {
		return
	}
	kind := tsCollection
	if full == "1" || full == "true" {
		kind = tsCollectionFull
	}
	out := []any{}
	for _, t := range list[lo:hi] {
		out = append(out, e.timesheetRep(c.user, t, kind))
	}
	c.reply(http.StatusOK, out)
}

// parseFilter reads a Y-m-d\TH:i:s query filter in loc; "" is the zero time.
func parseFilter(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseLocal(s, loc)
}

func anyTag(have, want []string) bool {
	for _, w := range want {
		if containsStr(have, w) {
			return true
		}
	}
	return false
}

func endOf(t *Timesheet) time.Time {
	if t.End == nil {
		return time.Time{}
	}
	return *t.End
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
