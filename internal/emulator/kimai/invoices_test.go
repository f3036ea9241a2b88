package kimai

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// invoiceEnv serves the default fixture (its invoices) with a ROLE_USER token "user-token".
func invoiceEnv(t *testing.T) *env {
	t.Helper()
	fx, err := DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	v := newEnv(t, fx)
	if err := v.e.UpdateUser(3, func(u *User) { u.Tokens = append(u.Tokens, Token{Token: "user-token"}) }); err != nil {
		t.Fatal(err)
	}
	return v
}

func ids(t *testing.T, r resp) []any {
	t.Helper()
	out := []any{}
	for _, x := range r.list(t) {
		out = append(out, x.(map[string]any)["id"])
	}
	return out
}

// TestListInvoices: InvoiceController::cgetAction and InvoiceRepository: newest first, begin and
// end bound createdAt (both included) in the caller's zone, customers[] and status[] filter,
// Pagerfanta paging with FOSRest's headers and a 404 past the last page; strict parameters are
// a 400; order/orderBy are not parameters of the route (ignored); view_invoice is needed.
func TestListInvoices(t *testing.T) {
	v := invoiceEnv(t)
	list := func(q string) resp { return v.do("GET", "/api/invoices"+q, SandboxAdminToken, "") }
	tests := []struct {
		query string
		want  []any
	}{
		{"", []any{4.0, 3.0, 2.0, 1.0}},
		{"?order=ASC&orderBy=id", []any{4.0, 3.0, 2.0, 1.0}},
		{"?status[]=paid&status[]=pending", []any{2.0, 1.0}},
		{"?customers[]=3", []any{3.0}},
		{"?customers[]=2&customers[]=999", []any{4.0, 2.0, 1.0}},
		// the admin's zone is Asia/Shanghai: invoice 2 is dated 2026-09-30 18:00 there
		{"?begin=2026-09-30T18:00:00&end=2026-10-09T10:30:00", []any{3.0, 2.0}},
		{"?begin=2026-09-30T18:00:01", []any{4.0, 3.0}},
		{"?size=3", []any{4.0, 3.0, 2.0}},
		{"?size=3&page=2", []any{1.0}},
	}
	for _, tt := range tests {
		r := list(tt.query)
		if r.status != 200 {
			t.Errorf("%s: status %d: %s", tt.query, r.status, r.body)
			continue
		}
		if d := cmp.Diff(tt.want, ids(t, r)); d != "" {
			t.Errorf("%s: invoices (-want +got):\n%s", tt.query, d)
		}
	}
	r := list("?size=3&page=2")
	got := []string{r.header.Get("X-Page"), r.header.Get("X-Per-Page"), r.header.Get("X-Total-Pages"), r.header.Get("X-Total-Count")}
	if d := cmp.Diff([]string{"2", "3", "2", "4"}, got); d != "" {
		t.Errorf("paging headers X-Page, X-Per-Page, X-Total-Pages, X-Total-Count (-want +got):\n%s", d)
	}
	for q, want := range map[string]int{
		"?size=3&page=3": 404, "?status[]=open": 400, "?begin=2026-10-01": 400, "?begin=2026-10-01T00:00:00%2B0800": 400,
		"?customers[]=x": 400, "?page=x": 400, "?begin=2026-02-30T00:00:00": 400,
	} {
		if r := list(q); r.status != want {
			t.Errorf("%s: status %d, want %d", q, r.status, want)
		}
	}
	if r := v.do("GET", "/api/invoices", "user-token", ""); r.status != 403 {
		t.Errorf("ROLE_USER: status %d, want 403 (view_invoice)", r.status)
	}
}

// TestInvoiceEntity: GET /api/invoices/{id} renders the Default group of src/Entity/Invoice.php:
// customer and user embedded, createdAt in the invoice's zone, paymentDate (a date column) at
// midnight, overdue from the due date alone (the paid invoice 1 is overdue too).
func TestInvoiceEntity(t *testing.T) {
	v := invoiceEnv(t)
	r := v.do("GET", "/api/invoices/1", SandboxAdminToken, "")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	got := r.obj(t)
	cu, _ := got["customer"].(map[string]any)
	us, _ := got["user"].(map[string]any)
	delete(got, "customer")
	delete(got, "user")
	want := map[string]any{"id": 1.0, "invoiceNumber": "2026-0001", "comment": nil, "total": 10600.0, "tax": 600.0,
		"currency": "CNY", "dueDays": 30.0, "vat": 6.0, "status": "paid", "invoiceFilename": "2026-0001.pdf",
		"paymentDate": "2026-09-20T00:00:00+0000", "metaFields": []any{}, "createdAt": "2026-08-31T18:00:00+0800", "overdue": true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("invoice 1 (-want +got):\n%s", d)
	}
	if cu["id"] != 2.0 || cu["name"] != "上海云帆贸易有限公司" || us["username"] != SandboxAdminUser {
		t.Errorf("customer %v, user %v; want customer 2 and the admin", cu, us)
	}
	if o := v.do("GET", "/api/invoices/4", SandboxAdminToken, "").obj(t); o["overdue"] != false || o["paymentDate"] != nil {
		t.Errorf("invoice 4 (due 2026-11-30): overdue %v, paymentDate %v; want false, null", o["overdue"], o["paymentDate"])
	}
	for path, want := range map[string]int{"/api/invoices/99": 404, "/api/invoices/99/download": 404} {
		if r := v.do("GET", path, SandboxAdminToken, ""); r.status != want {
			t.Errorf("%s: status %d, want %d", path, r.status, want)
		}
	}
}

