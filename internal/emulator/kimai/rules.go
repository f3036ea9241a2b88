package kimai

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Messages of the timesheet rules (src/Validator/Constraints/Timesheet*.php).
const (
	msgOverlapping   = "You already have an entry for this time."
	msgBeginInFuture = "The begin date cannot be in the future."
	msgEndInFuture   = "The end date cannot be in the future."
	msgZeroDuration  = "Duration cannot be zero."
	msgLocked        = "This period is locked, please choose a later date."
)

// rounding returns the rounding rule in force: the configured one, or Kimai's default (begin
// down and end up to the full minute, the duration not rounded).
func (e *Emulator) rounding() Rounding {
	if e.cfg.Rounding != nil {
		return *e.cfg.Rounding
	}
	return Rounding{Mode: "default", Begin: 1, End: 1}
}

// appliesOn reports whether the rule applies on the weekday of t.
func (r Rounding) appliesOn(t time.Time) bool {
	return r.Days == nil || containsStr(r.Days, strings.ToLower(t.Weekday().String()))
}

// directions returns how begin, end and duration are rounded in the rule's mode
// (Default/Floor/Ceil/ClosestRounding).
func (r Rounding) directions() (begin, end, duration string) {
	switch r.Mode {
	case "floor", "ceil", "closest":
		return r.Mode, r.Mode, r.Mode
	}
	return "floor", "ceil", "ceil"
}

// roundSeconds rounds n (a unix timestamp or a duration in seconds) to a step of minutes, as
// Kimai's rounding modes do with timestamp % seconds.
func roundSeconds(n int64, minutes int, how string) int64 {
	if minutes <= 0 {
		return n
	}
	step := int64(minutes) * 60
	diff := n % step
	if diff < 0 {
		diff += step
	}
	if diff == 0 {
		return n
	}
	switch how {
	case "floor":
		return n - diff
	case "closest":
		if diff > step/2 {
			return n - diff + step
		}
		return n - diff
	}
	return n - diff + step
}

func roundTime(t time.Time, minutes int, how string) time.Time {
	return time.Unix(roundSeconds(t.Unix(), minutes, how), 0).In(t.Location())
}

// recalc applies rounding, duration and rates to t (DefaultMode::create rounds the begin of a
// running record; DurationCalculator and RoundingService::applyRoundings round begin, end and
// duration of a stopped one, by the rule of the end's weekday; RateCalculator).
func (e *Emulator) recalc(t *Timesheet) {
	loc, err := time.LoadLocation(t.Timezone)
	if err != nil {
		loc = time.UTC
	}
	r := e.rounding()
	hb, he, hd := r.directions()
	t.Begin = t.Begin.In(loc)
	if t.End == nil {
		if r.appliesOn(t.Begin) {
			t.Begin = roundTime(t.Begin, r.Begin, hb)
		}
		t.Duration, t.Rate, t.InternalRate = 0, 0, 0
		return
	}
	end := t.End.In(loc)
	t.Duration = int(end.Sub(t.Begin) / time.Second)
	if r.appliesOn(end) {
		t.Begin = roundTime(t.Begin, r.Begin, hb)
		end = roundTime(end, r.End, he)
		t.Duration = int(roundSeconds(int64(end.Sub(t.Begin)/time.Second), r.Duration, hd))
	}
	t.End = &end
	hours := float64(t.Duration) / 3600
	if t.FixedRate != nil {
		t.Rate = *t.FixedRate
	} else {
		t.Rate = math.Round(t.HourlyRate*hours*100) / 100
	}
	t.InternalRate = t.Rate
}

// checkRules adds the violations of the configurable timesheet rules to f: future times
// (TimesheetFutureTimesValidator, allowing the default begin/end rounding plus a minute), zero
// duration, overlapping records of the owner (TimesheetRepository::hasRecordForTime, one second
// of slack at each end) and the lockdown period (TimesheetLockdownValidator). Their paths
// (begin_date, end_time, duration) are no children of the API form, so they are form-level
// errors.
func (e *Emulator) checkRules(f *form, u *User, t *Timesheet) {
	now := e.clock.Now()
	r := e.rounding()
	if e.cfg.ForbidFutureTimes {
		if now.Add(time.Duration(r.Begin*60+60) * time.Second).Before(t.Begin) {
			f.addGlobal(msgBeginInFuture)
		}
		if t.End != nil && now.Add(time.Duration(r.End*60+60)*time.Second).Before(*t.End) {
			f.addGlobal(msgEndInFuture)
		}
	}
	if e.cfg.ForbidZeroDuration && t.End != nil && t.End.Unix() == t.Begin.Unix() {
		f.addGlobal(msgZeroDuration)
	}
	if e.cfg.ForbidOverlapping && !(t.End != nil && t.End.Before(t.Begin)) && e.overlaps(t) {
		f.addGlobal(msgOverlapping)
	}
	if e.cfg.Lockdown != nil && !can(u, "lockdown_override_timesheet") &&
		!e.editableInLockdown(t, now, can(u, "lockdown_grace_timesheet")) {
		f.addGlobal(msgLocked)
	}
}

