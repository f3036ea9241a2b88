// Package kimai emulates the REST API of Kimai 2.66.0 (self-hosted time tracking) as an
// http.Handler: Bearer and legacy X-AUTH authentication, roles and team-scoped visibility,
// customers, projects, activities, timesheets, users, teams and tags, Symfony-form validation
// with FOSRest's nested error bodies, paging headers, fault injection and a request journal.
//
// It is written from /work/shared/research/kimai-api.md and Kimai's own API tests, never from
// specpipe's generated client.
package kimai

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // user and record time zones must resolve on every machine

	"github.com/specpipe/specpipe/internal/emulator/emukit"
)

// Version is the Kimai release the emulator imitates.
const (
	Version   = "2.66.0"
	VersionID = 26600
)

// Options configure an Emulator.
type Options struct {
	Clock   emukit.Clock // nil: emukit.SystemClock{}
	Fixture *Fixture     // nil: DefaultFixture()
}

// Emulator is a stateful Kimai API. It is safe for concurrent use.
type Emulator struct {
	Journal *emukit.Journal // every request, credentials never stored
	Faults  *emukit.Faults  // fault injection, settable from tests

	clock   emukit.Clock
	handler http.Handler

	mu         sync.Mutex
	cfg        Config
	users      []*User
	teams      []*Team
	customers  []*Customer
	projects   []*Project
	activities []*Activity
	timesheets []*Timesheet
	tags       []*Tag
	nextID     map[string]int
	failedAuth map[string][]time.Time // legacy X-AUTH failures per client IP
}

// New returns an emulator seeded with opts.Fixture (copied; the caller's value is not changed).
func New(opts Options) (*Emulator, error) {
	fx := opts.Fixture
	if fx == nil {
		var err error
		if fx, err = DefaultFixture(); err != nil {
			return nil, err
		}
	}
	if err := checkFixture(fx); err != nil {
		return nil, fmt.Errorf("kimai: fixture %q: %w", fx.Name, err)
	}
	fx = fx.clone()
	e := &Emulator{Journal: &emukit.Journal{}, Faults: &emukit.Faults{}, clock: opts.Clock,
		cfg: fx.Config, nextID: map[string]int{}, failedAuth: map[string][]time.Time{}}
	if e.clock == nil {
		e.clock = emukit.SystemClock{}
	}
	if e.cfg.DefaultTimezone == "" {
		e.cfg.DefaultTimezone = "UTC"
	}
	for i := range fx.Users {
		if _, err := time.LoadLocation(fx.Users[i].Timezone); err != nil || fx.Users[i].Timezone == "" {
			return nil, fmt.Errorf("kimai: fixture user %q: bad timezone %q", fx.Users[i].Username, fx.Users[i].Timezone)
		}
		e.users = append(e.users, &fx.Users[i])
		e.bump("user", fx.Users[i].ID)
	}
	for i := range fx.Teams {
		e.teams = append(e.teams, &fx.Teams[i])
		e.bump("team", fx.Teams[i].ID)
	}
	for i := range fx.Customers {
		e.customers = append(e.customers, &fx.Customers[i])
		e.bump("customer", fx.Customers[i].ID)
	}
	for i := range fx.Projects {
		e.projects = append(e.projects, &fx.Projects[i])
		e.bump("project", fx.Projects[i].ID)
	}
	for i := range fx.Activities {
		e.activities = append(e.activities, &fx.Activities[i])
		e.bump("activity", fx.Activities[i].ID)
	}
	for i := range fx.Tags {
		e.tags = append(e.tags, &fx.Tags[i])
		e.bump("tag", fx.Tags[i].ID)
	}
	for i := range fx.Timesheets {
		t := &fx.Timesheets[i]
		loc, err := time.LoadLocation(t.Timezone)
		if err != nil {
			return nil, fmt.Errorf("kimai: fixture timesheet %d: bad timezone %q", t.ID, t.Timezone)
		}
		t.Begin = t.Begin.In(loc)
		if t.End != nil {
			end := t.End.In(loc)
			t.End = &end
		}
		e.timesheets = append(e.timesheets, t)
		e.bump("timesheet", t.ID)
	}
	mw := emukit.Middleware{Faults: e.Faults, Journal: e.Journal, Clock: e.clock,
		RateLimit: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusTooManyRequests, obj{{"code", 429}, {"message", "Too Many Requests"}})
		}}
	e.handler = mw.Wrap(http.HandlerFunc(e.serve))
	return e, nil
}

func (e *Emulator) bump(kind string, id int) {
	if id >= e.nextID[kind] {
		e.nextID[kind] = id + 1
	}
}

func (e *Emulator) newID(kind string) int {
	id := e.nextID[kind]
	if id == 0 {
		id = 1
	}
	e.nextID[kind] = id + 1
	return id
}

// ServeHTTP answers one API request, with faults applied in front.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.handler.ServeHTTP(w, r) }

// call is one request as it travels through the emulator.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	ids    []int // numeric path parameters, in order
	user   *User
	params map[string]string // journaled parameters
	status int
	code   string
	out    string
}

type handlerFunc func(e *Emulator, c *call)

