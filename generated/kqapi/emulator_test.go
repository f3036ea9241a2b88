package kqapi

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	emu "github.com/specpipe/specpipe/internal/emulator/kqapi"
	"github.com/specpipe/specpipe/internal/runtime/clock"
)

// The generated client and the emulator were written apart (the emulator from the vendor's
// document, the client from the spec); here they must agree. Both run on one fake clock, so the
// real 20 s rule is enforced by the emulator and respected by the client without real waiting.
func emulated(t *testing.T) (*Client, *emu.Emulator, *clock.Fake) {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	clk := clock.NewFake(time.Date(2026, 11, 2, 10, 0, 0, 0, loc))
	e, err := emu.New(emu.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, Account: emu.SandboxAccount, Key: emu.SandboxKey, Options: Options{Clock: clk}})
	if err != nil {
		t.Fatal(err)
	}
	return c, e, clk
}

func TestAgainstEmulatorRecordLog(t *testing.T) {
	c, e, _ := emulated(t)
	loc := zone
	day := time.Date(2026, 10, 15, 0, 0, 0, 0, loc)
	var got []string
	for p, err := range c.RecordLogAll(context.Background(), RecordLogParams{Start: day, End: day}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.AttenDate.Format("2006-01-02") != "2026-10-15" {
			t.Errorf("punch %s dated %v", p.AttenID, p.AttenDate)
		}
		got = append(got, p.AttenID+"@"+strconv.FormatInt(p.AttenTime.Unix(), 10))
	}
	var want []string
	for _, p := range e.Punches() {
		if time.Unix(p.Time, 0).In(loc).Format("2006-01-02") == "2026-10-15" {
			want = append(want, strconv.FormatInt(p.ID, 10)+"@"+strconv.FormatInt(p.Time, 10))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) <= 50 {
		t.Fatalf("the fixture has %d punches on the day; the test needs more than one page", len(want))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("punches of 2026-10-15 (-emulator +client):\n%s", d)
	}
	// No call was refused for coming too early.
	for _, j := range e.Journal.Entries() {
		if j.Outcome != "ok" {
			t.Errorf("emulator refused %s: %s", j.Path, j.Outcome)
		}
	}
}

func TestAgainstEmulatorStateAndReports(t *testing.T) {
	c, e, _ := emulated(t)
	ctx := context.Background()
	var n int
	for _, err := range c.GetEmployeeAll(ctx, GetEmployeeParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(e.Employees()) {
		t.Errorf("GetEmployeeAll yielded %d, the emulator has %d", n, len(e.Employees()))
	}
	added, err := c.AddEmployee(ctx, AddEmployeeParams{Realname: "新员工", Password: "e10adc3949ba59abbe56e057f20f883e", Mobile: "13900000000", Sex: SexFemale, Deptid: 102})
	if err != nil {
		t.Fatal(err)
	}
	detail, err := c.GetUserDetail(ctx, GetUserDetailParams{Useraccount: added.Account})
	if err != nil {
		t.Fatal(err)
	}
	if detail.Realname != "新员工" || detail.Sex != SexFemale || detail.Mobile != "13900000000" {
		t.Errorf("GetUserDetail = %+v", detail)
	}
	start := time.Date(2026, 10, 20, 9, 0, 0, 0, zone)
	if _, err := c.Apply(ctx, ApplyParams{Useraccount: added.Account, Starttime: start, Endtime: start.Add(8 * time.Hour), Type: 3, Reason: "客户拜访"}); err != nil {
		t.Fatal(err)
	}
	var apps []Application
	for a, err := range c.ApplyRecordAll(ctx, ApplyRecordParams{Useraccount: added.Account,
		Start: time.Date(2026, 10, 1, 0, 0, 0, 0, zone), End: time.Date(2026, 10, 31, 0, 0, 0, 0, zone)}) {
		if err != nil {
			t.Fatal(err)
		}
		apps = append(apps, a)
	}
	if len(apps) != 1 || !apps[0].From.Equal(start) || apps[0].Useraccount != added.Account {
		t.Errorf("ApplyRecord = %+v, want the one application from %v", apps, start)
	}
	emp := e.Employees()[3].Account
	days, err := c.DayReport(ctx, DayReportParams{Useraccount: emp,
		Start: time.Date(2026, 10, 1, 0, 0, 0, 0, zone), End: time.Date(2026, 10, 31, 0, 0, 0, 0, zone)})
	if err != nil {
		t.Fatal(err)
	}
	worked := 0
	for _, d := range days {
		if !d.Checkin.IsZero() && !d.Checkout.IsZero() && d.Checkout.After(d.Checkin) {
			worked++
		}
	}
	if worked < 15 {
		t.Errorf("dayReport of %s shows %d worked days in October, want most working days", emp, worked)
	}
	rep, err := c.Report(ctx, ReportParams{Useraccount: emp, Start: time.Date(2026, 10, 1, 0, 0, 0, 0, zone), End: time.Date(2026, 10, 31, 0, 0, 0, 0, zone)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Data) != 1 || rep.Data[0].Workday == 0 || rep.Data[0].Useraccount != emp {
		t.Errorf("Report = %+v", rep)
	}
	types, err := c.ApplyType(ctx, ApplyTypeParams{})
	if err != nil || types["1"] != "加班" {
		t.Errorf("ApplyType = %v, %v", types, err)
	}
}

func TestAgainstEmulatorRejections(t *testing.T) {
	c, _, _ := emulated(t)
	bad, err := New(Config{BaseURL: c.cfg.BaseURL, Account: emu.SandboxAccount, Key: "wrong", Options: c.cfg.Options})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.GetDepartment(context.Background(), GetDepartmentParams{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "0" || ae.Message == "" {
		t.Fatalf("wrong key: err = %v, want the vendor's status 0 with a text", err)
	}
	t.Logf("wrong key answered: %v", err)
}
