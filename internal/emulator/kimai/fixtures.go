package kimai

import (
	"fmt"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/company"
)

// Sandbox credentials of the default fixture (fine to print; never journaled).
const (
	SandboxAdminUser  = "admin"
	SandboxAdminToken = "sandbox-admin-token"
	// SandboxAdminPassword is the admin's deprecated X-AUTH-TOKEN API password.
	SandboxAdminPassword = "sandbox-admin-password"
	SandboxTeamleadUser  = "teamlead"
	SandboxTeamleadToken = "sandbox-teamlead-token"
	// The head-office fixture adds a ROLE_ADMIN (no view_user: GET /api/users is a 403) and a
	// system account.
	SandboxManagerUser  = "manager"
	SandboxManagerToken = "sandbox-manager-token"
	SandboxBotUser      = "sync-bot"
	SandboxBotToken     = "sandbox-bot-token"
)

// DatedProject is the head-office fixture's project with dates (all of 2025): without
// ignoreDates=1 Kimai's project lists leave it out.
const DatedProject = "2025年度审计"

// Names of the internal records attendance timesheets are posted to in the default fixture.
const (
	InternalCustomer = "示例科技有限公司"
	InternalProject  = "日常考勤"
	InternalActivity = "出勤"
)

// BuildTestFixture builds Kimai's own API test database (src/Command/ResetTestCommand.php).
func BuildTestFixture() *Fixture {
	const berlin = "Europe/Berlin"
	user := func(id int, name, role, token, alias, title, avatar string, rate float64, enabled bool) User {
		return User{ID: id, Username: name, Email: name + "@example.com", Alias: alias, Title: title, Avatar: avatar,
			Language: "en", Locale: "en", Timezone: berlin, Enabled: enabled, Roles: []string{role},
			HourlyRate: rate, Tokens: []Token{{Token: token}}, APIPassword: "token"}
	}
	const retro = "https://www.gravatar.com/avatar/00000000000000000000000000000000?d=retro&f=y"
	return &Fixture{
		Name: "kimai-test",
		Config: Config{DefaultTimezone: berlin, DefaultCountry: "DE", DefaultCurrency: "EUR", DefaultLanguage: "en",
			GeneratedNumbers: 1},
		Users: []User{
			user(1, "clara_customer", RoleCustomer, "token_customer", "Clara Haynes", "CFO",
				"https://www.gravatar.com/avatar/00000000000000000000000000000000?d=monsterid&f=y", 53, true),
			user(2, "john_user", RoleUser, "token_user", "John Doe", "Developer", retro, 82, true),
			user(3, "chris_user", RoleUser, "token_inactive", "Chris Deactive", "Developer (left company)", retro, 35, false),
			user(4, "tony_teamlead", RoleTeamlead, "token_teamlead", "Tony Maier", "Head of Development",
				"https://en.gravatar.com/userimage/3533186/bf2163b1dd23f3107a028af0195624e9.jpeg", 35, true),
			user(5, "anna_admin", RoleAdmin, "token_admin", "Anna Smith", "Administrator", "", 81, true),
			user(6, "susan_super", RoleSuperAdmin, "token_super", "", "Super Administrator", "", 46, true),
			user(7, "test_user_1", RoleUser, "token_qa1", "Test User 1", "Quality Tester 1", "", 0, true),
			user(8, "test_user_2", RoleUser, "token_qa2", "Test User 2", "Quality Tester 2", "", 0, true),
		},
		Teams: []Team{{ID: 1, Name: "Test team", Members: []Member{{User: 7, Teamlead: true}, {User: 8}}}},
		Customers: []Customer{{ID: 1, Name: "Test", Number: "1", Comment: "Test comment", Visible: true, Billable: true,
			Contact: "Test", Address: "Test", Company: "Test", Country: "DE", Currency: "EUR", Language: "en",
			Phone: "111", Fax: "222", Mobile: "333", Email: "test@example.com", TimeBudget: 100000, Budget: 1000,
			Timezone: berlin}},
		Projects: []Project{{ID: 1, Customer: 1, Name: "Test", Comment: "Test comment", OrderNumber: "111",
			Visible: true, Billable: true, GlobalActivities: true, TimeBudget: 100000, Budget: 1000}},
		Activities: []Activity{{ID: 1, Name: "Test", Comment: "Test comment", Visible: true, Billable: true,
			TimeBudget: 100000, Budget: 1000}},
		Tags:       []Tag{},
		Timesheets: []Timesheet{},
	}
}

