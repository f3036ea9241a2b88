package kqapi

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// dayStat is one employee's attendance on one scheduled day, computed from the punches, the
// shift and the applications.
//
// The rules (the vendor does not document them; they follow the field descriptions):
//   - the punches of a shift are those from 4 h before its start to 6 h after its end; the first
//     one before the middle of the shift is the check-in, the last one after it the check-out;
//   - late/early: seconds after the start / before the end; moretime: seconds after the end;
//   - realtime: the part of the shift between check-in and check-out (0 unless both exist);
//   - a scheduled day with no punch at all is absent for the part of the shift not covered by
//     leave or an out-of-office application; a missing check-in or check-out alone is not absent;
//   - leave (type 0 and the custom types) counts the overlap with the shift; overtime (1),
//     time off in lieu (2) and out of office (3) count their whole length on the day they start;
//   - patchtimes counts 补签 punches (atten_type AttenTypeRecheck).
type dayStat struct {
	date                      time.Time
	work, off                 time.Time
	checkin, checkout         int64
	late, early, more         int64
	worktime, realtime        int64
	absent                    int64
	patch                     int
	overtime, switchtime, out int64
	leave                     orderedObject // typeid → seconds
	leaveTotal                int64
}

func overlap(a0, a1, b0, b1 time.Time) int64 {
	lo, hi := a0, a1
	if b0.After(lo) {
		lo = b0
	}
	if b1.Before(hi) {
		hi = b1
	}
	if !hi.After(lo) {
		return 0
	}
	return int64(hi.Sub(lo) / time.Second)
}

func (e *Emulator) dayStat(emp Employee, day time.Time) dayStat {
	start, end := shiftBounds(emp, day)
	s := dayStat{date: day, work: start, off: end, worktime: int64(end.Sub(start) / time.Second)}
	from, to := start.Add(-4*time.Hour).Unix(), end.Add(6*time.Hour).Unix()
	mid := start.Add(end.Sub(start) / 2).Unix()
	var times []int64
	for _, p := range e.punches {
		if p.Account == emp.Account && p.Time >= from && p.Time < to {
			times = append(times, p.Time)
			if p.Type == AttenTypeRecheck {
				s.patch++
			}
		}
	}
	slices.Sort(times)
	for _, t := range times {
		if t < mid && s.checkin == 0 {
			s.checkin = t
		}
		if t >= mid {
			s.checkout = t
		}
	}
	if s.checkin > start.Unix() {
		s.late = s.checkin - start.Unix()
	}
	if s.checkout != 0 && s.checkout < end.Unix() {
		s.early = end.Unix() - s.checkout
	}
	if s.checkout > end.Unix() {
		s.more = s.checkout - end.Unix()
	}
	if s.checkin != 0 && s.checkout != 0 {
		s.realtime = overlap(time.Unix(s.checkin, 0), time.Unix(s.checkout, 0), start, end)
	}
	var covered int64
	dayEnd := day.AddDate(0, 0, 1)
	for _, a := range e.apps {
		if a.Account != emp.Account {
			continue
		}
		af, err1 := e.parseTime(a.Start)
		at, err2 := e.parseTime(a.End)
		if err1 != nil || err2 != nil {
			continue
		}
		whole := int64(at.Sub(af) / time.Second)
		startsToday := !af.Before(day) && af.Before(dayEnd)
		switch a.TypeID {
		case "1":
			if startsToday {
				s.overtime += whole
			}
		case "2":
			if startsToday {
				s.switchtime += whole
			}
		case "3":
			if startsToday {
				s.out += whole
			}
			covered += overlap(af, at, start, end)
		case "4":
		default:
			if ov := overlap(af, at, start, end); ov > 0 {
				s.leaveTotal += ov
				covered += ov
				prev := int64(0)
				if i := slices.Index(s.leave.keys, a.TypeID); i >= 0 {
					prev = s.leave.vals[i].(int64)
				}
				s.leave.set(a.TypeID, prev+ov)
			}
		}
	}
	if len(times) == 0 {
		s.absent = max(0, s.worktime-covered)
	}
	return s
}

// scheduledDays returns the working days in [start, end] (local dates).
func (e *Emulator) scheduledDays(start, end time.Time) []time.Time {
	var days []time.Time
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		if e.calendar.isWorkday(d) {
			days = append(days, d)
		}
	}
	return days
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type dayRow struct {
	UserAccount string `json:"useraccount"`
	Date        string `json:"date"`
	Work        string `json:"work"`
	Offwork     string `json:"offwork"`
	Checkin     string `json:"checkin"`
	Checkout    string `json:"checkout"`
	Late        string `json:"late"`
	LeaveEarly  string `json:"leaveearly"`
	WorkTime    string `json:"worktime"`
	RealTime    string `json:"realtime"`
	Absent      string `json:"absent"`
}

