package kimai

// PHP date/time strings, as Kimai's lockdown settings are written (timesheet.rules.
// lockdown_period_start / _end: `new \DateTimeImmutable($value, $zone)`; lockdown_grace_period:
// `$end->modify($value)`; src/Timesheet/LockdownService.php). The emulator evaluates the subset
// Kimai's docs, settings screen and tests use, and refuses anything else with an error naming
// that subset (Kimai's settings screen refuses what PHP cannot parse: DateTimeFormat):
//
//   - absolute: 2026-09-01, 2026-09-01 00:00:00 (a date alone is midnight)
//   - a time of day: 23:59, 23:59:59 (with anything else)
//   - now, today, midnight, noon, yesterday, tomorrow
//   - first day of / last day of, then this, last, previous or next month (the time of day is
//     kept unless one is given: "last day of last month 23:59:59")
//   - a weekday (monday..sunday, time 00:00), alone (that day or the next one of its name) or with
//     this, last, previous or next week (the day of that Monday-to-Sunday week)
//   - offsets: +10 days, + 12 hours, -1 week, 2 months, last month, next year (sec, min, hour,
//     day, week, fortnight, month, year and their plurals; months overflow as PHP's do)

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// phpSupported names the phrases [phpTime] understands, for errors.
const phpSupported = `a date (2026-09-01[ 00:00:00]), a time (23:59:59), now/today/midnight/noon/yesterday/tomorrow, "first|last day of this|last|next month", a weekday with "this|last|next week", offsets such as "+10 days" or "+ 12 hours"`

var phpToken = regexp.MustCompile(`\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}(?::\d{2})?|[+-]|\d+|[a-z]+`)

var phpUnits = map[string]string{
	"sec": "s", "secs": "s", "second": "s", "seconds": "s",
	"min": "m", "mins": "m", "minute": "m", "minutes": "m",
	"hour": "h", "hours": "h",
	"day": "d", "days": "d",
	"week": "w", "weeks": "w", "fortnight": "f", "fortnights": "f",
	"month": "M", "months": "M",
	"year": "y", "years": "y",
}

var phpRelWords = map[string]int{"this": 0, "last": -1, "previous": -1, "next": 1}

var phpWeekdays = map[string]time.Weekday{
	"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday, "thursday": time.Thursday,
	"friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
}

// phpTime evaluates s as PHP's date/time parser does with base as "now" (and its zone): `new
// \DateTimeImmutable(s, zone)` is phpTime(s, now.In(zone)), `$t->modify(s)` is phpTime(s, t).
func phpTime(s string, base time.Time) (time.Time, error) {
	src := strings.ToLower(strings.TrimSpace(s))
	if src == "" {
		return time.Time{}, fmt.Errorf("%q is empty; want %s", s, phpSupported)
	}
	var words []string
	last := 0
	for _, m := range phpToken.FindAllStringIndex(src, -1) {
		if strings.TrimSpace(src[last:m[0]]) != "" {
			return time.Time{}, fmt.Errorf("%q: cannot read %q; want %s", s, strings.TrimSpace(src[last:m[0]]), phpSupported)
		}
		words = append(words, src[m[0]:m[1]])
		last = m[1]
	}
	if strings.TrimSpace(src[last:]) != "" {
		return time.Time{}, fmt.Errorf("%q: cannot read %q; want %s", s, strings.TrimSpace(src[last:]), phpSupported)
	}
	var p phpParse
	if err := p.read(words); err != nil {
		return time.Time{}, fmt.Errorf("%q: %w; want %s", s, err, phpSupported)
	}
	return p.apply(base), nil
}

// phpParse is what a phrase sets: absolute fields, relative amounts, and the special
// "first/last day of" and weekday parts.
type phpParse struct {
	date, clock bool // an absolute date, a time of day
	y, d        int
	mo          time.Month
	h, mi, se   int
	reset       bool // today, midnight, a weekday...: the time is 00:00 unless one is given
	rel         [7]int
	dayOf       string // "first", "last" or ""
	weekday     time.Weekday
	hasWeekday  bool
	week        *int // the week of a weekday ("monday last week": -1)
}

// Indexes of phpParse.rel.
const (
	relY = iota
	relM
	relD
	relH
	relMin
	relS
)

