package kimai

import (
	"strings"
	"testing"
	"time"
)

// TestPHPTime: the PHP date/time phrases of Kimai's lockdown settings, read as
// `new \DateTimeImmutable($phrase, $zone)` at a Thursday afternoon in Shanghai, and `modify`.
func TestPHPTime(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation(time.DateTime, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	thursday := at("2026-10-15 14:30:00")
	tests := []struct {
		phrase string
		base   time.Time
		want   string
	}{
		// the phrases of Kimai's LockdownServiceTest, SystemConfigurationTest and settings tests
		{"first day of last month", thursday, "2026-09-01 14:30:00"},
		{"last day of last month", thursday, "2026-09-30 14:30:00"},
		{"first day of this month", thursday, "2026-10-01 14:30:00"},
		{"first day of last month 01:23:45", thursday, "2026-09-01 01:23:45"},
		{"last day of last month 23:01:45", thursday, "2026-09-30 23:01:45"},
		{"+10 days", thursday, "2026-10-25 14:30:00"},
		{"+5 days", thursday, "2026-10-20 14:30:00"},
		{"-5 days", thursday, "2026-10-10 14:30:00"},
		{"+ 12 hours", thursday, "2026-10-16 02:30:00"},
		// the others the emulator reads
		{"First Day Of Last Month 00:00:00", thursday, "2026-09-01 00:00:00"},
		{"last day of last month 23:59:59", thursday, "2026-09-30 23:59:59"},
		{"last day of next month", thursday, "2026-11-30 14:30:00"},
		{"first day of previous month midnight", thursday, "2026-09-01 00:00:00"},
		{"first day of last month", at("2026-03-31 10:00:00"), "2026-02-01 10:00:00"},
		{"last day of last month", at("2026-03-31 10:00:00"), "2026-02-28 10:00:00"},
		{"+1 month", at("2026-01-31 10:00:00"), "2026-03-03 10:00:00"},
		{"last month", thursday, "2026-09-15 14:30:00"},
		{"next year", thursday, "2027-10-15 14:30:00"},
		{"-1 week +2 days 3 hours", thursday, "2026-10-10 17:30:00"},
		{"monday last week", thursday, "2026-10-05 00:00:00"},
		{"sunday last week 23:59:59", thursday, "2026-10-11 23:59:59"},
		{"monday this week", thursday, "2026-10-12 00:00:00"},
		{"friday", thursday, "2026-10-16 00:00:00"},
		{"thursday", thursday, "2026-10-15 00:00:00"},
		{"today", thursday, "2026-10-15 00:00:00"},
		{"yesterday 12:00", thursday, "2026-10-14 12:00:00"},
		{"tomorrow", thursday, "2026-10-16 00:00:00"},
		{"noon", thursday, "2026-10-15 12:00:00"},
		{"now", thursday, "2026-10-15 14:30:00"},
		{"2026-09-01 00:00:00", thursday, "2026-09-01 00:00:00"},
		{"2026-09-30", thursday, "2026-09-30 00:00:00"},
		{" 2026-09-30 23:59 ", thursday, "2026-09-30 23:59:00"},
	}
	for _, tt := range tests {
		got, err := phpTime(tt.phrase, tt.base)
		if err != nil {
			t.Errorf("%q: %v", tt.phrase, err)
			continue
		}
		if got.Location() != loc || got.Format(time.DateTime) != tt.want {
			t.Errorf("%q at %s = %s, want %s in %s", tt.phrase, tt.base, got, tt.want, loc)
		}
	}
	// Kimai's own invalid settings (LockdownServiceTest::getConfigTestData) and phrases PHP
	// reads but the emulator does not: an error naming what it reads.
	for _, bad := range []string{"öööö", "+5 of !!!!", "", "2026-02-30", "25:00", "+5", "first monday of next month", "next friday at noon", "@1700000000"} {
		if _, err := phpTime(bad, thursday); err == nil || !strings.Contains(err.Error(), "first|last day of") {
			t.Errorf("%q: error %v, want one naming the phrases the emulator reads", bad, err)
		}
	}
}

// TestLockdownKimaiCases ports tests/Timesheet/LockdownServiceTest.php: the lockdown period
// "first day of last month" to "last day of last month" with the grace period "+10 days",
// records beginning five days before or after its start, checked at the first day of this
// month plus 5 or 11 days, with and without the grace permission.
func TestLockdownKimaiCases(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	// Kimai's tests run at the real time; any day of a month is as good.
	for _, today := range []time.Time{time.Date(2026, 10, 15, 14, 30, 0, 0, loc), time.Date(2026, 3, 31, 23, 0, 0, 0, loc)} {
		e := &Emulator{cfg: Config{Lockdown: &Lockdown{Start: "first day of last month", End: "last day of last month", Grace: "+10 days"}}}
		at := func(phrase, modify string) time.Time {
			v, err := phpTime(phrase, today)
			if err == nil {
				v, err = phpTime(modify, v)
			}
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		sheet := func(beginModifier string) *Timesheet {
			return &Timesheet{Begin: at("first day of last month", beginModifier), Timezone: "Asia/Shanghai"}
		}
		for _, tt := range []struct {
			grace         bool
			begin, now    string
			wantViolation bool
		}{
			{false, "-5 days", "+5 days", true},  // before the last lockdown period
			{true, "-5 days", "+5 days", true},   // ... also with the grace permission
			{false, "+5 days", "+5 days", false}, // in the last period, during the grace period
			{false, "+5 days", "+11 days", true}, // after the grace period
			{true, "+5 days", "+11 days", false}, // ... allowed with the grace permission
		} {
			now := at("first day of this month", tt.now)
			if got := e.editableInLockdown(sheet(tt.begin), now, tt.grace); got == tt.wantViolation {
				t.Errorf("%s: begin %s, now %s, grace %v: editable %v, want %v", today.Format(time.DateOnly), tt.begin, tt.now, tt.grace, got, !tt.wantViolation)
			}
		}
		// testValidatorWithEndBeforeStartPeriod: a misconfigured period is not checked.
		e.cfg.Lockdown.Start = "first day of this month"
		if !e.editableInLockdown(sheet("+5 days"), at("first day of this month", "now"), false) {
			t.Errorf("%s: end before start: not editable, want the check skipped", today.Format(time.DateOnly))
		}
		// getConfigTestData: a start or an end alone is no lockdown (isLockdownActive).
		for _, l := range []Lockdown{{}, {Start: "+5 days"}, {End: "+5 days"}} {
			e.cfg.Lockdown = &l
			if !e.editableInLockdown(sheet("+5 days"), at("first day of this month", "now"), false) {
				t.Errorf("lockdown %+v: not editable, want no lockdown", l)
			}
		}
	}
}

// TestLockdownSettings: SetConfig refuses phrases the emulator cannot read (Kimai's settings
// screen refuses what PHP cannot parse) and takes comma lists, of which the latest counts.
func TestLockdownSettings(t *testing.T) {
	v := newEnv(t)
	for _, l := range []Lockdown{
		{Start: "öööö", End: "last day of last month"},
		{Start: "first day of last month", End: "+5 of !!!!"},
		{Start: "first day of last month", End: "last day of last month", Grace: "240h"},
		{Start: "first day of last month", End: "last day of last month", Timezone: "Mars/Olympus"},
	} {
		cfg := v.e.Config()
		cfg.Lockdown = &l
		if err := v.e.SetConfig(cfg); err == nil {
			t.Errorf("SetConfig(lockdown %+v) = nil, want an error", l)
		}
	}
	if v.e.Config().Lockdown != nil {
		t.Errorf("a refused setting changed the configuration: %+v", v.e.Config().Lockdown)
	}
	got, err := lockdownTime("first day of last month, first day of this month,2026-01-01", testNow)
	if err != nil || !got.Equal(time.Date(2026, 10, 1, testNow.Hour(), 0, 0, 0, time.UTC)) {
		t.Errorf("the latest of a comma list = %s, %v; want the first day of this month", got, err)
	}
}
