package kimai

import (
	"net/http"
	"strconv"
	"time"
)

// This file holds the rest of Kimai 2.66's public API: rates and comments of customers, projects
// and activities, favourites, invoices, plugins, user preferences and API-token revocation
// (src/API/{Customer,Project,Activity,Favorites,Invoice,Status,User}Controller.php).

// Rate is a customer, project or activity rate (CustomerRate, ProjectRate, ActivityRate); User
// 0 is the rate for everyone.
type Rate struct {
	ID           int      `json:"id"`
	Kind         string   `json:"kind"` // customer, project or activity
	Entity       int      `json:"entity"`
	User         int      `json:"user,omitempty"`
	Rate         float64  `json:"rate"`
	InternalRate *float64 `json:"internalRate,omitempty"`
	IsFixed      bool     `json:"isFixed,omitempty"`
}

// Comment is a customer or project comment (CustomerComment, ProjectComment).
type Comment struct {
	ID        int       `json:"id"`
	Kind      string    `json:"kind"` // customer or project
	Entity    int       `json:"entity"`
	Message   string    `json:"message"`
	CreatedBy int       `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
	Pinned    bool      `json:"pinned,omitempty"`
}

// kindExists reports whether the customer, project or activity id exists.
func (e *Emulator) kindExists(kind string, id int) bool {
	switch kind {
	case "customer":
		return e.customer(id) != nil
	case "project":
		return e.project(id) != nil
	case "activity":
		return e.activity(id) != nil
	}
	return false
}

// entityGate resolves the entity of a sub-resource route (404 first, as Symfony resolves
// entities before IsGranted) and checks the voter attributes on it (403).
func (e *Emulator) entityGate(c *call, kind string, attrs ...string) bool {
	if !e.kindExists(kind, c.ids[0]) {
		c.fail(http.StatusNotFound)
		return false
	}
	for _, a := range attrs {
		if !e.canEntity(c.user, a, kind, c.ids[0]) {
			c.fail(http.StatusForbidden)
			return false
		}
	}
	return true
}

func (e *Emulator) rateRep(r *Rate) obj {
	var usr, internal any
	if u := e.user(r.User); u != nil {
		usr = userRep(u)
	}
	if r.InternalRate != nil {
		internal = float(*r.InternalRate)
	}
	return obj{{"id", r.ID}, {"rate", float(r.Rate)}, {"internalRate", internal}, {"isFixed", r.IsFixed}, {"user", usr}}
}

// bestRate is RateService::getBestFittingRate over TimesheetRepository::findMatchingRates: the
// rates of the record's activity (score 5), project (3) and customer (1), for everyone or for the
// record's user (one more); the highest score wins, the last one found on a tie.
func (e *Emulator) bestRate(t *Timesheet) *Rate {
	var best *Rate
	bestScore := 0
	p := e.project(t.Project)
	for _, r := range e.rates {
		score := 0
		switch {
		case r.Kind == "activity" && r.Entity == t.Activity:
			score = 5
		case r.Kind == "project" && r.Entity == t.Project:
			score = 3
		case r.Kind == "customer" && p != nil && r.Entity == p.Customer:
			score = 1
		default:
			continue
		}
		if r.User != 0 && r.User != t.User {
			continue
		}
		if r.User != 0 {
			score++
		}
		if score >= bestScore {
			best, bestScore = r, score
		}
	}
	return best
}

// applyEntityRate gives a new record without an explicit rate the best fitting entity rate
// (RateService::calculate: a fixed one becomes the fixed rate, another the hourly rate; the
// user's hourly rate is the fallback) and recomputes it. The emulator keeps the internal rate
// equal to the rate.
func (e *Emulator) applyEntityRate(t *Timesheet) {
	r := e.bestRate(t)
	if r == nil {
		return
	}
	if r.IsFixed {
		v := r.Rate
		t.FixedRate, t.HourlyRate = &v, 0 // no hourly rate with a fixed one
	} else {
		t.HourlyRate = r.Rate
	}
	e.recalc(t)
}

// listRates is GET /api/{kind}s/{id}/rates (needs edit on the entity).
func listRates(kind string) handlerFunc {
	return func(e *Emulator, c *call) {
		if !e.entityGate(c, kind, "edit") {
			return
		}
		out := []any{}
		for _, r := range e.rates {
			if r.Kind == kind && r.Entity == c.ids[0] {
				out = append(out, e.rateRep(r))
			}
		}
		c.reply(http.StatusOK, out)
	}
}

// addRate is POST /api/{kind}s/{id}/rates: the rate form (AbstractRateForm: user, rate,
// internalRate, isFixed), one rate per user and entity (UniqueEntity, null included).
func addRate(kind string) handlerFunc {
	return func(e *Emulator, c *call) {
		if !e.entityGate(c, kind, "edit") {
			return
		}
		data, ok := c.readBody()
		if !ok {
			return
		}
		r := &Rate{Kind: kind, Entity: c.ids[0]}
		f := newForm(data, false, "user", "rate", "internalRate", "isFixed")
		if id, ok := f.id("user"); ok && id != 0 {
			if u := e.user(id); u == nil || !e.userChoice(c.user, u) {
				f.addErr("user", msgChoice)
			} else {
				r.User = u.ID
			}
		}
		f.money("rate", &r.Rate)
		if s, ok := f.text("internalRate"); ok && s != "" {
			var v float64
			f.money("internalRate", &v)
			r.InternalRate = &v
		}
		r.IsFixed = f.checkbox("isFixed", false)
		if r.Rate < 0 {
			f.addErr("rate", "This value should be greater than or equal to 0.")
		}
		for _, x := range e.rates {
			if x.Kind == kind && x.Entity == r.Entity && x.User == r.User && len(f.errs["user"]) == 0 {
				f.addErr("user", "This value is already used.")
			}
		}
		if !f.valid() {
			c.invalid(f)
			return
		}
		r.ID = e.newID("rate")
		e.rates = append(e.rates, r)
		c.reply(http.StatusOK, e.rateRep(r))
	}
}

// deleteRate is DELETE /api/{kind}s/{id}/rates/{rateId}: a rate of another entity is a 404.
func deleteRate(kind string) handlerFunc {
	return func(e *Emulator, c *call) {
		if !e.entityGate(c, kind, "edit") {
			return
		}
		found := false
		e.rates = remove(e.rates, func(r *Rate) bool {
			hit := r.ID == c.ids[1] && r.Kind == kind && r.Entity == c.ids[0]
			found = found || hit
			return hit
		})
		if !found {
			c.fail(http.StatusNotFound)
			return
		}
		c.noContent()
	}
}

func (e *Emulator) commentRep(m *Comment) obj {
	var by any
	zone := "UTC"
	if u := e.user(m.CreatedBy); u != nil {
		by, zone = userRep(u), u.Timezone
	}
	return obj{{"id", m.ID}, {"message", m.Message}, {"createdBy", by}, {"createdAt", formatTime(m.CreatedAt, zone)},
		{"pinned", m.Pinned}}
}

// listComments is GET /api/{kind}s/{id}/comments (view and comments on the entity): pinned
// first, then the newest.
func listComments(kind string) handlerFunc {
	return func(e *Emulator, c *call) {
		if !e.entityGate(c, kind, "view", "comments") {
			return
		}
		var list []*Comment
		for _, m := range e.comments {
			if m.Kind == kind && m.Entity == c.ids[0] {
				list = append(list, m)
			}
		}
		sortBy(list, true, func(a, b *Comment) int {
			if a.Pinned != b.Pinned {
				if a.Pinned {
					return 1
				}
				return -1
			}
			if d := a.CreatedAt.Compare(b.CreatedAt); d != 0 {
				return d
			}
			return cmpInt(a.ID, b.ID)
		})
		out := []any{}
		for _, m := range list {
			out = append(out, e.commentRep(m))
		}
		c.reply(http.StatusOK, out)
	}
}

// addComment is POST /api/{kind}s/{id}/comments (CommentApiForm: message, pinned).
func addComment(kind string) handlerFunc {
	return func(e *Emulator, c *call) {
		if !e.entityGate(c, kind, "view", "comments") {
			return
		}
		data, ok := c.readBody()
		if !ok {
			return
		}
		m := &Comment{Kind: kind, Entity: c.ids[0], CreatedBy: c.user.ID, CreatedAt: e.clock.Now()}
		f := newForm(data, false, "pinned", "message")
		f.setText("message", &m.Message)
		if m.Message == "" {
			f.addErr("message", msgNull)
		}
		m.Pinned = f.checkbox("pinned", false)
		if !f.valid() {
			c.invalid(f)
			return
		}
		m.ID = e.newID("comment")
		e.comments = append(e.comments, m)
		c.reply(http.StatusOK, e.commentRep(m))
	}
}

// commentOf resolves the comment of a comment route: 404 when it does not exist, 403 when it
// belongs to another entity (the controllers' createAccessDeniedException).
func (e *Emulator) commentOf(c *call, kind string) *Comment {
	if !e.entityGate(c, kind, "view", "edit", "comments") {
		return nil
	}
	for _, m := range e.comments {
		if m.ID == c.ids[1] && m.Kind == kind {
			if m.Entity != c.ids[0] {
				c.fail(http.StatusForbidden)
				return nil
			}
			return m
		}
	}
	c.fail(http.StatusNotFound)
	return nil
}

func pinComment(kind string) handlerFunc {
	return func(e *Emulator, c *call) {
		if m := e.commentOf(c, kind); m != nil {
			m.Pinned = !m.Pinned
			c.reply(http.StatusOK, e.commentRep(m))
		}
	}
}

func deleteComment(kind string) handlerFunc {
	return func(e *Emulator, c *call) {
		if m := e.commentOf(c, kind); m != nil {
			e.comments = remove(e.comments, func(x *Comment) bool { return x.ID == m.ID })
			c.noContent()
		}
	}
}

// ---- favourites (FavoritesController) ----

func (e *Emulator) listFavorites(c *call) {
	if !can(c.user, "start_own_timesheet") {
		c.fail(http.StatusForbidden)
		return
	}
	out := []any{}
	for _, id := range e.favorites[c.user.ID] {
		if t := e.timesheet(id); t != nil {
			out = append(out, e.timesheetRep(c.user, t, tsCollectionFull))
		}
	}
	c.reply(http.StatusOK, out)
}

// favorite adds or removes one of the caller's own records (start_own_timesheet, is_owner).
func favorite(add bool) handlerFunc {
	return func(e *Emulator, c *call) {
		t := e.timesheet(c.ids[0])
		if t == nil {
			c.fail(http.StatusNotFound)
			return
		}
		if !can(c.user, "start_own_timesheet") || t.User != c.user.ID {
			c.fail(http.StatusForbidden)
			return
		}
		ids := removeInt(e.favorites[c.user.ID], t.ID)
		if add {
			ids = append(ids, t.ID)
		}
		e.favorites[c.user.ID] = ids
		c.noContent()
	}
}

// ---- plugins, preferences, API tokens ----

// plugins is GET /api/plugins: a plain Kimai has none installed.
func (e *Emulator) plugins(c *call) { c.reply(http.StatusOK, []any{}) }

// mayEditProfile is the emulator's profile "edit" vote: one's own profile, or any with view_user.
func mayEditProfile(u, subject *User) bool { return u.ID == subject.ID || can(u, "view_user") }

// setPreferences is PATCH /api/users/{id}/preferences: the body is a list of {name, value}
// (a JSON object with keys 0, 1, … is the same PHP array); an item that is no object or lacks
// name or value is a 400, an unknown preference a 404 (UserController::updateUserPreference).
func (e *Emulator) setPreferences(c *call) {
	u := e.user(c.ids[0])
	if u == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !mayEditProfile(c.user, u) {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	work := copyUser(*u)
	for i := 0; i < len(data); i++ {
		item, ok := data[strconv.Itoa(i)]
		if !ok || item.kind != 'm' {
			c.fail(http.StatusBadRequest)
			return
		}
		name, hasName := item.m["name"]
		val, hasValue := item.m["value"]
		if !hasName || !hasValue {
			c.fail(http.StatusBadRequest)
			return
		}
		switch name.s {
		case "timezone":
			if !validTimezone(val.s) {
				c.fail(http.StatusBadRequest)
				return
			}
			work.Timezone = val.s
		case "language":
			work.Language = val.s
		case "locale":
			work.Locale = val.s
		case "hourly_rate":
			v, err := strconv.ParseFloat(val.s, 64)
			if err != nil {
				c.fail(http.StatusBadRequest)
				return
			}
			work.HourlyRate = v
		default:
			c.fail(http.StatusNotFound)
			c.out = "unknown preference"
			return
		}
	}
	*u = work
	c.reply(http.StatusOK, e.userEntity(u, 0))
}

// deleteAPIToken is DELETE /api/users/api-token/{id}: the caller needs api-token on its own
// profile and on the token owner's; the answer is 200 without a body.
func (e *Emulator) deleteAPIToken(c *call) {
	var owner *User
	idx := -1
	for _, u := range e.users {
		for i, t := range u.Tokens {
			if t.ID == c.ids[0] {
				owner, idx = u, i
			}
		}
	}
	if owner == nil {
		c.fail(http.StatusNotFound)
		return
	}
	mayToken := func(subject *User) bool {
		if subject.ID == c.user.ID {
			return can(c.user, "api-token_own_profile")
		}
		return can(c.user, "api-token_other_profile")
	}
	if !mayToken(c.user) || !mayToken(owner) {
		c.fail(http.StatusForbidden)
		return
	}
	owner.Tokens = append(owner.Tokens[:idx:idx], owner.Tokens[idx+1:]...)
	c.status = http.StatusOK
	c.w.WriteHeader(http.StatusOK)
}
