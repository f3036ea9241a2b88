package kqapi

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/company"
)

// Sandbox credentials of the default fixture. Both accounts belong to the same company.
const (
	SandboxAccount  = "sandbox"
	SandboxKey      = "sandbox-key"
	SandboxAccount2 = "sandbox2"
	SandboxKey2     = "sandbox2-key"
)

// docApplyTypes is the applyType map printed in the documentation.
var docApplyTypes = []ApplyType{
	{"210", "事假"}, {"211", "年假"}, {"212", "病假"},
	{"0", "请假"}, {"1", "加班"}, {"2", "调休"}, {"3", "外出"}, {"4", "补签卡"},
}

const localLayout = "2006-01-02 15:04:05"

// BuildFixture builds the fixture for c deterministically: the same company gives the same bytes.
// The punch month is c.Year/c.Month: every working day each employee punches in around the start
// of the shift and out around its end (the night shift ends the next morning), with forgotten
// punches, 补签 corrections, leave days without punches, duplicates and a few odd atten_status.
func BuildFixture(c company.Company) *Fixture {
	loc := company.Location()
	rng := rand.New(rand.NewPCG(uint64(c.Year)*100+uint64(c.Month), 0x6b71617069))
	f := &Fixture{CompanyID: "264327", ApplyTypes: slices.Clone(docApplyTypes)}
	f.Accounts = []APIAccount{{SandboxAccount, SandboxKey}, {SandboxAccount2, SandboxKey2}}
	for _, d := range c.Departments {
		f.Departments = append(f.Departments, Department{ID: d.ID, PID: d.ParentID, Name: d.Name, Top: d.Top})
	}
	sns := make([]string, 0, len(c.Devices))
	for i, d := range c.Devices {
		sns = append(sns, d.SN)
		upd := time.Date(c.Year, c.Month+1, 1, 8, 0, 0, 0, loc).Add(time.Duration(i) * 97 * time.Second)
		f.Devices = append(f.Devices, Device{SN: d.SN, Remark: d.Remark, UpdateTime: upd.Unix()})
	}
	deviceFor := func(deptIndex int) string {
		switch deptIndex {
		case 1, 2, 3:
			return sns[1%len(sns)]
		case 7:
			return sns[2%len(sns)]
		}
		return sns[0]
	}

	// The calendar: the National Day week off, one weekend day worked in exchange.
	if c.Month == time.October {
		for d := 1; d <= 7; d++ {
			f.Calendar.Holidays = append(f.Calendar.Holidays, fmt.Sprintf("%04d-10-%02d", c.Year, d))
		}
		f.Calendar.Workdays = []string{fmt.Sprintf("%04d-10-10", c.Year)}
	}
	var days []time.Time
	for d := time.Date(c.Year, c.Month, 1, 0, 0, 0, 0, loc); d.Month() == c.Month; d = d.AddDate(0, 0, 1) {
		if f.Calendar.isWorkday(d) {
			days = append(days, d)
		}
	}

	deptIndex := map[int]int{}
	for i, d := range c.Departments {
		deptIndex[d.ID] = i
	}
	for _, e := range c.Employees {
		f.Employees = append(f.Employees, Employee{
			Account: e.Account, RealName: e.Name, DeptID: e.DeptID, Mobile: e.Mobile, Email: e.Email,
			Sex: e.Sex, Card: e.Card, Fingerprint: rng.IntN(4), Work: e.Shift.Work, Off: e.Shift.Off,
			Devices: []string{deviceFor(deptIndex[e.DeptID])},
		})
	}

	// Applications: leave days (no punches), overtime after the shift, half days out of the office.
	type key struct {
		acct string
		day  string
	}
	leave := map[key]bool{}
	overtime := map[key]time.Time{} // end of the overtime
	appID := 5001
	addApp := func(acct, typ string, from, to time.Time, reason string) {
		f.Applications = append(f.Applications, Application{ID: appID, Account: acct, TypeID: typ,
			Start: from.Format(localLayout), End: to.Format(localLayout), Reason: reason, Status: "已同意"})
		appID += 1 + rng.IntN(5)
	}
	if len(days) > 0 {
		for i := 0; i < 14; i++ {
			e := f.Employees[rng.IntN(len(f.Employees))]
			start := rng.IntN(len(days))
			n := 1 + rng.IntN(2)
			typ := []string{"210", "211", "212", "0"}[rng.IntN(4)]
			var first, last time.Time
			for k := start; k < start+n && k < len(days); k++ {
				if leave[key{e.Account, dayKey(days[k])}] {
					continue
				}
				leave[key{e.Account, dayKey(days[k])}] = true
				s, o := shiftBounds(e, days[k])
				if first.IsZero() {
					first = s
				}
				last = o
			}
			if !first.IsZero() {
				addApp(e.Account, typ, first, last, "个人原因")
			}
		}
		for i := 0; i < 20; i++ {
			e := f.Employees[rng.IntN(len(f.Employees))]
			d := days[rng.IntN(len(days))]
			k := key{e.Account, dayKey(d)}
			if leave[k] || !overtime[k].IsZero() {
				continue
			}
			_, off := shiftBounds(e, d)
			end := off.Add(time.Duration(1+rng.IntN(3)) * time.Hour)
			overtime[k] = end
			addApp(e.Account, "1", off, end, "项目上线")
		}
		for i := 0; i < 8; i++ {
			e := f.Employees[rng.IntN(len(f.Employees))]
			d := days[rng.IntN(len(days))]
			if leave[key{e.Account, dayKey(d)}] {
				continue
			}
			s, _ := shiftBounds(e, d)
			addApp(e.Account, "3", s.Add(2*time.Hour), s.Add(5*time.Hour), "拜访客户")
		}
	}
	slices.SortStableFunc(f.Applications, func(a, b Application) int { return a.ID - b.ID })

	// Punches.
	var punches []Punch
	punch := func(e Employee, t time.Time, typ string) {
		dev := e.Devices[0]
		if typ == AttenTypeRecheck {
			dev = ""
		}
		status := "0"
		if rng.IntN(100) < 3 {
			status = []string{"255", "1", "2"}[rng.IntN(3)]
		}
		punches = append(punches, Punch{Account: e.Account, Device: dev, Type: typ, Status: status, Time: t.Unix()})
	}
	verify := func() string {
		switch x := rng.IntN(10); {
		case x < 7:
			return "1" // fingerprint
		case x < 9:
			return "15" // face
		default:
			return "4" // card
		}
	}
	for _, d := range days {
		for _, e := range f.Employees {
			k := key{e.Account, dayKey(d)}
			if leave[k] {
				continue
			}
			start, off := shiftBounds(e, d)
			in := start.Add(-time.Duration(2+rng.IntN(25))*time.Minute - time.Duration(rng.IntN(60))*time.Second)
			if rng.IntN(100) < 5 {
				in = start.Add(time.Duration(1+rng.IntN(30))*time.Minute + time.Duration(rng.IntN(60))*time.Second)
			}
			out := off.Add(time.Duration(rng.IntN(25))*time.Minute + time.Duration(rng.IntN(60))*time.Second)
			if end := overtime[k]; !end.IsZero() {
				out = end.Add(time.Duration(rng.IntN(10))*time.Minute + time.Duration(rng.IntN(60))*time.Second)
			} else if rng.IntN(100) < 4 {
				out = off.Add(-time.Duration(1+rng.IntN(30))*time.Minute - time.Duration(rng.IntN(60))*time.Second)
			}
			for i, t := range []time.Time{in, out} {
				if rng.IntN(100) < 3 { // forgotten
					if rng.IntN(100) < 40 { // corrected later with 补签卡 at the shift time
						punch(e, []time.Time{start, off}[i], AttenTypeRecheck)
					}
					continue
				}
				punch(e, t, verify())
				if rng.IntN(100) < 1 { // pressed twice
					punch(e, t.Add(time.Duration(3+rng.IntN(50))*time.Second), verify())
				}
			}
		}
	}
	slices.SortStableFunc(punches, func(a, b Punch) int {
		if a.Time != b.Time {
			return int(a.Time - b.Time)
		}
		if a.Account < b.Account {
			return -1
		} else if a.Account > b.Account {
			return 1
		}
		return 0
	})
	id := int64(763100000)
	for i := range punches {
		id += 1 + int64(rng.IntN(40))
		punches[i].ID = id
	}
	f.Punches = punches
	return f
}