// BuildDefaultFixture builds the sandbox fixture from the company roster: a super admin and a
// teamlead, one ROLE_USER per employee with a Kimai account (accountNumber = attendance account),
// the internal customer/project/activity for attendance, and a few other customers and projects.
func BuildDefaultFixture(c company.Company) *Fixture {
	const lang = "zh_CN"
	f := &Fixture{
		Name:   "company",
		Config: Config{DefaultTimezone: company.Zone, DefaultCountry: "CN", DefaultCurrency: "CNY", DefaultLanguage: lang},
		Users: []User{
			{ID: 1, Username: SandboxAdminUser, Email: "admin@example.cn", Alias: "系统管理员", Title: "Administrator",
				Language: lang, Locale: lang, Timezone: company.Zone, Enabled: true, Roles: []string{RoleSuperAdmin},
				Tokens: []Token{{Token: SandboxAdminToken}}, APIPassword: SandboxAdminPassword},
			{ID: 2, Username: SandboxTeamleadUser, Email: "teamlead@example.cn", Alias: "考勤主管", Title: "Teamlead",
				Language: lang, Locale: lang, Timezone: company.Zone, Enabled: true, Roles: []string{RoleTeamlead},
				Tokens: []Token{{Token: SandboxTeamleadToken}}},
		},
		Tags:       []Tag{{ID: 1, Name: "考勤", Visible: true}, {ID: 2, Name: "夜班", Visible: true}, {ID: 3, Name: "加班", Visible: true}},
		Timesheets: []Timesheet{},
	}
	team := Team{ID: 1, Name: "考勤组", Members: []Member{{User: 2, Teamlead: true}}}
	rd := 0
	if len(c.Departments) > 1 {
		rd = c.Departments[1].ID
	}
	for _, e := range c.Employees {
		if !e.Kimai {
			continue
		}
		id := len(f.Users) + 1
		f.Users = append(f.Users, User{ID: id, Username: e.Username, Email: e.Email, Alias: e.Name,
			AccountNumber: e.Account, Language: lang, Locale: lang, Timezone: e.Timezone, Enabled: true,
			Roles: []string{RoleUser}})
		if e.DeptID == rd {
			team.Members = append(team.Members, Member{User: id})
		}
	}
	f.Teams = []Team{team}
	f.Customers = []Customer{
		{ID: 1, Name: InternalCustomer, Number: "INTERNAL", Comment: "内部考勤", Visible: true, Billable: false,
			Company: c.Name, Country: "CN", Currency: "CNY", Language: lang, Timezone: company.Zone},
		{ID: 2, Name: "上海云帆贸易有限公司", Number: "C-0002", Visible: true, Billable: true, Country: "CN",
			Currency: "CNY", Language: lang, Timezone: company.Zone},
		{ID: 3, Name: "北京星河数据有限公司", Number: "C-0003", Visible: true, Billable: true, Country: "CN",
			Currency: "CNY", Language: lang, Timezone: company.Zone},
	}
	f.Projects = []Project{
		{ID: 1, Customer: 1, Name: InternalProject, Number: "ATT", Visible: true, Billable: false, GlobalActivities: true},
		{ID: 2, Customer: 2, Name: "客户支持", Number: "0002", Visible: true, Billable: true, GlobalActivities: true},
		{ID: 3, Customer: 3, Name: "数据迁移", Number: "0003", Visible: true, Billable: true, GlobalActivities: true},
	}
	f.Activities = []Activity{
		{ID: 1, Project: 1, Name: InternalActivity, Number: "ATT-1", Visible: true, Billable: false},
		{ID: 2, Project: 1, Name: "加班", Number: "ATT-2", Visible: true, Billable: false},
		{ID: 3, Name: "开发", Number: "0003", Visible: true, Billable: true},
		{ID: 4, Name: "会议", Number: "0004", Visible: true, Billable: true},
	}
	f.Invoices = defaultInvoices()
	return f
}

