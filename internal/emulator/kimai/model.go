package kimai

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"
)

// The roles Kimai knows, from least to most privileged.
const (
	RoleCustomer   = "ROLE_CUSTOMER"
	RoleUser       = "ROLE_USER"
	RoleTeamlead   = "ROLE_TEAMLEAD"
	RoleAdmin      = "ROLE_ADMIN"
	RoleSuperAdmin = "ROLE_SUPER_ADMIN"
)

// Token is a Bearer API token of a user. A zero Expires never expires.
type Token struct {
	ID      int       `json:"id,omitempty"` // the access token's id (0: assigned by New)
	Token   string    `json:"token"`
	Expires time.Time `json:"expires,omitzero"`
}

// User is a Kimai user. Tokens and APIPassword are credentials: they are served by the emulator's
// authentication only and never written to its journal.
type User struct {
	ID            int      `json:"id"`
	Username      string   `json:"username"`
	Email         string   `json:"email"`
	Alias         string   `json:"alias,omitempty"`
	Title         string   `json:"title,omitempty"`
	AccountNumber string   `json:"accountNumber,omitempty"`
	Avatar        string   `json:"avatar,omitempty"`
	Color         string   `json:"color,omitempty"`
	Language      string   `json:"language"`
	Locale        string   `json:"locale"`
	Timezone      string   `json:"timezone"`
	Enabled       bool     `json:"enabled"`
	SystemAccount bool     `json:"systemAccount,omitempty"`
	Roles         []string `json:"roles"`
	Supervisor    int      `json:"supervisor,omitempty"`
	// HourlyRate is the user's hourly rate preference, used for timesheet rates.
	HourlyRate float64 `json:"hourlyRate,omitempty"`
	// Tokens are the user's Bearer API tokens.
	Tokens []Token `json:"tokens,omitempty"`
	// APIPassword is the deprecated X-AUTH-TOKEN password ("" when the user has none).
	APIPassword string `json:"apiPassword,omitempty"`
}

// Member is one member of a team.
type Member struct {
	User     int  `json:"user"`
	Teamlead bool `json:"teamlead"`
}

// Team groups users and restricts who sees the customers, projects and activities linked to it.
type Team struct {
	ID         int      `json:"id"`
	Name       string   `json:"name"`
	Color      string   `json:"color,omitempty"`
	Members    []Member `json:"members"`
	Customers  []int    `json:"customers,omitempty"`
	Projects   []int    `json:"projects,omitempty"`
	Activities []int    `json:"activities,omitempty"`
}

// Customer is a Kimai customer. Its ID is assigned by Kimai; its Number is free text.
type Customer struct {
	ID             int     `json:"id"`
	Name           string  `json:"name"`
	Number         string  `json:"number,omitempty"`
	Comment        string  `json:"comment,omitempty"`
	Visible        bool    `json:"visible"`
	Billable       bool    `json:"billable"`
	Color          string  `json:"color,omitempty"`
	Company        string  `json:"company,omitempty"`
	VatID          string  `json:"vatId,omitempty"`
	Contact        string  `json:"contact,omitempty"`
	Address        string  `json:"address,omitempty"`
	AddressLine1   string  `json:"addressLine1,omitempty"`
	AddressLine2   string  `json:"addressLine2,omitempty"`
	AddressLine3   string  `json:"addressLine3,omitempty"`
	PostCode       string  `json:"postCode,omitempty"`
	City           string  `json:"city,omitempty"`
	Country        string  `json:"country"`
	Currency       string  `json:"currency"`
	Language       string  `json:"language"`
	Phone          string  `json:"phone,omitempty"`
	Fax            string  `json:"fax,omitempty"`
	Mobile         string  `json:"mobile,omitempty"`
	Email          string  `json:"email,omitempty"`
	Homepage       string  `json:"homepage,omitempty"`
	Timezone       string  `json:"timezone"`
	InvoiceText    string  `json:"invoiceText,omitempty"`
	InvoiceEmail   string  `json:"invoiceEmail,omitempty"`
	BuyerReference string  `json:"buyerReference,omitempty"`
	Budget         float64 `json:"budget,omitempty"`
	TimeBudget     int     `json:"timeBudget,omitempty"`
	BudgetType     string  `json:"budgetType,omitempty"`
}

// Project is a Kimai project; Customer is the customer's ID.
type Project struct {
	ID               int     `json:"id"`
	Customer         int     `json:"customer"`
	Name             string  `json:"name"`
	Number           string  `json:"number,omitempty"`
	OrderNumber      string  `json:"orderNumber,omitempty"`
	OrderDate        string  `json:"orderDate,omitempty"` // Y-m-d
	Start            string  `json:"start,omitempty"`     // Y-m-d
	End              string  `json:"end,omitempty"`       // Y-m-d
	Comment          string  `json:"comment,omitempty"`
	InvoiceText      string  `json:"invoiceText,omitempty"`
	Color            string  `json:"color,omitempty"`
	Visible          bool    `json:"visible"`
	Billable         bool    `json:"billable"`
	GlobalActivities bool    `json:"globalActivities"`
	Budget           float64 `json:"budget,omitempty"`
	TimeBudget       int     `json:"timeBudget,omitempty"`
	BudgetType       string  `json:"budgetType,omitempty"`
}