func dayKey(t time.Time) string { return t.Format("2006-01-02") }

// isWorkday reports whether the local date of d is a working day.
func (c Calendar) isWorkday(d time.Time) bool {
	k := dayKey(d)
	if slices.Contains(c.Workdays, k) {
		return true
	}
	if slices.Contains(c.Holidays, k) {
		return false
	}
	return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
}

func (c Calendar) isHoliday(d time.Time) bool { return slices.Contains(c.Holidays, dayKey(d)) }

// shiftBounds returns the start and end of e's shift that starts on the local date of day.
func shiftBounds(e Employee, day time.Time) (time.Time, time.Time) {
	return clockOn(day, e.Work), shiftEnd(e, day)
}

func shiftEnd(e Employee, day time.Time) time.Time {
	end := clockOn(day, e.Off)
	if e.Off < e.Work {
		end = clockOn(day.AddDate(0, 0, 1), e.Off)
	}
	return end
}

// clockOn returns the local time hh:mm on the date of day.
func clockOn(day time.Time, hhmm string) time.Time {
	var h, m int
	if _, err := fmt.Sscanf(hhmm, "%d:%d", &h, &m); err != nil {
		h, m = 9, 0
	}
	y, mo, d := day.Date()
	return time.Date(y, mo, d, h, m, 0, 0, day.Location())
}