// defaultInvoices are four invoices the admin made: three of 上海云帆贸易有限公司 (paid,
// pending, new: monthly, due in 30 days, 6% VAT, one rendered as HTML) and a canceled one of
// 北京星河数据有限公司, each with its file; the new one's file is gone.
func defaultInvoices() []Invoice {
	at := func(s string) time.Time {
		loc, _ := time.LoadLocation(company.Zone)
		t, _ := time.ParseInLocation(time.DateTime, s, loc)
		return t.UTC()
	}
	pdf := func(number string, total float64) []byte {
		return []byte(fmt.Sprintf("%%PDF-1.4\n%% invoice %s, total %.2f CNY\n%%%%EOF\n", number, total))
	}
	return []Invoice{
		{ID: 1, Number: "2026-0001", Customer: 2, User: 1, CreatedAt: at("2026-08-31 18:00:00"), Timezone: company.Zone,
			Total: 10600, Tax: 600, Currency: "CNY", DueDays: 30, Vat: 6, Status: InvoicePaid,
			Filename: "2026-0001.pdf", PaymentDate: "2026-09-20", File: pdf("2026-0001", 10600)},
		{ID: 2, Number: "2026-0002", Customer: 2, User: 1, CreatedAt: at("2026-09-30 18:00:00"), Timezone: company.Zone,
			Total: 5300, Tax: 300, Currency: "CNY", DueDays: 30, Vat: 6, Status: InvoicePending, Comment: "九月客户支持",
			Filename: "2026-0002.html", File: []byte("<!DOCTYPE html><html><body><h1>Invoice 2026-0002</h1><p>5300.00 CNY</p></body></html>\n")},
		{ID: 3, Number: "2026-0003", Customer: 3, User: 1, CreatedAt: at("2026-10-09 10:30:00"), Timezone: company.Zone,
			Total: 2120, Tax: 120, Currency: "CNY", DueDays: 14, Vat: 6, Status: InvoiceCanceled,
			Filename: "2026-0003.pdf", File: pdf("2026-0003", 2120)},
		{ID: 4, Number: "2026-0004", Customer: 2, User: 1, CreatedAt: at("2026-10-31 18:00:00"), Timezone: company.Zone,
			Total: 7950, Tax: 450, Currency: "CNY", DueDays: 30, Vat: 6, Status: InvoiceNew,
			Filename: "2026-0004.pdf"},
	}
}

// BuildHeadOfficeFixture builds the sandbox fixture of a company run from a head office abroad
// (company.HeadOffice): BuildDefaultFixture's users and records, with the super admin's profile
// in the head office's zone (so Kimai reads the admin's offset-less datetimes there), a
// ROLE_ADMIN "manager" there too, a system account "sync-bot", the dated project [DatedProject]
// and overlapping records forbidden (timesheet.rules.allow_overlapping_records off).
func BuildHeadOfficeFixture(c company.Company) *Fixture {
	f := BuildDefaultFixture(c)
	f.Name = "head-office"
	f.Config.ForbidOverlapping = true
	zone := c.HeadOfficeZone
	if zone == "" {
		zone = company.Zone
	}
	f.Users[0].Timezone = zone
	id := len(f.Users) + 1
	f.Users = append(f.Users,
		User{ID: id, Username: SandboxManagerUser, Email: "manager@example.cn", Alias: "总部经理", Title: "Administrator",
			Language: "de", Locale: "de", Timezone: zone, Enabled: true, Roles: []string{RoleAdmin},
			Tokens: []Token{{Token: SandboxManagerToken}}},
		User{ID: id + 1, Username: SandboxBotUser, Email: "bot@example.cn", Alias: "同步机器人", Language: "en", Locale: "en",
			Timezone: company.Zone, Enabled: true, SystemAccount: true, Roles: []string{RoleUser},
			Tokens: []Token{{Token: SandboxBotToken}}})
	f.Projects = append(f.Projects, Project{ID: len(f.Projects) + 1, Customer: 3, Name: DatedProject, Number: "AUDIT-25",
		Visible: true, Billable: true, GlobalActivities: true, Start: "2025-01-01", End: "2025-12-31"})
	return f
}

// checkFixture reports the first inconsistency in f (dangling ids, duplicate ids or tokens).
func checkFixture(f *Fixture) error {
	seen := map[string]bool{}
	users := map[int]bool{}
	for _, u := range f.Users {
		if users[u.ID] || u.ID <= 0 {
			return fmt.Errorf("user id %d duplicated or invalid", u.ID)
		}
		users[u.ID] = true
		for _, t := range u.Tokens {
			if seen[t.Token] {
				return fmt.Errorf("user %q: token reused", u.Username)
			}
			seen[t.Token] = true
		}
	}
	customers, projects, activities := map[int]bool{}, map[int]bool{}, map[int]bool{}
	for _, c := range f.Customers {
		customers[c.ID] = true
	}
	for _, p := range f.Projects {
		if !customers[p.Customer] {
			return fmt.Errorf("project %d: no customer %d", p.ID, p.Customer)
		}
		projects[p.ID] = true
	}
	for _, a := range f.Activities {
		if a.Project != 0 && !projects[a.Project] {
			return fmt.Errorf("activity %d: no project %d", a.ID, a.Project)
		}
		activities[a.ID] = true
	}
	for _, t := range f.Teams {
		for _, m := range t.Members {
			if !users[m.User] {
				return fmt.Errorf("team %d: no user %d", t.ID, m.User)
			}
		}
	}
	for _, t := range f.Timesheets {
		if !users[t.User] || !projects[t.Project] || !activities[t.Activity] {
			return fmt.Errorf("timesheet %d: dangling reference", t.ID)
		}
	}
	for _, in := range f.Invoices {
		if !users[in.User] || !customers[in.Customer] {
			return fmt.Errorf("invoice %d: dangling reference", in.ID)
		}
	}
	return nil
}
