package kimai

import (
	"fmt"
	"slices"
)

// Snapshot accessors: each returns copies, in creation order, taken under the emulator's lock.

func copyAll[T any](items []*T, cp func(T) T) []T {
	out := make([]T, 0, len(items))
	for _, x := range items {
		out = append(out, cp(*x))
	}
	return out
}

func same[T any](x T) T { return x }

func copyUser(u User) User {
	u.Roles = append([]string(nil), u.Roles...)
	u.Tokens = append([]Token(nil), u.Tokens...)
	return u
}

func copyTeam(t Team) Team {
	t.Members = append([]Member(nil), t.Members...)
	t.Customers = append([]int(nil), t.Customers...)
	t.Projects = append([]int(nil), t.Projects...)
	t.Activities = append([]int(nil), t.Activities...)
	return t
}

func copyTimesheet(t Timesheet) Timesheet {
	t.Tags = append([]string{}, t.Tags...)
	t.Meta = slices.Clone(t.Meta)
	if t.End != nil {
		end := *t.End
		t.End = &end
	}
	if t.FixedRate != nil {
		r := *t.FixedRate
		t.FixedRate = &r
	}
	return t
}

// Users returns every user, credentials included.
func (e *Emulator) Users() []User {
	e.mu.Lock()
	defer e.mu.Unlock()
	return copyAll(e.users, copyUser)
}

// Teams returns every team.
func (e *Emulator) Teams() []Team {
	e.mu.Lock()
	defer e.mu.Unlock()
	return copyAll(e.teams, copyTeam)
}

// Customers returns every customer.
func (e *Emulator) Customers() []Customer {
	e.mu.Lock()
	defer e.mu.Unlock()
	return copyAll(e.customers, same[Customer])
}

// Projects returns every project.
func (e *Emulator) Projects() []Project {
	e.mu.Lock()
	defer e.mu.Unlock()
	return copyAll(e.projects, same[Project])
}

// Activities returns every activity.
func (e *Emulator) Activities() []Activity {
	e.mu.Lock()
	defer e.mu.Unlock()
	return copyAll(e.activities, same[Activity])
}

// Timesheets returns every timesheet; Begin and End are in the record's time zone.
func (e *Emulator) Timesheets() []Timesheet {
	e.mu.Lock()
	defer e.mu.Unlock()
	return copyAll(e.timesheets, copyTimesheet)
}

// Tags returns every tag.
func (e *Emulator) Tags() []Tag {
	e.mu.Lock()
	defer e.mu.Unlock()
	return copyAll(e.tags, same[Tag])
}

// Snapshot returns the whole state as a fixture (it can seed another emulator).
func (e *Emulator) Snapshot() *Fixture {
	e.mu.Lock()
	defer e.mu.Unlock()
	return &Fixture{Name: "snapshot", Config: e.cfg, Users: copyAll(e.users, copyUser),
		Teams: copyAll(e.teams, copyTeam), Customers: copyAll(e.customers, same[Customer]),
		Projects: copyAll(e.projects, same[Project]), Activities: copyAll(e.activities, same[Activity]),
		Tags: copyAll(e.tags, same[Tag]), Timesheets: copyAll(e.timesheets, copyTimesheet),
		Invoices: copyAll(e.invoices, copyInvoice)}
}

// Config returns the system configuration in effect.
func (e *Emulator) Config() Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cfg
}

// SetConfig replaces the system configuration (tracking mode, long-running limit, defaults), as
// an administrator would in Kimai's settings; lockdown phrases the emulator cannot read are
// refused (and nothing changes).
func (e *Emulator) SetConfig(cfg Config) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := checkLockdown(cfg.Lockdown, e.clock.Now()); err != nil {
		return fmt.Errorf("kimai: %w", err)
	}
	if cfg.DefaultTimezone == "" {
		cfg.DefaultTimezone = "UTC"
	}
	e.cfg = cfg
	return nil
}

// UpdateUser changes a user in place (time zone, enabled, roles, tokens, ...).
func (e *Emulator) UpdateUser(id int, fn func(*User)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.user(id)
	if u == nil {
		return fmt.Errorf("kimai: no user %d", id)
	}
	work := copyUser(*u)
	fn(&work)
	if !validTimezone(work.Timezone) {
		return fmt.Errorf("kimai: user %d: bad timezone %q", id, work.Timezone)
	}
	work.ID = id
	*u = work
	return nil
}

// UpdateCustomer changes a customer in place.
func (e *Emulator) UpdateCustomer(id int, fn func(*Customer)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customer(id)
	if c == nil {
		return fmt.Errorf("kimai: no customer %d", id)
	}
	fn(c)
	c.ID = id
	return nil
}

