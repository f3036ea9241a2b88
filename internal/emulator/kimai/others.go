package kimai

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// ---- status and configuration ----

func (e *Emulator) ping(c *call) { c.reply(http.StatusOK, obj{{"message", "pong"}}) }

func (e *Emulator) version(c *call) {
	c.reply(http.StatusOK, obj{{"version", Version}, {"versionId", VersionID},
		{"copyright", "Kimai " + Version + " by Kevin Papst."}})
}

func (e *Emulator) timesheetConfig(c *call) {
	mode := e.cfg.TrackingMode
	if mode == "" {
		mode = "default"
	}
	c.reply(http.StatusOK, obj{{"trackingMode", mode}, {"defaultBeginTime", "now"}, {"activeEntriesHardLimit", e.activeLimit()},
		{"isAllowFutureTimes", !e.cfg.ForbidFutureTimes}, {"isAllowOverlapping", !e.cfg.ForbidOverlapping}})
}

// colorChoices is the default theme.color_choices (src/DependencyInjection/Configuration.php),
// name|code pairs.
var colorChoices = []string{
	"Silver|#c0c0c0", "Gray|#808080", "Black|#000000", "Maroon|#800000", "Brown|#a52a2a", "Red|#ff0000",
	"Orange|#ffa500", "Gold|#ffd700", "Yellow|#ffff00", "Peach|#ffdab9", "Khaki|#f0e68c", "Olive|#808000",
	"Lime|#00ff00", "Jelly|#9acd32", "Green|#008000", "Teal|#008080", "Aqua|#00ffff", "LightBlue|#add8e6",
	"DeepSky|#00bfff", "Dodger|#1e90ff", "Blue|#0000ff", "Navy|#000080", "Purple|#800080", "Fuchsia|#ff00ff",
	"Violet|#ee82ee", "Rose|#ffe4e1", "Lavender|#E6E6FA",
}

// colors is GET /api/config/colors: SystemConfiguration::getThemeColors, name → code.
func (e *Emulator) colors(c *call) {
	o := obj{}
	for _, p := range colorChoices {
		name, code, _ := strings.Cut(p, "|")
		o = append(o, kv{name, code})
	}
	c.reply(http.StatusOK, o)
}

// ---- users ----

func (e *Emulator) listUsers(c *call) {
	if !can(c.user, "view_user") {
		c.fail(http.StatusForbidden)
		return
	}
	q := &query{c: c}
	visible := q.get("visible", "1|2|3")
	orderBy := q.get("orderBy", "id|username|alias|email")
	order := q.get("order", "ASC|DESC")
	term := q.get("term", "")
	full := q.get("full", "0|1|true|false")
	if q.bad {
		c.fail(http.StatusBadRequest)
		return
	}
	var list []*User
	for _, u := range e.users {
		if visibleMatch(visible, u.Enabled) && termMatch(term, u.Alias, u.Title, u.AccountNumber, u.Email, u.Username) {
			list = append(list, u)
		}
	}
	sortBy(list, order == "DESC", func(a, b *User) int {
		switch orderBy {
		case "id":
			return cmpInt(a.ID, b.ID)
		case "alias":
			return cmpStr(a.Alias, b.Alias)
		case "email":
			return cmpStr(a.Email, b.Email)
		}
		return cmpStr(a.Username, b.Username)
	})
	out := []any{}
	for _, u := range list {
		if full == "1" || full == "true" {
			out = append(out, e.userEntity(u, 0))
		} else {
			out = append(out, userRep(u))
		}
	}
	c.reply(http.StatusOK, out)
}

func (e *Emulator) me(c *call) { c.reply(http.StatusOK, e.userEntity(c.user, 0)) }

func (e *Emulator) getUser(c *call) {
	u := e.user(c.ids[0])
	if u == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if u.ID != c.user.ID && !can(c.user, "view_user") {
		c.fail(http.StatusForbidden)
		return
	}
	c.reply(http.StatusOK, e.userEntity(u, 0))
}

var knownRoles = map[string]bool{RoleUser: true, RoleTeamlead: true, RoleAdmin: true, RoleSuperAdmin: true, RoleCustomer: true}