// dayReport answers one row per scheduled day of one employee, at most 31 days.
func (e *Emulator) dayReport(_ time.Time, p params) (any, error) {
	start, end, err := e.dateRange(p)
	if err != nil {
		return nil, err
	}
	if err := required(p, "useraccount"); err != nil {
		return nil, err
	}
	if len(splitList(p["useraccount"])) > 1 {
		return nil, apiError(errOneUser)
	}
	if end.AddDate(0, 0, -30).After(start) {
		return nil, apiError(errSpan31)
	}
	i := e.employeeIndex(strings.TrimSpace(p["useraccount"]))
	if i < 0 {
		return nil, apiError(errNoEmployee)
	}
	emp := e.emps[i]
	out := []dayRow{}
	for _, d := range e.scheduledDays(start, end) {
		s := e.dayStat(emp, d)
		out = append(out, dayRow{emp.Account, d.Format("2006-01-02"), emp.Work, emp.Off, itoa(s.checkin), itoa(s.checkout),
			itoa(s.late), itoa(s.early), itoa(s.worktime), itoa(s.realtime), itoa(s.absent)})
	}
	return out, nil
}

type reportRow struct {
	UserAccount string        `json:"useraccount"`
	WorkDay     string        `json:"workday"`
	RealDay     string        `json:"realday"`
	WorkTime    string        `json:"worktime"`
	RealTime    string        `json:"realtime"`
	NotCheckin  string        `json:"notcheckin"`
	NotCheckout string        `json:"notcheckout"`
	PatchTimes  string        `json:"patchtimes"`
	LaterTimes  string        `json:"latertimes"`
	LateTime    string        `json:"latetime"`
	EarlyTimes  string        `json:"earlytimes"`
	EarlyTime   string        `json:"earlytime"`
	AbsentTimes string        `json:"absenttimes"`
	AbsentTime  string        `json:"absenttime"`
	ApplyTime   string        `json:"applytime"`
	OverTime    string        `json:"overtime"`
	SwitchTime  string        `json:"switchtime"`
	OutTime     string        `json:"outtime"`
	HolidayTime string        `json:"holidaytime"`
	MoreTime    string        `json:"moretime"`
	Apply       orderedObject `json:"apply"`
}

// maxReportDays bounds Report's range. The documentation states no limit; this one only keeps a
// careless call from pinning the emulator.
const maxReportDays = 366

// report answers one summary row per employee of the comma-separated list, paged by 50.
func (e *Emulator) report(_ time.Time, p params) (any, error) {
	start, end, err := e.dateRange(p)
	if err != nil {
		return nil, err
	}
	if end.AddDate(0, 0, -maxReportDays+1).After(start) {
		return nil, apiError("时间跨度过大")
	}
	idx, err := e.employees(p["useraccount"])
	if err != nil {
		return nil, err
	}
	head, lo, hi := pageOf(len(idx), p)
	out := struct {
		paged
		Data []reportRow `json:"data"`
	}{paged: head, Data: []reportRow{}}
	for _, i := range idx[lo:hi] {
		emp := e.emps[i]
		var workday, realday, worktime, realtime, notIn, notOut, patch, lates, late, earlies, early int64
		var absents, absent, applyT, over, switchT, outT, holiday, more int64
		var apply orderedObject
		for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
			if e.calendar.isHoliday(d) {
				sd, od := shiftBounds(emp, d)
				holiday += int64(od.Sub(sd) / time.Second)
			}
			if !e.calendar.isWorkday(d) {
				continue
			}
			s := e.dayStat(emp, d)
			workday++
			worktime += s.worktime
			realtime += s.realtime
			if s.checkin != 0 || s.checkout != 0 {
				realday++
			}
			if s.checkin == 0 && s.leaveTotal == 0 {
				notIn++
			}
			if s.checkout == 0 && s.leaveTotal == 0 {
				notOut++
			}
			patch += int64(s.patch)
			if s.late > 0 {
				lates++
				late += s.late
			}
			if s.early > 0 {
				earlies++
				early += s.early
			}
			if s.absent > 0 {
				absents++
				absent += s.absent
			}
			applyT += s.leaveTotal
			over += s.overtime
			switchT += s.switchtime
			outT += s.out
			more += s.more
			for k, key := range s.leave.keys {
				prev := int64(0)
				if j := slices.Index(apply.keys, key); j >= 0 {
					prev = apply.vals[j].(int64)
				}
				apply.set(key, prev+s.leave.vals[k].(int64))
			}
		}
		out.Data = append(out.Data, reportRow{emp.Account, itoa(workday), itoa(realday), itoa(worktime), itoa(realtime),
			itoa(notIn), itoa(notOut), itoa(patch), itoa(lates), itoa(late), itoa(earlies), itoa(early), itoa(absents),
			itoa(absent), itoa(applyT), itoa(over), itoa(switchT), itoa(outT), itoa(holiday), itoa(more), apply})
	}
	return out, nil
}