// UpdateProject changes a project in place.
func (e *Emulator) UpdateProject(id int, fn func(*Project)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.project(id)
	if p == nil {
		return fmt.Errorf("kimai: no project %d", id)
	}
	fn(p)
	p.ID = id
	return nil
}

// UpdateActivity changes an activity in place.
func (e *Emulator) UpdateActivity(id int, fn func(*Activity)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.activity(id)
	if a == nil {
		return fmt.Errorf("kimai: no activity %d", id)
	}
	fn(a)
	a.ID = id
	return nil
}

// AddUser stores u (an ID of 0 is assigned) and returns it.
func (e *Emulator) AddUser(u User) (User, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !validTimezone(u.Timezone) {
		return User{}, fmt.Errorf("kimai: user %q: bad timezone %q", u.Username, u.Timezone)
	}
	if u.ID == 0 {
		u.ID = e.newID("user")
	} else if e.user(u.ID) != nil {
		return User{}, fmt.Errorf("kimai: user %d exists", u.ID)
	}
	e.bump("user", u.ID)
	x := copyUser(u)
	e.users = append(e.users, &x)
	return copyUser(x), nil
}

// AddTeam stores t (an ID of 0 is assigned) and returns it.
func (e *Emulator) AddTeam(t Team) Team {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.ID == 0 || e.team(t.ID) != nil {
		t.ID = e.newID("team")
	}
	e.bump("team", t.ID)
	x := copyTeam(t)
	e.teams = append(e.teams, &x)
	return copyTeam(x)
}

// AddCustomer stores c (an ID of 0 is assigned) and returns it.
func (e *Emulator) AddCustomer(c Customer) Customer {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c.ID == 0 || e.customer(c.ID) != nil {
		c.ID = e.newID("customer")
	}
	e.bump("customer", c.ID)
	e.customers = append(e.customers, &c)
	return c
}

// AddProject stores p (an ID of 0 is assigned) and returns it.
func (e *Emulator) AddProject(p Project) (Project, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.customer(p.Customer) == nil {
		return Project{}, fmt.Errorf("kimai: project %q: no customer %d", p.Name, p.Customer)
	}
	if p.ID == 0 || e.project(p.ID) != nil {
		p.ID = e.newID("project")
	}
	e.bump("project", p.ID)
	e.projects = append(e.projects, &p)
	return p, nil
}

// AddActivity stores a (an ID of 0 is assigned) and returns it.
func (e *Emulator) AddActivity(a Activity) (Activity, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a.Project != 0 && e.project(a.Project) == nil {
		return Activity{}, fmt.Errorf("kimai: activity %q: no project %d", a.Name, a.Project)
	}
	if a.ID == 0 || e.activity(a.ID) != nil {
		a.ID = e.newID("activity")
	}
	e.bump("activity", a.ID)
	e.activities = append(e.activities, &a)
	return a, nil
}

// AddTag stores t (an ID of 0 is assigned) and returns it.
func (e *Emulator) AddTag(t Tag) Tag {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.ID == 0 || e.tag(t.ID) != nil {
		t.ID = e.newID("tag")
	}
	e.bump("tag", t.ID)
	e.tags = append(e.tags, &t)
	return t
}

// AddTimesheet stores a record directly (no API validation, no auto-stop): an ID of 0 is
// assigned, an empty Timezone becomes the owner's, and rounding, duration and rate are computed
// as Kimai does on save.
func (e *Emulator) AddTimesheet(t Timesheet) (Timesheet, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	owner := e.user(t.User)
	if owner == nil {
		return Timesheet{}, fmt.Errorf("kimai: timesheet: no user %d", t.User)
	}
	if e.project(t.Project) == nil || e.activity(t.Activity) == nil {
		return Timesheet{}, fmt.Errorf("kimai: timesheet: no project %d or activity %d", t.Project, t.Activity)
	}
	if t.Timezone == "" {
		t.Timezone = owner.Timezone
	}
	if !validTimezone(t.Timezone) {
		return Timesheet{}, fmt.Errorf("kimai: timesheet: bad timezone %q", t.Timezone)
	}
	if t.ID == 0 || e.timesheet(t.ID) != nil {
		t.ID = e.newID("timesheet")
	}
	e.bump("timesheet", t.ID)
	x := copyTimesheet(t)
	if x.HourlyRate == 0 {
		x.HourlyRate = owner.HourlyRate
	}
	e.recalc(&x)
	if x.Modified.IsZero() {
		x.Modified = e.clock.Now()
	}
	e.timesheets = append(e.timesheets, &x)
	return copyTimesheet(x), nil
}