// Activity is a Kimai activity; Project 0 means a global activity.
type Activity struct {
	ID          int     `json:"id"`
	Project     int     `json:"project,omitempty"`
	Name        string  `json:"name"`
	Number      string  `json:"number,omitempty"`
	Comment     string  `json:"comment,omitempty"`
	InvoiceText string  `json:"invoiceText,omitempty"`
	Color       string  `json:"color,omitempty"`
	Visible     bool    `json:"visible"`
	Billable    bool    `json:"billable"`
	Budget      float64 `json:"budget,omitempty"`
	TimeBudget  int     `json:"timeBudget,omitempty"`
	BudgetType  string  `json:"budgetType,omitempty"`
}

// Timesheet is one time record. Begin and End carry the record's time zone (Timezone); End is
// nil while the record is running.
type Timesheet struct {
	ID          int        `json:"id"`
	User        int        `json:"user"`
	Project     int        `json:"project"`
	Activity    int        `json:"activity"`
	Begin       time.Time  `json:"begin"`
	End         *time.Time `json:"end,omitempty"`
	Timezone    string     `json:"timezone"`
	Duration    int        `json:"duration"`
	Description string     `json:"description,omitempty"`
	Tags        []string   `json:"tags,omitempty"`
	Exported    bool       `json:"exported,omitempty"`
	Billable    bool       `json:"billable"`
	// BillableMode is Kimai's billableMode: "auto" (from activity, project and customer on every
	// save; records created through the API), "yes", "no", or "" (keep Billable as stored).
	BillableMode string    `json:"billableMode,omitempty"`
	FixedRate    *float64  `json:"fixedRate,omitempty"`
	HourlyRate   float64   `json:"hourlyRate,omitempty"`
	Rate         float64   `json:"rate,omitempty"`
	InternalRate float64   `json:"internalRate,omitempty"`
	Break        int       `json:"break,omitempty"`
	Modified     time.Time `json:"modified,omitzero"`
	// Meta are the values of registered meta fields (Config.TimesheetMetaFields) set so far, in
	// the order they were first set.
	Meta []MetaField `json:"meta,omitempty"`
}

// MetaField is a custom field's value (Kimai's TimesheetMeta, serialized as name and value).
type MetaField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Tag is a timesheet tag.
type Tag struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Color   string `json:"color,omitempty"`
	Visible bool   `json:"visible"`
}

// Config is the part of Kimai's system configuration the API depends on.
type Config struct {
	// TrackingMode is "default", "punch", "duration_fixed_begin", ... ("" means "default").
	TrackingMode string `json:"trackingMode,omitempty"`
	// LongRunningMinutes is timesheet.rules.long_running_duration (0: off).
	LongRunningMinutes int `json:"longRunningMinutes,omitempty"`
	// DefaultTimezone is used for new users and customers when the creator has none.
	DefaultTimezone string `json:"defaultTimezone"`
	// Customer defaults on create.
	DefaultCountry  string `json:"defaultCountry"`
	DefaultCurrency string `json:"defaultCurrency"`
	DefaultLanguage string `json:"defaultLanguage"`
	// GeneratedNumbers counts customer/project/activity numbers a Kimai instance already
	// generated in this process; Kimai's own test database answers "0003" to the first create
	// with one entity stored, which a value of 1 reproduces.
	GeneratedNumbers int `json:"generatedNumbers,omitempty"`

	// Timesheet rules (System → Settings → Timesheet, timesheet.rules.*); the zero values are
	// Kimai's defaults.
	ForbidOverlapping  bool `json:"forbidOverlapping,omitempty"`  // allow_overlapping_records: false
	ForbidFutureTimes  bool `json:"forbidFutureTimes,omitempty"`  // allow_future_times: false
	ForbidZeroDuration bool `json:"forbidZeroDuration,omitempty"` // allow_zero_duration: false
	// ActiveEntriesHardLimit is timesheet.active_entries.hard_limit, the running records a user
	// may have (0: Kimai's default 1); starting one more stops the oldest.
	ActiveEntriesHardLimit int `json:"activeEntriesHardLimit,omitempty"`
	// TimesheetMetaFields are the names of the visible timesheet meta fields (custom fields) a
	// plugin registers (Kimai's TimesheetMetaDefinitionEvent; a plain Kimai has none). Only these
	// can be set with PATCH /api/timesheets/{id}/meta; create and update cannot set them
	// (TimesheetApiEditForm removes metaFields).
	TimesheetMetaFields []string `json:"timesheetMetaFields,omitempty"`
	// Lockdown is the lockdown period (nil: none).
	Lockdown *Lockdown `json:"lockdown,omitempty"`
	// Rounding is the default rounding rule (nil: Kimai's default, begin down and end up to the
	// minute, duration not rounded).
	Rounding *Rounding `json:"rounding,omitempty"`
}

