package kimai

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
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
	// LegacyAuthDelay is added to every request authenticated with X-AUTH-USER/X-AUTH-TOKEN
	// (Kimai 2.54+ sleeps 200–500 ms there). Zero: no delay.
	LegacyAuthDelay time.Duration
}

// Emulator is a stateful Kimai API. It is safe for concurrent use.
type Emulator struct {
	Journal *emukit.Journal // every request, credentials never stored
	Faults  *emukit.Faults  // fault injection, settable from tests

	clock       emukit.Clock
	handler     http.Handler
	legacyDelay time.Duration

	mu         sync.Mutex
	cfg        Config
	users      []*User
	teams      []*Team
	customers  []*Customer
	projects   []*Project
	activities []*Activity
	timesheets []*Timesheet
	tags       []*Tag
	invoices   []*Invoice
	rates      []*Rate
	comments   []*Comment
	favorites  map[int][]int // user → favourite timesheet ids
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
	e := &Emulator{Journal: &emukit.Journal{}, Faults: &emukit.Faults{}, clock: opts.Clock, legacyDelay: opts.LegacyAuthDelay,
		cfg: fx.Config, nextID: map[string]int{}, failedAuth: map[string][]time.Time{}, favorites: map[int][]int{}}
	if e.clock == nil {
		e.clock = emukit.SystemClock{}
	}
	if e.cfg.DefaultTimezone == "" {
		e.cfg.DefaultTimezone = "UTC"
	}
	if err := checkLockdown(e.cfg.Lockdown, e.clock.Now()); err != nil {
		return nil, fmt.Errorf("kimai: fixture %q: %w", fx.Name, err)
	}
	for i := range fx.Users {
		if _, err := time.LoadLocation(fx.Users[i].Timezone); err != nil || fx.Users[i].Timezone == "" {
			return nil, fmt.Errorf("kimai: fixture user %q: bad timezone %q", fx.Users[i].Username, fx.Users[i].Timezone)
		}
		e.users = append(e.users, &fx.Users[i])
		e.bump("user", fx.Users[i].ID)
	}
	for _, u := range e.users { // access tokens get ids (DELETE /api/users/api-token/{id})
		for i := range u.Tokens {
			e.bump("token", u.Tokens[i].ID)
		}
	}
	for _, u := range e.users {
		for i := range u.Tokens {
			if u.Tokens[i].ID == 0 {
				u.Tokens[i].ID = e.newID("token")
			}
		}
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
	for i := range fx.Invoices {
		in := &fx.Invoices[i]
		if _, err := time.LoadLocation(in.Timezone); err != nil || in.Timezone == "" {
			return nil, fmt.Errorf("kimai: fixture invoice %d: bad timezone %q", in.ID, in.Timezone)
		}
		e.invoices = append(e.invoices, in)
		e.bump("invoice", in.ID)
	}
	mw := emukit.Middleware{Faults: e.Faults, Journal: e.Journal, Clock: e.clock, Secrets: secretParams,
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

func endpoint(method, path string, h handlerFunc) route {
	return route{method: method, parts: strings.Split(strings.Trim(path, "/"), "/"), h: h}
}

var routes = []route{
	endpoint("GET", "/api/ping", (*Emulator).ping),
	endpoint("GET", "/api/version", (*Emulator).version),
	endpoint("GET", "/api/config/timesheet", (*Emulator).timesheetConfig),
	endpoint("GET", "/api/config/colors", (*Emulator).colors),

	endpoint("GET", "/api/customers", (*Emulator).listCustomers),
	endpoint("POST", "/api/customers", (*Emulator).createCustomer),
	endpoint("GET", "/api/customers/{id}", (*Emulator).getCustomer),
	endpoint("PATCH", "/api/customers/{id}", (*Emulator).updateCustomer),
	endpoint("DELETE", "/api/customers/{id}", (*Emulator).deleteCustomer),
	endpoint("PATCH", "/api/customers/{id}/meta", (*Emulator).metaCustomer),
	endpoint("POST", "/api/customers/{id}/team", (*Emulator).gone),
	endpoint("GET", "/api/customers/{id}/rates", listRates("customer")),
	endpoint("POST", "/api/customers/{id}/rates", addRate("customer")),
	endpoint("DELETE", "/api/customers/{id}/rates/{id}", deleteRate("customer")),
	endpoint("GET", "/api/customers/{id}/comments", listComments("customer")),
	endpoint("POST", "/api/customers/{id}/comments", addComment("customer")),
	endpoint("PATCH", "/api/customers/{id}/comments/{id}/pin", pinComment("customer")),
	endpoint("DELETE", "/api/customers/{id}/comments/{id}", deleteComment("customer")),

	endpoint("GET", "/api/projects", (*Emulator).listProjects),
	endpoint("POST", "/api/projects", (*Emulator).createProject),
	endpoint("GET", "/api/projects/{id}", (*Emulator).getProject),
	endpoint("PATCH", "/api/projects/{id}", (*Emulator).updateProject),
	endpoint("DELETE", "/api/projects/{id}", (*Emulator).deleteProject),
	endpoint("PATCH", "/api/projects/{id}/meta", (*Emulator).metaProject),
	endpoint("POST", "/api/projects/{id}/team", (*Emulator).gone),
	endpoint("GET", "/api/projects/{id}/rates", listRates("project")),
	endpoint("POST", "/api/projects/{id}/rates", addRate("project")),
	endpoint("DELETE", "/api/projects/{id}/rates/{id}", deleteRate("project")),
	endpoint("GET", "/api/projects/{id}/comments", listComments("project")),
	endpoint("POST", "/api/projects/{id}/comments", addComment("project")),
	endpoint("PATCH", "/api/projects/{id}/comments/{id}/pin", pinComment("project")),
	endpoint("DELETE", "/api/projects/{id}/comments/{id}", deleteComment("project")),

	endpoint("GET", "/api/activities", (*Emulator).listActivities),
	endpoint("POST", "/api/activities", (*Emulator).createActivity),
	endpoint("GET", "/api/activities/{id}", (*Emulator).getActivity),
	endpoint("PATCH", "/api/activities/{id}", (*Emulator).updateActivity),
	endpoint("DELETE", "/api/activities/{id}", (*Emulator).deleteActivity),
	endpoint("PATCH", "/api/activities/{id}/meta", (*Emulator).metaActivity),
	endpoint("POST", "/api/activities/{id}/team", (*Emulator).gone),
	endpoint("GET", "/api/activities/{id}/rates", listRates("activity")),
	endpoint("POST", "/api/activities/{id}/rates", addRate("activity")),
	endpoint("DELETE", "/api/activities/{id}/rates/{id}", deleteRate("activity")),

	endpoint("GET", "/api/timesheets", (*Emulator).listTimesheets),
	endpoint("POST", "/api/timesheets", (*Emulator).createTimesheet),
	endpoint("GET", "/api/timesheets/recent", (*Emulator).recentTimesheets),
	endpoint("GET", "/api/timesheets/active", (*Emulator).activeTimesheets),
	endpoint("GET", "/api/timesheets/{id}", (*Emulator).getTimesheet),
	endpoint("PATCH", "/api/timesheets/{id}", (*Emulator).updateTimesheet),
	endpoint("DELETE", "/api/timesheets/{id}", (*Emulator).deleteTimesheet),
	endpoint("PATCH", "/api/timesheets/{id}/stop", (*Emulator).stopTimesheet),
	endpoint("PATCH", "/api/timesheets/{id}/restart", (*Emulator).restartTimesheet),
	endpoint("PATCH", "/api/timesheets/{id}/meta", (*Emulator).metaTimesheet),
	endpoint("PATCH", "/api/timesheets/{id}/duplicate", (*Emulator).duplicateTimesheet),
	endpoint("PATCH", "/api/timesheets/{id}/export", (*Emulator).exportTimesheet),

	endpoint("GET", "/api/users", (*Emulator).listUsers),
	endpoint("POST", "/api/users", (*Emulator).createUser),
	endpoint("GET", "/api/users/me", (*Emulator).me),
	endpoint("GET", "/api/users/{id}", (*Emulator).getUser),
	endpoint("PATCH", "/api/users/{id}", (*Emulator).updateUser),
	endpoint("PATCH", "/api/users/{id}/preferences", (*Emulator).setPreferences),
	endpoint("DELETE", "/api/users/api-token/{id}", (*Emulator).deleteAPIToken),

	endpoint("GET", "/api/favorites/timesheets", (*Emulator).listFavorites),
	endpoint("POST", "/api/favorites/timesheets/{id}", favorite(true)),
	endpoint("DELETE", "/api/favorites/timesheets/{id}", favorite(false)),

	endpoint("GET", "/api/invoices", (*Emulator).listInvoices),
	endpoint("GET", "/api/invoices/{id}", (*Emulator).getInvoice),
	endpoint("GET", "/api/invoices/{id}/download", (*Emulator).downloadInvoice),
	endpoint("PATCH", "/api/invoices/{id}/custom-fields", (*Emulator).setInvoiceCustomFields),
	endpoint("DELETE", "/api/invoices/{id}", (*Emulator).deleteInvoice),
	endpoint("GET", "/api/plugins", (*Emulator).plugins),

	endpoint("GET", "/api/teams", (*Emulator).listTeams),
	endpoint("POST", "/api/teams", (*Emulator).createTeam),
	endpoint("GET", "/api/teams/{id}", (*Emulator).getTeam),
	endpoint("PATCH", "/api/teams/{id}", (*Emulator).updateTeam),
	endpoint("DELETE", "/api/teams/{id}", (*Emulator).deleteTeam),
	endpoint("POST", "/api/teams/{id}/members/{id}", (*Emulator).addMember),
	endpoint("DELETE", "/api/teams/{id}/members/{id}", (*Emulator).removeMember),
	endpoint("POST", "/api/teams/{id}/customers/{id}", teamLink("customer", true)),
	endpoint("DELETE", "/api/teams/{id}/customers/{id}", teamLink("customer", false)),
	endpoint("POST", "/api/teams/{id}/projects/{id}", teamLink("project", true)),
	endpoint("DELETE", "/api/teams/{id}/projects/{id}", teamLink("project", false)),
	endpoint("POST", "/api/teams/{id}/activities/{id}", teamLink("activity", true)),
	endpoint("DELETE", "/api/teams/{id}/activities/{id}", teamLink("activity", false)),

	endpoint("GET", "/api/tags", (*Emulator).listTagNames),
	endpoint("POST", "/api/tags", (*Emulator).createTag),
	endpoint("GET", "/api/tags/find", (*Emulator).findTags),
	endpoint("DELETE", "/api/tags/{id}", (*Emulator).deleteTag),
}

// serve routes, authenticates and journals one request. Routing comes before authentication, as
// in Symfony: an unknown path is 404 and a wrong method 405 even without credentials.
func (e *Emulator) serve(w http.ResponseWriter, req *http.Request) {
	c := &call{w: w, r: req, params: map[string]string{}}
	if e.legacyDelay > 0 && (req.Header.Get("X-Auth-User") != "" || req.Header.Get("X-Auth-Token") != "") {
		select { // outside the lock: a slow legacy client does not hold up the others
		case <-time.After(e.legacyDelay):
		case <-req.Context().Done():
			return
		}
	}
	for k, v := range req.URL.Query() {
		c.params[k] = strings.Join(v, ",")
	}
	// The body is read and the answer written outside the lock, so concurrent clients wait for
	// each other only while the state is read or changed (a slow network or a loaded machine
	// would otherwise serialise them on the socket I/O).
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
	if err != nil {
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	buf := &answer{header: w.Header()}
	c.w = buf
	defer buf.send(w)
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

// maxBody is the most of a request body the emulator reads (readForm reads as much).
const maxBody = 4 << 20

// answer is a response built under the emulator's lock and sent after it.
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answer) Header() http.Header { return a.header }

func (a *answer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func (a *answer) Write(b []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	return a.body.Write(b)
}

// send writes the answer to w (200 with no body when nothing was written).
func (a *answer) send(w http.ResponseWriter) {
	w.WriteHeader(cmp.Or(a.status, http.StatusOK))
	_, _ = w.Write(a.body.Bytes())
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