// TestInvoiceDownload: the file as AbstractController::file sends it (tests/API/
// InvoiceControllerTest::testDownload: application/pdf, "attachment; filename=<name>"); the
// HTML one as text/html; a missing file is a 404.
func TestInvoiceDownload(t *testing.T) {
	v := invoiceEnv(t)
	for _, tt := range []struct {
		id, ctype, disp, prefix string
	}{
		{"1", "application/pdf", "attachment; filename=2026-0001.pdf", "%PDF-1.4\n"},
		{"2", "text/html; charset=UTF-8", "attachment; filename=2026-0002.html", "<!DOCTYPE html>"},
	} {
		r := v.do("GET", "/api/invoices/"+tt.id+"/download", SandboxAdminToken, "")
		got := []string{r.header.Get("Content-Type"), r.header.Get("Content-Disposition"), string(r.body[:min(len(tt.prefix), len(r.body))])}
		if d := cmp.Diff([]string{tt.ctype, tt.disp, tt.prefix}, got); r.status != 200 || d != "" {
			t.Errorf("download %s: status %d (-want +got):\n%s", tt.id, r.status, d)
		}
	}
	if r := v.do("GET", "/api/invoices/4/download", SandboxAdminToken, ""); r.status != 404 {
		t.Errorf("download of an invoice whose file is gone: status %d, want 404", r.status)
	}
	if got := disposition("Rechnung März.pdf"); got != `attachment; filename="Rechnung M_rz.pdf"; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf` {
		t.Errorf("disposition of a non-ASCII name = %q", got)
	}
}

// TestInvoicePermissions: InvoiceVoter: view_invoice and team access to the customer; the list
// leaves out customers the caller cannot access, customers[] naming one is a 403
// (InvoiceController::cgetAction); delete needs delete_invoice, which no default role has;
// custom fields need create_invoice, and a name no plugin registered is a 404.
func TestInvoicePermissions(t *testing.T) {
	v := invoiceEnv(t)
	// Customer 3 is restricted to a team the teamlead is not in.
	v.e.AddTeam(Team{Name: "Audit", Members: []Member{{User: 1, Teamlead: true}}, Customers: []int{3}})
	tl := func(method, path, body string) resp { return v.do(method, path, SandboxTeamleadToken, body) }
	if d := cmp.Diff([]any{4.0, 2.0, 1.0}, ids(t, tl("GET", "/api/invoices", ""))); d != "" {
		t.Errorf("the teamlead's invoices (-want +got):\n%s", d)
	}
	for _, tt := range []struct {
		token, method, path, body string
		want                      int
	}{
		{SandboxTeamleadToken, "GET", "/api/invoices?customers[]=3", "", 403},
		{SandboxTeamleadToken, "GET", "/api/invoices/3", "", 403},
		{SandboxTeamleadToken, "GET", "/api/invoices/3/download", "", 403},
		{SandboxTeamleadToken, "GET", "/api/invoices/1", "", 200},
		{SandboxTeamleadToken, "GET", "/api/invoices/1/download", "", 200},
		{"user-token", "GET", "/api/invoices/1", "", 403},
		{"user-token", "GET", "/api/invoices/1/download", "", 403},
		{SandboxAdminToken, "DELETE", "/api/invoices/1", "", 403},
		{SandboxAdminToken, "DELETE", "/api/invoices/99", "", 404},
		{SandboxAdminToken, "PATCH", "/api/invoices/1/custom-fields", `[{"name":"po","value":"A-1"}]`, 404},
		{SandboxAdminToken, "PATCH", "/api/invoices/1/custom-fields", `[{"name":"po"}]`, 400},
		{SandboxAdminToken, "PATCH", "/api/invoices/1/custom-fields", `["po"]`, 400},
		{SandboxAdminToken, "PATCH", "/api/invoices/1/custom-fields", `[]`, 200},
		{"user-token", "PATCH", "/api/invoices/1/custom-fields", `[]`, 403},
	} {
		if r := v.do(tt.method, tt.path, tt.token, tt.body); r.status != tt.want {
			t.Errorf("%s %s %s as %s: status %d, want %d", tt.method, tt.path, tt.body, tt.token, r.status, tt.want)
		}
	}
	if n := len(v.e.Invoices()); n != 4 {
		t.Errorf("%d invoices left, want 4", n)
	}
}