// Lockdown is timesheet.rules.lockdown_period_*: records beginning in [Start, End] can no longer
// be created, changed or deleted once the grace period after End is over, except by users with
// lockdown_override_timesheet; lockdown_grace_timesheet may still edit them within the latest
// period. Kimai takes PHP date expressions ("first day of last month"); the emulator takes
// absolute local times.
type Lockdown struct {
	// Start and End are timesheet.rules.lockdown_period_start and _end: PHP date/time phrases
	// read at the current time ("first day of last month 00:00:00", "last day of last month
	// 23:59:59", or absolute "2026-09-01 00:00:00"), or several separated by commas (the latest
	// counts); phpdate.go lists the phrases the emulator reads.
	Start string `json:"start"`
	End   string `json:"end"`
	// Grace is timesheet.rules.lockdown_grace_period, a PHP modifier applied to the end
	// ("+10 days", "+ 12 hours"; "" none).
	Grace string `json:"grace,omitempty"`
	// Timezone the period is read in ("": the record's zone).
	Timezone string `json:"timezone,omitempty"`
}

// Rounding is a rounding rule (timesheet.rounding.default, src/Timesheet/Rounding/*).
type Rounding struct {
	// Mode is default (begin down, end and duration up), floor, ceil or closest ("": default).
	Mode string `json:"mode,omitempty"`
	// Begin, End and Duration are the steps in minutes (0: not rounded).
	Begin    int `json:"begin"`
	End      int `json:"end"`
	Duration int `json:"duration"`
	// Days are the lower-case English weekdays of the record's end it applies on (nil: every day).
	Days []string `json:"days,omitempty"`
}

// Fixture is the seed state of an emulator, credentials included. It is JSON-serialisable.
type Fixture struct {
	Name       string      `json:"name"`
	Config     Config      `json:"config"`
	Users      []User      `json:"users"`
	Teams      []Team      `json:"teams"`
	Customers  []Customer  `json:"customers"`
	Projects   []Project   `json:"projects"`
	Activities []Activity  `json:"activities"`
	Tags       []Tag       `json:"tags"`
	Timesheets []Timesheet `json:"timesheets"`
	Invoices   []Invoice   `json:"invoices,omitempty"`
}

//go:generate go run ./mkfixture

//go:embed fixture_default.json
var defaultFixtureJSON []byte

//go:embed fixture_test.json
var testFixtureJSON []byte

//go:embed fixture_headoffice.json
var headOfficeFixtureJSON []byte

// DefaultFixture returns the sandbox fixture built from company.Default(): a super admin "admin"
// with token "sandbox-admin-token", a teamlead, one user per employee with a Kimai account and the
// internal customer/project/activity attendance timesheets are posted to.
func DefaultFixture() (*Fixture, error) { return decodeFixture(defaultFixtureJSON, "default fixture") }

// HeadOfficeFixture returns the sandbox fixture of the company run from a head office abroad,
// built from company.HeadOffice() (see [BuildHeadOfficeFixture]): the super admin "admin" (same
// token) with its profile in Europe/Berlin, employees in Asia/Shanghai and three in
// America/Los_Angeles, a ROLE_ADMIN "manager", a system account, a dated project and
// overlapping records forbidden. The default fixture stays as it is for the tests that assume a
// company in one zone.
func HeadOfficeFixture() (*Fixture, error) {
	return decodeFixture(headOfficeFixtureJSON, "head-office fixture")
}

// TestFixture returns Kimai's own integration-test fixture (users 1..8 with tokens token_user,
// token_admin, ..., legacy API password "token"; customer, project and activity 1 "Test"; team 1
// "Test team"), so that Kimai's API tests port directly.
func TestFixture() (*Fixture, error) { return decodeFixture(testFixtureJSON, "test fixture") }

func decodeFixture(b []byte, what string) (*Fixture, error) {
	var f Fixture
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("kimai: decode %s: %w", what, err)
	}
	return &f, nil
}

// EncodeFixture writes f as the indented JSON the embedded fixtures are stored in.
func EncodeFixture(f *Fixture) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("kimai: encode fixture: %w", err)
	}
	return b.Bytes(), nil
}

// clone returns a deep copy of f.
func (f *Fixture) clone() *Fixture {
	b, err := json.Marshal(f)
	if err != nil {
		// Every field is plain data; Marshal cannot fail.
		return &Fixture{}
	}
	var c Fixture
	_ = json.Unmarshal(b, &c)
	return &c
}
