package pipelines_test

// The oracle: what the Kimai emulator must hold after attendance-to-kimai, computed straight from
// the fixtures with plain Go, independently of the pipeline engine and of the generated clients.

import (
	"slices"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/emulator/kqapi"
)

// sheet is a timesheet as the tests compare it: whose, when (minute precision, Kimai rounds begin
// down and end up to the minute) and on what.
type sheet struct {
	User     string // Kimai username
	Begin    string // local time, 2006-01-02T15:04
	End      string
	Project  string // project name
	Activity string // activity name
}

type attendanceWant struct {
	Sheets   []sheet
	Unmapped []string // "account workday": punches of employees without a Kimai user
	Single   []string // "account workday": days with one punch (or punches within minSpan)
	Long     []string // "account workday": days whose punches span more than maxSpan
}

// maxSpan is attendance-to-kimai's max_span: no shift is longer, so a work day whose first and
// last punch are further apart holds punches of two shifts (the night shift's punch-out after the
// day boundary) and is not booked.
const maxSpan = 16 * time.Hour

// expectAttendance pairs every employee's punches per work day in [from, to]: a punch before the
// boundary (time of day) counts for the day before; the first punch is the begin and the last the
// end; days whose punches span less than minSpan are single-punch days, more than maxSpan long
// days.
func expectAttendance(kq *kqapi.Fixture, km *kimai.Fixture, from, to string, boundary, minSpan time.Duration, project, activity string) attendanceWant {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	users := map[string]string{} // accountNumber → username
	for _, u := range km.Users {
		if u.AccountNumber != "" && u.Enabled {
			users[u.AccountNumber] = u.Username
		}
	}
	type key struct{ acct, day string }
	type span struct{ first, last int64 }
	groups := map[key]*span{}
	for _, p := range kq.Punches {
		day := time.Unix(p.Time, 0).In(loc).Add(-boundary).Format("2006-01-02")
		if day < from || day > to {
			continue
		}
		k := key{p.Account, day}
		g := groups[k]
		if g == nil {
			groups[k] = &span{p.Time, p.Time}
			continue
		}
		g.first, g.last = min(g.first, p.Time), max(g.last, p.Time)
	}
	var w attendanceWant
	for k, g := range groups {
		id := k.acct + " " + k.day
		user, ok := users[k.acct]
		switch {
		case !ok:
			w.Unmapped = append(w.Unmapped, id)
		case time.Duration(g.last-g.first)*time.Second < minSpan:
			w.Single = append(w.Single, id)
		case time.Duration(g.last-g.first)*time.Second > maxSpan:
			w.Long = append(w.Long, id)
		default:
			begin := time.Unix(g.first, 0).In(loc).Truncate(time.Minute)
			end := time.Unix(g.last, 0).In(loc)
			if end.Truncate(time.Minute) != end {
				end = end.Truncate(time.Minute).Add(time.Minute)
			}
			w.Sheets = append(w.Sheets, sheet{User: user, Begin: begin.Format("2006-01-02T15:04"),
				End: end.Format("2006-01-02T15:04"), Project: project, Activity: activity})
		}
	}
	slices.SortFunc(w.Sheets, func(a, b sheet) int { return cmpStrings(a.User+a.Begin, b.User+b.Begin) })
	slices.Sort(w.Unmapped)
	slices.Sort(w.Single)
	slices.Sort(w.Long)
	return w
}

func cmpStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sheetsOf turns the emulator's timesheets into comparable sheets.
func sheetsOf(e *kimai.Emulator) []sheet {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	users := map[int]string{}
	for _, u := range e.Users() {
		users[u.ID] = u.Username
	}
	projects := map[int]string{}
	for _, p := range e.Projects() {
		projects[p.ID] = p.Name
	}
	activities := map[int]string{}
	for _, a := range e.Activities() {
		activities[a.ID] = a.Name
	}
	var out []sheet
	for _, t := range e.Timesheets() {
		end := ""
		if t.End != nil {
			end = t.End.In(loc).Format("2006-01-02T15:04")
		}
		out = append(out, sheet{User: users[t.User], Begin: t.Begin.In(loc).Format("2006-01-02T15:04"), End: end,
			Project: projects[t.Project], Activity: activities[t.Activity]})
	}
	slices.SortFunc(out, func(a, b sheet) int { return cmpStrings(a.User+a.Begin, b.User+b.Begin) })
	return out
}