func (p *phpParse) read(words []string) error {
	for i := 0; i < len(words); i++ {
		w := words[i]
		next := func(k int) string {
			if i+k < len(words) {
				return words[i+k]
			}
			return ""
		}
		switch {
		case len(w) == 10 && w[4] == '-':
			t, err := time.Parse(time.DateOnly, w)
			if err != nil {
				return fmt.Errorf("no such date %s", w)
			}
			p.date, p.y, p.mo, p.d = true, t.Year(), t.Month(), t.Day()
		case strings.Contains(w, ":"):
			parts := strings.Split(w, ":")
			h, _ := strconv.Atoi(parts[0])
			mi, _ := strconv.Atoi(parts[1])
			se := 0
			if len(parts) == 3 {
				se, _ = strconv.Atoi(parts[2])
			}
			if h > 23 || mi > 59 || se > 59 {
				return fmt.Errorf("no such time %s", w)
			}
			p.clock, p.h, p.mi, p.se = true, h, mi, se
		case w == "now":
		case w == "today" || w == "midnight":
			p.reset = true
		case w == "noon":
			p.clock, p.h, p.mi, p.se = true, 12, 0, 0
		case w == "yesterday" || w == "tomorrow":
			p.reset = true
			p.rel[relD] += map[string]int{"yesterday": -1, "tomorrow": 1}[w]
		case (w == "first" || w == "last") && next(1) == "day" && next(2) == "of":
			p.dayOf = w
			i += 2
		case isWeekday(w):
			p.weekday, p.hasWeekday, p.reset = phpWeekdays[w], true, true
			if n, ok := phpRelWords[next(1)]; ok && next(2) == "week" {
				p.week = &n
				i += 2
			}
		case w == "+" || w == "-" || (w[0] >= '0' && w[0] <= '9'):
			sign := 1
			if w == "+" || w == "-" {
				if w == "-" {
					sign = -1
				}
				i++
				w = next(0)
			}
			n, err := strconv.Atoi(w)
			if err != nil {
				return fmt.Errorf("a number must follow %q", words[i-1])
			}
			if err := p.add(next(1), sign*n); err != nil {
				return err
			}
			i++
		default:
			n, ok := phpRelWords[w]
			if !ok {
				return fmt.Errorf("cannot read %q", w)
			}
			if err := p.add(next(1), n); err != nil {
				return err
			}
			i++
		}
	}
	return nil
}

func isWeekday(w string) bool {
	_, ok := phpWeekdays[w]
	return ok
}

// add adds n of unit (a word of phpUnits) to the relative part.
func (p *phpParse) add(unit string, n int) error {
	switch phpUnits[unit] {
	case "s":
		p.rel[relS] += n
	case "m":
		p.rel[relMin] += n
	case "h":
		p.rel[relH] += n
	case "d":
		p.rel[relD] += n
	case "w":
		p.rel[relD] += 7 * n
	case "f":
		p.rel[relD] += 14 * n
	case "M":
		p.rel[relM] += n
	case "y":
		p.rel[relY] += n
	default:
		return fmt.Errorf("%q is no unit (sec, min, hour, day, week, fortnight, month, year)", unit)
	}
	return nil
}

// apply computes the phrase's time from base, as PHP does: absolute fields first, then the
// relative amounts, "first/last day of" on the month reached, the weekday last.
func (p *phpParse) apply(base time.Time) time.Time {
	loc := base.Location()
	y, mo, d := base.Date()
	h, mi, se := base.Clock()
	if p.date {
		y, mo, d = p.y, p.mo, p.d
	}
	if (p.date || p.reset) && !p.clock {
		h, mi, se = 0, 0, 0
	}
	if p.clock {
		h, mi, se = p.h, p.mi, p.se
	}
	var t time.Time
	switch p.dayOf {
	case "first":
		t = time.Date(y+p.rel[relY], mo+time.Month(p.rel[relM]), 1+p.rel[relD], h, mi, se, 0, loc)
	case "last":
		t = time.Date(y+p.rel[relY], mo+time.Month(p.rel[relM])+1, p.rel[relD], h, mi, se, 0, loc)
	default:
		// time.Date normalises a day past the month's end as PHP does: "+1 month" from 31
		// January is 3 March.
		t = time.Date(y+p.rel[relY], mo+time.Month(p.rel[relM]), d+p.rel[relD], h, mi, se, 0, loc)
	}
	t = t.Add(time.Duration(p.rel[relH])*time.Hour + time.Duration(p.rel[relMin])*time.Minute + time.Duration(p.rel[relS])*time.Second)
	if p.hasWeekday {
		if p.week != nil {
			// The day of that Monday-to-Sunday week.
			monday := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
			t = monday.AddDate(0, 0, 7**p.week+(int(p.weekday)+6)%7)
		} else {
			t = t.AddDate(0, 0, (int(p.weekday)-int(t.Weekday())+7)%7)
		}
	}
	return t
}