// createUser is POST /api/users. The form is submitted with clearMissing, so a user created
// without "enabled" is disabled.
func (e *Emulator) createUser(c *call) {
	if !can(c.user, "create_user") {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	f := newForm(data, true, "username", "email", "plainPassword", "plainApiToken", "alias", "title",
		"accountNumber", "language", "locale", "timezone", "supervisor", "roles", "teams", "enabled",
		"requiresPasswordReset", "systemAccount")
	u := &User{Language: e.cfg.DefaultLanguage, Locale: e.cfg.DefaultLanguage, Timezone: e.cfg.DefaultTimezone}
	if u.Language == "" {
		u.Language, u.Locale = "en", "en"
	}
	f.setText("username", &u.Username)
	switch {
	case u.Username == "":
		f.addErr("username", msgBlank)
	default:
		f.checkLength("username", u.Username, 2, 64)
		if strings.Contains(u.Username, "/") {
			f.addErr("username", msgInvalid)
		}
		if strings.ContainsAny(u.Username, `<>"=`) {
			f.addErr("username", msgSpecial)
		}
		for _, x := range e.users {
			if strings.EqualFold(x.Username, u.Username) {
				f.addErr("username", "The username is already used.")
			}
		}
	}
	f.email("email", &u.Email, 180)
	if u.Email == "" {
		f.addErr("email", msgBlank)
	}
	for _, x := range e.users {
		if u.Email != "" && strings.EqualFold(x.Email, u.Email) {
			f.addErr("email", "This e-mail address is already in use.")
		}
	}
	var password string
	f.setText("plainPassword", &password)
	if password == "" {
		f.addErr("plainPassword", msgBlank)
	}
	f.checkLength("plainPassword", password, 8, 60)
	f.setText("plainApiToken", &u.APIPassword)
	f.checkLength("plainApiToken", u.APIPassword, 8, 60)
	f.setText("alias", &u.Alias)
	f.checkLength("alias", u.Alias, 0, 60)
	f.setText("title", &u.Title)
	f.checkLength("title", u.Title, 0, 50)
	f.setText("accountNumber", &u.AccountNumber)
	f.checkLength("accountNumber", u.AccountNumber, 0, 30)
	if s, _ := f.text("language"); s != "" {
		if languagePattern.MatchString(s) {
			u.Language = s
		} else {
			f.addErr("language", msgChoice)
		}
	}
	if s, _ := f.text("locale"); s != "" {
		if languagePattern.MatchString(s) {
			u.Locale = s
		} else {
			f.addErr("locale", msgChoice)
		}
	}
	if s, _ := f.text("timezone"); s != "" {
		if validTimezone(s) {
			u.Timezone = s
		} else {
			f.addErr("timezone", msgChoice)
		}
	}
	if id, ok := f.id("supervisor"); ok && id != 0 {
		if e.user(id) == nil {
			f.addErr("supervisor", msgChoice)
		} else {
			u.Supervisor = id
		}
	}
	roles := []string{}
	if v, ok := data["roles"]; ok {
		items := v.list
		if v.kind != 'l' && v.s != "" {
			items = []value{v}
		}
		for _, r := range items {
			if !knownRoles[r.s] {
				f.addErr("roles", msgChoice)
				continue
			}
			roles = append(roles, r.s)
		}
	}
	if !containsStr(roles, RoleUser) {
		roles = append([]string{RoleUser}, roles...)
	}
	u.Roles = roles
	teams := e.teamsChoice(f, c.user)
	u.Enabled = f.checkbox("enabled", false)
	u.SystemAccount = f.checkbox("systemAccount", false)
	f.checkbox("requiresPasswordReset", false)
	if !f.valid() {
		c.invalid(f)
		return
	}
	u.ID = e.newID("user")
	e.users = append(e.users, u)
	for _, t := range teams {
		t.Members = append(t.Members, Member{User: u.ID})
	}
	c.reply(http.StatusOK, e.userEntity(u, 0))
}

// updateUser is PATCH /api/users/{id}: a user edits their own profile, a super admin anyone's.
// "enabled" is only a child for other users' profiles; roles and supervisor need view_user.
func (e *Emulator) updateUser(c *call) {
	u := e.user(c.ids[0])
	if u == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if u.ID != c.user.ID && !can(c.user, "view_user") {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	children := []string{"alias", "title", "accountNumber", "color", "email", "language", "locale", "timezone", "systemAccount"}
	if u.ID != c.user.ID {
		children = append(children, "enabled")
	}
	if can(c.user, "view_user") {
		children = append(children, "roles", "supervisor", "requiresPasswordReset")
	}
	work := copyUser(*u)
	f := newForm(data, false, children...)
	f.setText("alias", &work.Alias)
	f.checkLength("alias", work.Alias, 0, 60)
	f.setText("title", &work.Title)
	f.checkLength("title", work.Title, 0, 50)
	f.setText("accountNumber", &work.AccountNumber)
	f.checkLength("accountNumber", work.AccountNumber, 0, 30)
	f.color("color", &work.Color)
	if f.submitted("email") {
		f.email("email", &work.Email, 180)
		if work.Email == "" {
			f.addErr("email", msgBlank)
		}
		for _, x := range e.users {
			if x.ID != u.ID && work.Email != "" && strings.EqualFold(x.Email, work.Email) {
				f.addErr("email", "This e-mail address is already in use.")
			}
		}
	}
	for _, ch := range []struct {
		name  string
		dst   *string
		valid func(string) bool
	}{{"language", &work.Language, languagePattern.MatchString}, {"locale", &work.Locale, languagePattern.MatchString},
		{"timezone", &work.Timezone, validTimezone}} {
		if s, ok := f.text(ch.name); ok {
			if !ch.valid(s) {
				f.addErr(ch.name, msgChoice)
			} else {
				*ch.dst = s
			}
		}
	}
	work.SystemAccount = f.checkbox("systemAccount", work.SystemAccount)
	work.Enabled = f.checkbox("enabled", work.Enabled)
	f.checkbox("requiresPasswordReset", false)
	if id, ok := f.id("supervisor"); ok {
		if id != 0 && e.user(id) == nil {
			f.addErr("supervisor", msgChoice)
		} else {
			work.Supervisor = max(id, 0)
		}
	}
	if v, ok := data["roles"]; ok && f.isChild("roles") {
		items := v.list
		if v.kind != 'l' && v.s != "" {
			items = []value{v}
		}
		roles := []string{}
		for _, r := range items {
			if !knownRoles[r.s] {
				f.addErr("roles", msgChoice)
				continue
			}
			roles = append(roles, r.s)
		}
		if !containsStr(roles, RoleUser) {
			roles = append([]string{RoleUser}, roles...)
		}
		work.Roles = roles
	}
	if !f.valid() {
		c.invalid(f)
		return
	}
	*u = work
	c.reply(http.StatusOK, e.userEntity(u, 0))
}

// ---- teams ----

func (e *Emulator) listTeams(c *call) {
	if !can(c.user, "view_team") {
		c.fail(http.StatusForbidden)
		return
	}
	list := append([]*Team{}, e.teams...)
	sortBy(list, false, func(a, b *Team) int { return cmpStr(a.Name, b.Name) })
	out := []any{}
	for _, t := range list {
		out = append(out, teamRep(t))
	}
	c.reply(http.StatusOK, out)
}

func (e *Emulator) getTeam(c *call) {
	t := e.team(c.ids[0])
	if t == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !can(c.user, "view_team") && !memberOf(t, c.user.ID, true) {
		c.fail(http.StatusForbidden)
		return
	}
	c.reply(http.StatusOK, e.teamEntity(t))
}

// teamForm submits data to TeamEditForm over t.
func (e *Emulator) teamForm(data formData, t *Team, clear bool) *form {
	f := newForm(data, clear, "name", "color", "members")
	f.setText("name", &t.Name)
	f.checkName("name", t.Name, 2, 100)
	for _, x := range e.teams {
		if t.Name != "" && x.Name == t.Name && x.ID != t.ID {
			f.addErr("name", "This value is already used.")
		}
	}
	f.color("color", &t.Color)
	if !f.submitted("members") {
		return f
	}
	v := f.data["members"]
	var items []value
	switch v.kind {
	case 'l':
		items = v.list
	case 'm':
		keys := make([]string, 0, len(v.m))
		for k := range v.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			items = append(items, v.m[k])
		}
	}
	children := obj{}
	var members []Member
	for i, it := range items {
		sub := obj{}
		var m Member
		uerr, extra := obj{}, false
		if it.kind != 'm' {
			children = append(children, kv{strconv.Itoa(i), obj{{"errors", []string{msgInvalid}}}})
			continue
		}
		for k := range it.m {
			if k != "user" && k != "teamlead" {
				extra = true
			}
		}
		us := it.m["user"]
		id, err := strconv.Atoi(us.s)
		if u := e.user(id); err != nil || u == nil {
			uerr = obj{{"errors", []string{msgChoice}}}
		} else {
			m.User = u.ID
		}
		if tl, ok := it.m["teamlead"]; ok && tl.kind != 'n' {
			m.Teamlead = true
		}
		if extra {
			sub = append(sub, kv{"errors", []string{msgExtraFields}})
		}
		sub = append(sub, kv{"children", obj{{"user", uerr}, {"teamlead", obj{}}}})
		children = append(children, kv{strconv.Itoa(i), sub})
		if m.User != 0 {
			members = append(members, m)
		}
	}
	tree := obj{}
	var errs []string
	if len(items) == 0 {
		errs = append(errs, "This collection should contain 1 element or more.")
	} else if len(members) == len(items) {
		lead := false
		for _, m := range members {
			lead = lead || m.Teamlead
		}
		if !lead {
			errs = append(errs, "At least one team leader must be assigned to the team.")
		}
	}
	if len(errs) > 0 {
		tree = append(tree, kv{"errors", errs})
	}
	tree = append(tree, kv{"children", children})
	f.trees["members"] = tree
	t.Members = members
	return f
}

func (e *Emulator) createTeam(c *call) {
	if !can(c.user, "create_team") {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	t := &Team{}
	f := e.teamForm(data, t, true)
	if !f.valid() {
		c.invalid(f)
		return
	}
	t.ID = e.newID("team")
	e.teams = append(e.teams, t)
	c.reply(http.StatusOK, e.teamEntity(t))
}

func (e *Emulator) updateTeam(c *call) {
	t := e.team(c.ids[0])
	if t == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !can(c.user, "edit_team") && !memberOf(t, c.user.ID, true) {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	work := *t
	work.Members = append([]Member{}, t.Members...)
	f := e.teamForm(data, &work, false)
	if !f.valid() {
		c.invalid(f)
		return
	}
	*t = work
	c.reply(http.StatusOK, e.teamEntity(t))
}

func (e *Emulator) deleteTeam(c *call) {
	t := e.team(c.ids[0])
	if t == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !can(c.user, "delete_team") {
		c.fail(http.StatusForbidden)
		return
	}
	e.teams = remove(e.teams, func(x *Team) bool { return x.ID == t.ID })
	c.noContent()
}

func (e *Emulator) addMember(c *call) {
	t, u := e.team(c.ids[0]), e.user(c.ids[1])
	if t == nil || u == nil {
		c.fail(http.StatusNotFound)
		return
	}
	// IsGranted('edit', team) and IsGranted('access_user', member) (TeamController::postMemberAction).
	if !can(c.user, "edit_team") || !e.checkUserAccess(c.user, u) {
		c.fail(http.StatusForbidden)
		return
	}
	if memberOf(t, u.ID, false) {
		c.fail(http.StatusBadRequest)
		c.out = "User is already member of the team"
		return
	}
	t.Members = append(t.Members, Member{User: u.ID})
	c.reply(http.StatusOK, e.teamEntity(t))
}

func (e *Emulator) removeMember(c *call) {
	t, u := e.team(c.ids[0]), e.user(c.ids[1])
	if t == nil || u == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !can(c.user, "edit_team") {
		c.fail(http.StatusForbidden)
		return
	}
	if !memberOf(t, u.ID, false) {
		c.fail(http.StatusBadRequest)
		c.out = "User is not a member of the team"
		return
	}
	if memberOf(t, u.ID, true) {
		c.fail(http.StatusBadRequest)
		c.out = "Cannot remove teamlead"
		return
	}
	t.Members = remove(t.Members, func(m Member) bool { return m.User == u.ID })
	c.reply(http.StatusOK, e.teamEntity(t))
}

// teamLink handles POST/DELETE /api/teams/{id}/{customers|projects|activities}/{id}.
func teamLink(kind string, add bool) handlerFunc {
	return func(e *Emulator, c *call) {
		t := e.team(c.ids[0])
		var exists bool
		switch kind {
		case "customer":
			exists = e.customer(c.ids[1]) != nil
		case "project":
			exists = e.project(c.ids[1]) != nil
		case "activity":
			exists = e.activity(c.ids[1]) != nil
		}
		if t == nil || !exists {
			c.fail(http.StatusNotFound)
			return
		}
		// IsGranted('edit', team) and IsGranted('permissions', entity) (TeamController).
		if !can(c.user, "edit_team") || !e.canEntity(c.user, "permissions", kind, c.ids[1]) {
			c.fail(http.StatusForbidden)
			return
		}
		ids := map[string]*[]int{"customer": &t.Customers, "project": &t.Projects, "activity": &t.Activities}[kind]
		linked := contains(*ids, c.ids[1])
		if linked == add {
			c.fail(http.StatusBadRequest)
			return
		}
		if add {
			*ids = append(*ids, c.ids[1])
		} else {
			*ids = removeInt(*ids, c.ids[1])
		}
		c.reply(http.StatusOK, e.teamEntity(t))
	}
}

// ---- tags ----

func (e *Emulator) sortedTags(name string) []*Tag {
	var out []*Tag
	for _, t := range e.tags {
		if strings.Contains(strings.ToLower(t.Name), strings.ToLower(name)) {
			out = append(out, t)
		}
	}
	sortBy(out, false, func(a, b *Tag) int { return cmpStr(a.Name, b.Name) })
	return out
}

// listTagNames is the deprecated GET /api/tags: an array of names.
func (e *Emulator) listTagNames(c *call) {
	out := []string{}
	for _, t := range e.sortedTags(c.r.URL.Query().Get("name")) {
		out = append(out, t.Name)
	}
	c.reply(http.StatusOK, out)
}

// findTags is GET /api/tags/find; without a name it finds nothing.
func (e *Emulator) findTags(c *call) {
	out := []any{}
	if name := c.r.URL.Query().Get("name"); name != "" {
		for _, t := range e.sortedTags(name) {
			out = append(out, tagRep(t))
		}
	}
	c.reply(http.StatusOK, out)
}

func (e *Emulator) createTag(c *call) {
	if !can(c.user, "create_tag") && !can(c.user, "manage_tag") {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	t := &Tag{}
	f := newForm(data, true, "name", "color", "visible")
	f.setText("name", &t.Name)
	f.checkName("name", t.Name, 2, 100)
	if strings.Contains(t.Name, ",") {
		f.addErr("name", "Tag name cannot contain comma")
	}
	for _, x := range e.tags {
		if t.Name != "" && x.Name == t.Name {
			f.addErr("name", "This value is already used.")
		}
	}
	f.color("color", &t.Color)
	t.Visible = f.checkbox("visible", false)
	if !f.valid() {
		c.invalid(f)
		return
	}
	t.ID = e.newID("tag")
	e.tags = append(e.tags, t)
	c.reply(http.StatusOK, tagRep(t))
}

func (e *Emulator) deleteTag(c *call) {
	t := e.tag(c.ids[0])
	if t == nil {
		c.fail(http.StatusNotFound)
		return
	}
	if !can(c.user, "delete_tag") {
		c.fail(http.StatusForbidden)
		return
	}
	e.tags = remove(e.tags, func(x *Tag) bool { return x.ID == t.ID })
	for _, ts := range e.timesheets {
		ts.Tags = remove(ts.Tags, func(n string) bool { return n == t.Name })
	}
	c.noContent()
}
