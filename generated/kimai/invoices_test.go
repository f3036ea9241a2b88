package kimai

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	emu "github.com/specpipe/specpipe/internal/emulator/kimai"
)

// TestInvoices: the typed client lists (every page, with filters), gets, decodes and downloads
// the emulator's invoices in Kimai's shape (src/Entity/Invoice.php, InvoiceController).
func TestInvoices(t *testing.T) {
	ctx := context.Background()
	url := start(t, emu.DefaultFixture)
	c := client(t, Config{BaseURL: url, Token: emu.SandboxAdminToken})
	var numbers []string
	for in, err := range c.ListInvoicesAll(ctx, ListInvoicesParams{Size: 3}) {
		if err != nil {
			t.Fatalf("ListInvoicesAll: %v", err)
		}
		numbers = append(numbers, in.InvoiceNumber)
	}
	if d := cmp.Diff([]string{"2026-0004", "2026-0003", "2026-0002", "2026-0001"}, numbers); d != "" {
		t.Errorf("invoices over two pages of 3 (-want +got):\n%s", d)
	}

	// begin and end are instants; the client sends them in the caller's zone (the admin's,
	// Asia/Shanghai): invoice 2026-0002 is dated 12:00 in Berlin, so a begin a second later
	// leaves it out.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tt := range []struct {
		begin time.Time
		want  int
	}{{time.Date(2026, 9, 30, 12, 0, 0, 0, berlin), 1}, {time.Date(2026, 9, 30, 12, 0, 1, 0, berlin), 0}} {
		list, err := c.ListInvoices(ctx, ListInvoicesParams{Customers: []int64{2}, Status: []string{"paid", "pending"},
			Begin: tt.begin, End: time.Date(2026, 10, 31, 0, 0, 0, 0, berlin)})
		if err != nil || len(list) != tt.want || (tt.want == 1 && list[0].InvoiceNumber != "2026-0002") {
			t.Errorf("ListInvoices of customer 2, paid or pending, from %s = %+v, %v; want %d (2026-0002)", tt.begin, list, err, tt.want)
		}
	}

	in, err := c.GetInvoice(ctx, GetInvoiceParams{ID: 1})
	if err != nil {
		t.Fatalf("GetInvoice: %v", err)
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	got := []any{in.ID, in.InvoiceNumber, in.Customer.ID, in.User.Username, in.CreatedAt.UTC(), in.Total, in.Tax, in.VAT,
		in.DueDays, in.Currency, in.Status, in.InvoiceFilename, in.PaymentDate.Format(time.DateOnly), in.Overdue}
	want := []any{int64(1), "2026-0001", int64(2), emu.SandboxAdminUser, time.Date(2026, 8, 31, 18, 0, 0, 0, shanghai).UTC(),
		10600.0, 600.0, 6.0, int64(30), "CNY", "paid", "2026-0001.pdf", "2026-09-20", true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("GetInvoice 1 (-want +got):\n%s", d)
	}
	if _, err := c.GetInvoice(ctx, GetInvoiceParams{ID: 99}); status(err) != 404 {
		t.Errorf("GetInvoice 99: %v, want 404", err)
	}

	// The file, whole, with the name and type Kimai gives it.
	for _, tt := range []struct {
		id                 int64
		name, ctype, start string
	}{
		{1, "2026-0001.pdf", "application/pdf", "%PDF-1.4\n"},
		{2, "2026-0002.html", "text/html; charset=UTF-8", "<!DOCTYPE html>"},
	} {
		f, err := c.DownloadInvoice(ctx, DownloadInvoiceParams{ID: tt.id})
		if err != nil {
			t.Errorf("DownloadInvoice %d: %v", tt.id, err)
			continue
		}
		if f.Name != tt.name || f.ContentType != tt.ctype || !strings.HasPrefix(string(f.Data), tt.start) {
			t.Errorf("DownloadInvoice %d = %q, %q, %q...; want %q, %q, %q...", tt.id, f.Name, f.ContentType, f.Data[:min(len(f.Data), 16)], tt.name, tt.ctype, tt.start)
		}
	}
	if _, err := c.DownloadInvoice(ctx, DownloadInvoiceParams{ID: 4}); status(err) != 404 {
		t.Errorf("DownloadInvoice of an invoice whose file is gone: %v, want 404", err)
	}
	// A teamlead has view_invoice too (Kimai's INVOICE permission set).
	u := client(t, Config{BaseURL: url, Token: emu.SandboxTeamleadToken})
	if _, err := u.DownloadInvoice(ctx, DownloadInvoiceParams{ID: 1}); err != nil {
		t.Errorf("DownloadInvoice as the teamlead (view_invoice): %v", err)
	}
}