// overlaps is TimesheetRepository::hasRecordForTime: another stopped record of the owner holds
// begin+1s, end-1s, or lies within them (SQL BETWEEN, bounds included).
func (e *Emulator) overlaps(t *Timesheet) bool {
	between := func(x, lo, hi time.Time) bool { return !x.Before(lo) && !x.After(hi) }
	begin := t.Begin.Add(time.Second)
	for _, x := range e.timesheets {
		if x.User != t.User || x.End == nil || x.ID == t.ID {
			continue
		}
		if between(begin, x.Begin, *x.End) {
			return true
		}
		if t.End != nil {
			end := t.End.Add(-time.Second)
			if between(end, x.Begin, *x.End) || between(x.Begin, begin, end) || between(*x.End, begin, end) {
				return true
			}
		}
	}
	return false
}

// editableInLockdown is LockdownService::isEditable: records beginning after the period's end
// are free; those in the period are editable until the grace period is over, and after it only
// with the grace permission; older ones never.
func (e *Emulator) editableInLockdown(t *Timesheet, now time.Time, grace bool) bool {
	l := e.cfg.Lockdown
	if !lockdownActive(l) {
		return true
	}
	zone := l.Timezone
	if zone == "" {
		zone = t.Timezone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return true
	}
	// The phrases are read at the current time in that zone (new \DateTimeImmutable($value,
	// $timezone)), the grace period from the end ($end->modify($grace)).
	start, err1 := lockdownTime(l.Start, now.In(loc))
	end, err2 := lockdownTime(l.End, now.In(loc))
	graceEnd, err3 := end, error(nil)
	if l.Grace != "" {
		graceEnd, err3 = phpTime(l.Grace, end)
	}
	if err1 != nil || err2 != nil || err3 != nil || end.Before(start) {
		return true // misconfigured: Kimai skips the check
	}
	if t.Begin.After(end) {
		return true
	}
	if !t.Begin.Before(start) && (!now.After(graceEnd) || grace) {
		return true
	}
	return false
}

// lockdownActive is LockdownService::isLockdownActive: both a start and an end are set.
func lockdownActive(l *Lockdown) bool {
	return l != nil && strings.TrimSpace(l.Start) != "" && strings.TrimSpace(l.End) != ""
}

// lockdownTime reads a lockdown start or end: a PHP date/time phrase, or several separated by
// commas, of which the latest counts (LockdownService::getLockdownPeriodStart/End).
func lockdownTime(setting string, now time.Time) (time.Time, error) {
	var latest time.Time
	for i, s := range strings.Split(setting, ",") {
		t, err := phpTime(s, now)
		if err != nil {
			return time.Time{}, err
		}
		if i == 0 || t.After(latest) {
			latest = t
		}
	}
	return latest, nil
}

// checkLockdown refuses lockdown settings the emulator cannot evaluate, as Kimai's settings
// screen refuses what PHP cannot parse (SystemConfigurationController: DateTimeFormat with the
// separator "," for start and end, without for the grace period).
func checkLockdown(l *Lockdown, now time.Time) error {
	if !lockdownActive(l) {
		return nil
	}
	if l.Timezone != "" {
		if _, err := time.LoadLocation(l.Timezone); err != nil {
			return fmt.Errorf("lockdown timezone %q: %w", l.Timezone, err)
		}
	}
	for _, s := range []struct{ name, v string }{{"start", l.Start}, {"end", l.End}} {
		if _, err := lockdownTime(s.v, now); err != nil {
			return fmt.Errorf("lockdown %s: %w", s.name, err)
		}
	}
	if l.Grace != "" {
		if _, err := phpTime(l.Grace, now); err != nil {
			return fmt.Errorf("lockdown grace period: %w", err)
		}
	}
	return nil
}

// allowedInLockdown is TimesheetVoter::isAllowedInLockdown, for edit and delete.
func (e *Emulator) allowedInLockdown(u *User, t *Timesheet) bool {
	if e.cfg.Lockdown == nil || can(u, "lockdown_override_timesheet") {
		return true
	}
	return e.editableInLockdown(t, e.clock.Now(), can(u, "lockdown_grace_timesheet"))
}

// activeLimit is timesheet.active_entries.hard_limit.
func (e *Emulator) activeLimit() int {
	if e.cfg.ActiveEntriesHardLimit > 0 {
		return e.cfg.ActiveEntriesHardLimit
	}
	return 1
}

// stopRunning is TimesheetService::stopActiveEntries: while the owner has more running records
// than the hard limit, the oldest ones other than keep are stopped.
func (e *Emulator) stopRunning(owner int, keep int, now time.Time) {
	var active []*Timesheet
	for _, x := range e.timesheets {
		if x.User == owner && x.End == nil {
			active = append(active, x)
		}
	}
	sortBy(active, false, func(a, b *Timesheet) int { return a.Begin.Compare(b.Begin) })
	stop := len(active) - e.activeLimit()
	for _, x := range active {
		if stop <= 0 {
			return
		}
		if x.ID == keep {
			continue
		}
		end := now
		x.End = &end
		e.recalc(x)
		x.Modified = now
		stop--
	}
}
