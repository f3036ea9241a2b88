package scalar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Layouts used by the vendors.
const (
	DateLayout     = "2006-01-02"
	DateTimeLayout = "2006-01-02 15:04:05"
)

// localLayouts are date-times without an offset, read in the caller's location.
var localLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
}

// offsetLayouts are date-times that carry their own offset, which is kept.
var offsetLayouts = []string{
	time.RFC3339, // also accepts fractional seconds and "Z"
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
}

// orUTC returns loc, or time.UTC when loc is nil.
func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// ParseDate parses "2006-01-02" as midnight of that day in loc (UTC when loc is nil).
// Surrounding spaces are ignored.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(DateLayout, strings.TrimSpace(s), orUTC(loc))
	if err != nil {
		return time.Time{}, fmt.Errorf("scalar: cannot parse %q as a date (want YYYY-MM-DD)", truncate(s))
	}
	return t, nil
}

// ParseDateTime parses a date and time. Forms without an offset ("2006-01-02 15:04:05",
// "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04") are read as local time in
// loc (UTC when loc is nil). Forms with an offset ("2006-01-02T15:04:05-0700",
// "2006-01-02T15:04:05-07:00", RFC 3339 with "Z" or fractional seconds, and the same with a
// space instead of "T") keep their own offset, e.g. Kimai's "+1300". Fractional seconds are
// accepted after the seconds in every form. Surrounding spaces are ignored.
func ParseDateTime(s string, loc *time.Location) (time.Time, error) {
	in := strings.TrimSpace(s)
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, in, orUTC(loc)); err == nil {
			return t, nil
		}
	}
	for _, layout := range offsetLayouts {
		if t, err := time.Parse(layout, in); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("scalar: cannot parse %q as a date and time (want YYYY-MM-DD HH:MM[:SS] or RFC 3339)", truncate(s))
}

// ParseTimeOfDay parses a time of day, "09:00", "9:00", "19:30" or "09:00:15", and returns it
// as the offset from midnight. Hours run from 0 to 23 ("24:00" is accepted as the end of the
// day), minutes and seconds from 0 to 59.
func ParseTimeOfDay(s string) (time.Duration, error) {
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("scalar: cannot parse %q as a time of day (want HH:MM or HH:MM:SS)", truncate(s))
	}
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return bad()
	}
	var v [3]int
	for i, p := range parts {
		if (i == 0 && (len(p) < 1 || len(p) > 2)) || (i > 0 && len(p) != 2) || !allDigits(p) {
			return bad()
		}
		v[i], _ = strconv.Atoi(p) // at most two digits
	}
	h, m, sec := v[0], v[1], v[2]
	if m > 59 || sec > 59 || h > 24 || (h == 24 && (m != 0 || sec != 0)) {
		return bad()
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second, nil
}

// FormatDate formats t as "2006-01-02" in t's own location.
func FormatDate(t time.Time) string { return t.Format(DateLayout) }

// FormatDateTime formats t with layout in t's own location; an empty layout means
// "2006-01-02 15:04:05".
func FormatDateTime(t time.Time, layout string) string {
	if layout == "" {
		layout = DateTimeLayout
	}
	return t.Format(layout)
}