type route struct {
	method string
	parts  []string // "{id}" matches \d+
	h      handlerFunc
	anon   bool // no authentication (none in Kimai's API; kept for clarity)
}

var idPattern = regexp.MustCompile(`^\d+$`)

func (rt route) match(segs []string) ([]int, bool) {
	if len(segs) != len(rt.parts) {
		return nil, false
	}
	var ids []int
	for i, p := range rt.parts {
		if p == "{id}" {
			if !idPattern.MatchString(segs[i]) {
				return nil, false
			}
			n, err := strconv.ParseInt(segs[i], 10, 64)
			if err != nil || n > 1<<31 {
				n = -1 // a valid route, but no entity can have this id
			}
			ids = append(ids, int(n))
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return ids, true
}

func r(method, path string, h handlerFunc) route {
	return route{method: method, parts: strings.Split(strings.Trim(path, "/"), "/"), h: h}
}

var routes = []route{
	r("GET", "/api/ping", (*Emulator).ping),
	r("GET", "/api/version", (*Emulator).version),
	r("GET", "/api/config/timesheet", (*Emulator).timesheetConfig),
	r("GET", "/api/config/colors", (*Emulator).colors),

	r("GET", "/api/customers", (*Emulator).listCustomers),
	r("POST", "/api/customers", (*Emulator).createCustomer),
	r("GET", "/api/customers/{id}", (*Emulator).getCustomer),
	r("PATCH", "/api/customers/{id}", (*Emulator).updateCustomer),
	r("DELETE", "/api/customers/{id}", (*Emulator).deleteCustomer),
	r("PATCH", "/api/customers/{id}/meta", (*Emulator).metaCustomer),
	r("POST", "/api/customers/{id}/team", (*Emulator).gone),

	r("GET", "/api/projects", (*Emulator).listProjects),
	r("POST", "/api/projects", (*Emulator).createProject),
	r("GET", "/api/projects/{id}", (*Emulator).getProject),
	r("PATCH", "/api/projects/{id}", (*Emulator).updateProject),
	r("DELETE", "/api/projects/{id}", (*Emulator).deleteProject),
	r("PATCH", "/api/projects/{id}/meta", (*Emulator).metaProject),
	r("POST", "/api/projects/{id}/team", (*Emulator).gone),

	r("GET", "/api/activities", (*Emulator).listActivities),
	r("POST", "/api/activities", (*Emulator).createActivity),
	r("GET", "/api/activities/{id}", (*Emulator).getActivity),
	r("PATCH", "/api/activities/{id}", (*Emulator).updateActivity),
	r("DELETE", "/api/activities/{id}", (*Emulator).deleteActivity),
	r("PATCH", "/api/activities/{id}/meta", (*Emulator).metaActivity),
	r("POST", "/api/activities/{id}/team", (*Emulator).gone),

	r("GET", "/api/timesheets", (*Emulator).listTimesheets),
	r("POST", "/api/timesheets", (*Emulator).createTimesheet),
	r("GET", "/api/timesheets/recent", (*Emulator).recentTimesheets),
	r("GET", "/api/timesheets/active", (*Emulator).activeTimesheets),
	r("GET", "/api/timesheets/{id}", (*Emulator).getTimesheet),
	r("PATCH", "/api/timesheets/{id}", (*Emulator).updateTimesheet),
	r("DELETE", "/api/timesheets/{id}", (*Emulator).deleteTimesheet),
	r("PATCH", "/api/timesheets/{id}/stop", (*Emulator).stopTimesheet),
	r("PATCH", "/api/timesheets/{id}/restart", (*Emulator).restartTimesheet),
	r("PATCH", "/api/timesheets/{id}/meta", (*Emulator).metaTimesheet),

	r("GET", "/api/users", (*Emulator).listUsers),
	r("POST", "/api/users", (*Emulator).createUser),
	r("GET", "/api/users/me", (*Emulator).me),
	r("GET", "/api/users/{id}", (*Emulator).getUser),

	r("GET", "/api/teams", (*Emulator).listTeams),
	r("POST", "/api/teams", (*Emulator).createTeam),
	r("GET", "/api/teams/{id}", (*Emulator).getTeam),
	r("PATCH", "/api/teams/{id}", (*Emulator).updateTeam),
	r("DELETE", "/api/teams/{id}", (*Emulator).deleteTeam),
	r("POST", "/api/teams/{id}/members/{id}", (*Emulator).addMember),
	r("DELETE", "/api/teams/{id}/members/{id}", (*Emulator).removeMember),
	r("POST", "/api/teams/{id}/customers/{id}", teamLink("customer", true)),
	r("DELETE", "/api/teams/{id}/customers/{id}", teamLink("customer", false)),
	r("POST", "/api/teams/{id}/projects/{id}", teamLink("project", true)),
	r("DELETE", "/api/teams/{id}/projects/{id}", teamLink("project", false)),
	r("POST", "/api/teams/{id}/activities/{id}", teamLink("activity", true)),
	r("DELETE", "/api/teams/{id}/activities/{id}", teamLink("activity", false)),

	r("GET", "/api/tags", (*Emulator).listTagNames),
	r("POST", "/api/tags", (*Emulator).createTag),
	r("GET", "/api/tags/find", (*Emulator).findTags),
	r("DELETE", "/api/tags/{id}", (*Emulator).deleteTag),
}

// serve routes, authenticates and journals one request. Routing comes before authentication, as
// in Symfony: an unknown path is 404 and a wrong method 405 even without credentials.
func (e *Emulator) serve(w http.ResponseWriter, req *http.Request) {
	c := &call{w: w, r: req, params: map[string]string{}}
	for k, v := range req.URL.Query() {
		c.params[k] = strings.Join(v, ",")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	defer e.journal(c)

	segs := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	var found *route
	var allowed []string
	for i := range routes {
		ids, ok := routes[i].match(segs)
		if !ok {
			continue
		}
		if routes[i].method == req.Method || (req.Method == http.MethodHead && routes[i].method == http.MethodGet) {
			found = &routes[i]
			c.ids = ids
			break
		}
		allowed = append(allowed, routes[i].method)
	}
	if found == nil {
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			c.fail(http.StatusMethodNotAllowed)
			return
		}
		c.fail(http.StatusNotFound)
		return
	}
	if !e.authenticate(c) {
		return
	}
	found.h(e, c)
}

func (e *Emulator) journal(c *call) {
	ident := ""
	if c.user != nil {
		ident = c.user.Username
	}
	out := c.out
	if out == "" {
		out = "ok"
		if c.status >= 400 {
			out = http.StatusText(c.status)
		}
	}
	e.Journal.Add(emukit.Entry{Time: e.clock.Now(), Method: c.r.Method, Path: c.r.URL.Path, Params: c.params,
		Identity: ident, Status: c.status, Code: c.code, Outcome: out}, secretParams...)
}

// secretParams are body parameters masked in the journal. Authorization and X-AUTH-TOKEN are
// headers, which are never journaled at all.
var secretParams = []string{"plainPassword", "plainApiToken", "password", "apiToken", "token"}

var bearerPattern = regexp.MustCompile(`^Bearer\s+([a-zA-Z0-9\-_+~/.]+=*)$`)

// authenticate finds the caller; on failure it has answered the request and returns false.
func (e *Emulator) authenticate(c *call) bool {
	now := e.clock.Now()
	if auth := c.r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		if m := bearerPattern.FindStringSubmatch(auth); m != nil {
			u := e.userByToken(m[1], now)
			desc := "Invalid credentials."
			if u != nil && !u.Enabled {
				desc, u = "Account is disabled.", nil
			}
			if u == nil {
				c.w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token",error_description="`+desc+`"`)
				c.status, c.code, c.out = http.StatusUnauthorized, "401", desc
				c.w.WriteHeader(http.StatusUnauthorized)
				return false
			}
			c.user = u
			return true
		}
	}
	xu, hasU := c.r.Header["X-Auth-User"]
	xt, hasT := c.r.Header["X-Auth-Token"]
	if hasU || hasT {
		return e.legacyAuth(c, first(xu), first(xt), now)
	}
	c.fail(http.StatusUnauthorized)
	return false
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func (e *Emulator) userByToken(tok string, now time.Time) *User {
	for _, u := range e.users {
		for _, t := range u.Tokens {
			if t.Token == tok && (t.Expires.IsZero() || now.Before(t.Expires)) {
				return u
			}
		}
	}
	return nil
}

// legacyAuth implements the deprecated X-AUTH-USER / X-AUTH-TOKEN authenticator: 403 with a body
// without "code", and 400 after more than 5 failures a minute from one client address.
func (e *Emulator) legacyAuth(c *call, name, password string, now time.Time) bool {
	deny := func(status int, body obj, why string) bool {
		c.status, c.code, c.out = status, strconv.Itoa(status), why
		writeJSON(c.w, status, body)
		return false
	}
	ip, _, err := net.SplitHostPort(c.r.RemoteAddr)
	if err != nil {
		ip = c.r.RemoteAddr
	}
	var recent []time.Time
	for _, t := range e.failedAuth[ip] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	e.failedAuth[ip] = recent
	if len(recent) >= 5 {
		return deny(http.StatusBadRequest, errBody(http.StatusBadRequest), "Too many API requests with invalid username.")
	}
	if name == "" {
		return deny(http.StatusForbidden, obj{{"message", "Authentication required, missing user header: X-AUTH-USER"}}, "missing X-AUTH-USER")
	}
	if password == "" {
		return deny(http.StatusForbidden, obj{{"message", "Authentication required, missing token header: X-AUTH-TOKEN"}}, "missing X-AUTH-TOKEN")
	}
	var u *User
	for _, x := range e.users {
		if x.Username == name || (x.Email != "" && x.Email == name) {
			u = x
			break
		}
	}
	// The password is compared verbatim: Kimai does not URL-decode the header.
	if u == nil || u.APIPassword == "" || u.APIPassword != password || !u.Enabled {
		e.failedAuth[ip] = append(e.failedAuth[ip], now)
		return deny(http.StatusForbidden, obj{{"message", "Invalid credentials"}}, "Invalid credentials")
	}
	c.user = u
	return true
}
