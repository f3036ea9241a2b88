package eval

import (
	"fmt"
	"time"
)

// DateRange is a run of whole days, first and last included (midnights in the pipeline's
// zone): a record of month_ranges.
type DateRange struct {
	Start time.Time `expr:"start" json:"start"`
	End   time.Time `expr:"end" json:"end"`
}

// maxRangeDays bounds the days month_ranges and days cover (ten years).
const maxRangeDays = 3660

// monthRanges splits the days from..to (both included) at month boundaries: kqapi's recordlog
// never crosses a month. Times are taken as their day in loc. An empty list when to is before
// from.
func monthRanges(from, to time.Time, loc *time.Location) ([]DateRange, error) {
	first, last := dayOf(from, loc), dayOf(to, loc)
	if last.Sub(first) > maxRangeDays*24*time.Hour {
		return nil, fmt.Errorf("month_ranges: %s to %s is more than %d days", first.Format(time.DateOnly), last.Format(time.DateOnly), maxRangeDays)
	}
	out := []DateRange{}
	for d := first; !d.After(last); {
		y, m, _ := d.Date()
		end := time.Date(y, m+1, 1, 0, 0, 0, 0, loc).AddDate(0, 0, -1)
		if end.After(last) {
			end = last
		}
		out = append(out, DateRange{Start: d, End: end})
		d = end.AddDate(0, 0, 1)
	}
	return out, nil
}

// days lists the days from..to (both included) as midnights in loc.
func days(from, to time.Time, loc *time.Location) ([]time.Time, error) {
	first, last := dayOf(from, loc), dayOf(to, loc)
	if last.Sub(first) > maxRangeDays*24*time.Hour {
		return nil, fmt.Errorf("days: %s to %s is more than %d days", first.Format(time.DateOnly), last.Format(time.DateOnly), maxRangeDays)
	}
	out := []time.Time{}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out, nil
}

func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
