// Package kimai emulates the REST API of Kimai 2.66.0 (self-hosted time tracking) as a stateful
// http.Handler, for specpipe's tests and for `pipe sandbox`.
//
// It is written from the vendor's behaviour as shown by Kimai's own source and API tests
// (github.com/kimai/kimai, 2.66.0; its API tests are the oracle), never from specpipe's generated
// client. What it reproduces:
//
//   - Routing before authentication: unknown paths and non-numeric ids are 404, a wrong method is
//     405 with Allow, both even without credentials.
//   - Authentication: "Authorization: Bearer <token>" (case-sensitive, Symfony's token regex; an
//     unknown, expired or disabled user's token is 401 with an empty body and WWW-Authenticate; no
//     usable credentials is 401 {"code":401,"message":"Unauthorized"}) and the deprecated
//     X-AUTH-USER/X-AUTH-TOKEN pair (403 {"message":"Invalid credentials"}, compared verbatim,
//     400 after five failures a minute from one address).
//   - Roles ROLE_USER, ROLE_TEAMLEAD, ROLE_ADMIN, ROLE_SUPER_ADMIN with the permissions the API
//     checks, and team-scoped visibility of customers, projects and activities.
//   - Symfony forms fed by FOSRest: JSON→form coercion, checkbox booleans, partial submit (POST and
//     PATCH of customers, projects, activities, timesheets) versus clearMissing (tags, teams,
//     users), "This form should not contain extra fields.", snake_case keys camelised, and the
//     nested error body that lists every child ({} when it has no error).
//   - Representations with Kimai 2.66's exact key sets (Collection, Entity, Expanded), budget
//     fields only with the budget permission, rate fields only with view_rate_*, datetimes as
//     Y-m-d\TH:i:sO in the record's time zone, PHP floats (2016.0) and \u-escaped non-ASCII.
//   - Timesheets: POST reads datetimes in the caller's zone and keeps the record in its owner's,
//     PATCH reads the record's zone, list filters the caller's (an explicit offset is honoured by
//     POST and PATCH, a 400 in filters); rounding (begin floored and end ceiled to the minute by
//     default), running records up to the active-entries limit, paging headers X-Page,
//     X-Total-Count, X-Total-Pages, X-Per-Page, 404 past the last page, stop, restart,
//     duplicate, export, favourites, the punch tracking mode, the long-running limit and the
//     configurable rules (overlapping records, future times, zero duration, lockdown: its
//     period and grace as Kimai configures them, PHP date phrases such as "first day of last
//     month", read in the lockdown zone or the record's at the current time; phpdate.go lists the
//     phrases read, others are refused when configured).
//   - The rest of the public API: rates and comments of customers, projects and activities, team
//     links, user preferences, API-token revocation, plugins (none), invoices (those of the
//     fixture: list with its filters and paging, get, the file as an attachment, custom fields
//     and delete with InvoiceVoter's permissions) and the colour choices.
//   - Fault injection through emukit (Kimai has no rate limit of its own; the rate-limit fault
//     answers 429 {"code":429,"message":"Too Many Requests"}) and a journal of every request with
//     the username as identity; Authorization and X-AUTH-TOKEN are never stored.
//
// Three fixtures are embedded: [DefaultFixture] (the company sandbox: super admin "admin" with
// token "sandbox-admin-token", a teamlead, one user per employee with a Kimai account, the
// internal customer "示例科技有限公司" with project "日常考勤" and activity "出勤"),
// [HeadOfficeFixture] (the same company run from a head office abroad: the admin's profile in
// Europe/Berlin, employees in Asia/Shanghai and America/Los_Angeles, a ROLE_ADMIN, a system
// account, a dated project, overlapping records forbidden) and [TestFixture] (Kimai's own test
// database, tokens token_user, token_admin, ...). They are built by mkfixture (go generate) from
// [BuildDefaultFixture], [BuildHeadOfficeFixture] and [BuildTestFixture].
//
// The system configuration that changes validation (Config: overlapping records, future times,
// zero duration, lockdown, the active-entries limit, rounding, tracking mode, long-running
// limit) comes with the fixture and can be changed with SetConfig.
//
// Tests read state with the snapshot accessors (Users, Teams, Customers, Projects, Activities,
// Timesheets, Tags, Snapshot, Config) and change the vendor side directly with SetConfig,
// UpdateUser, UpdateCustomer, UpdateProject, UpdateActivity, AddUser, AddTeam, AddCustomer,
// AddProject, AddActivity, AddTag and AddTimesheet.
package kimai
