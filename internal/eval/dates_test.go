package eval

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/scalar"
)

func TestMonthRanges(t *testing.T) {
	loc := mustZone(t, "Asia/Shanghai")
	tests := []struct {
		from, to string
		want     []string
	}{
		{"2026-10-15 00:00:00", "2026-10-15 00:00:00", []string{"2026-10-15..2026-10-15"}},
		{"2026-10-30 00:00:00", "2026-11-01 00:00:00", []string{"2026-10-30..2026-10-31", "2026-11-01..2026-11-01"}},
		{"2026-01-31 00:00:00", "2026-03-01 00:00:00", []string{"2026-01-31..2026-01-31", "2026-02-01..2026-02-28", "2026-03-01..2026-03-01"}},
		{"2026-12-31 00:00:00", "2027-01-01 00:00:00", []string{"2026-12-31..2026-12-31", "2027-01-01..2027-01-01"}},
		{"2026-10-15 00:00:00", "2026-10-14 00:00:00", []string{}},
		// A time of day counts for its day in the zone.
		{"2026-10-15 23:30:00", "2026-11-01 00:10:00", []string{"2026-10-15..2026-10-31", "2026-11-01..2026-11-01"}},
	}
	for _, tt := range tests {
		got, err := monthRanges(mustTime(t, tt.from, loc), mustTime(t, tt.to, loc), loc)
		if err != nil {
			t.Fatalf("month_ranges(%s, %s): %v", tt.from, tt.to, err)
		}
		gs := []string{}
		for _, r := range got {
			if r.Start.Location() != loc || r.Start.Hour() != 0 || r.End.Hour() != 0 {
				t.Errorf("month_ranges(%s, %s): %v is not midnights in the zone", tt.from, tt.to, r)
			}
			gs = append(gs, r.Start.Format(time.DateOnly)+".."+r.End.Format(time.DateOnly))
		}
		if d := cmp.Diff(tt.want, gs); d != "" {
			t.Errorf("month_ranges(%s, %s) (-want +got):\n%s", tt.from, tt.to, d)
		}
	}
	if _, err := monthRanges(mustTime(t, "2000-01-01 00:00:00", loc), mustTime(t, "2026-01-01 00:00:00", loc), loc); err == nil {
		t.Error("month_ranges over 26 years: no error")
	}
	ds, err := days(mustTime(t, "2026-10-30 00:00:00", loc), mustTime(t, "2026-11-02 00:00:00", loc), loc)
	if err != nil || len(ds) != 4 || ds[3].Format(time.DateOnly) != "2026-11-02" {
		t.Errorf("days: %v %v", ds, err)
	}
}

func TestWorkday(t *testing.T) {
	loc := mustZone(t, "Asia/Shanghai")
	tests := []struct {
		at, boundary, want string
	}{
		{"2026-11-20 03:59:59", "04:00", "2026-11-19"},
		{"2026-11-20 04:00:00", "04:00", "2026-11-20"},
		{"2026-11-01 00:30:00", "04:00", "2026-10-31"},
		{"2026-11-20 00:00:00", "00:00", "2026-11-20"},
	}
	for _, tt := range tests {
		at := mustTime(t, tt.at, loc)
		b := mustTimeOfDay(t, tt.boundary)
		if got := workday(at, b, loc); got != tt.want {
			t.Errorf("workday(%s, %s) = %s, want %s", tt.at, tt.boundary, got, tt.want)
		}
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustTime(t *testing.T, s string, loc *time.Location) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation(time.DateTime, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func mustTimeOfDay(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := scalar.ParseTimeOfDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
