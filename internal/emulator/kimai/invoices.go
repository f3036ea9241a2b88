package kimai

// Invoices (src/API/InvoiceController.php, src/Entity/Invoice.php, src/Voter/InvoiceVoter.php,
// src/Repository/InvoiceRepository.php). Kimai makes an invoice from timesheets in its web
// interface (there is no API route to create one); the emulator's come from the fixture, each
// with the file Kimai rendered when it was made (var/data/invoices/<invoiceFilename>).

import (
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Invoice statuses (Invoice::STATUS_*).
const (
	InvoiceNew      = "new"
	InvoicePending  = "pending"
	InvoicePaid     = "paid"
	InvoiceCanceled = "canceled"
)

// Invoice is an invoice Kimai made.
type Invoice struct {
	ID       int    `json:"id"`
	Number   string `json:"invoiceNumber"`
	Comment  string `json:"comment,omitempty"`
	Customer int    `json:"customer"`
	User     int    `json:"user"`
	// CreatedAt is the invoice date, shown in Timezone (the zone it was made in: Invoice has a
	// timezone column, getCreatedAt localizes to it).
	CreatedAt time.Time `json:"createdAt"`
	Timezone  string    `json:"timezone"`
	Total     float64   `json:"total"`
	Tax       float64   `json:"tax"`
	Currency  string    `json:"currency"`
	DueDays   int       `json:"dueDays"`
	Vat       float64   `json:"vat"`
	Status    string    `json:"status"`
	Filename  string    `json:"invoiceFilename"`
	// PaymentDate is the day it was paid (YYYY-MM-DD; a Doctrine date column), "" for none.
	PaymentDate string `json:"paymentDate,omitempty"`
	// File is the rendered document; nil: the file is gone (the download is a 404).
	File []byte `json:"file,omitempty"`
}

func (e *Emulator) invoice(id int) *Invoice {
	for _, in := range e.invoices {
		if in.ID == id {
			return in
		}
	}
	return nil
}

// Invoices returns a copy of the invoices.
func (e *Emulator) Invoices() []Invoice {
	e.mu.Lock()
	defer e.mu.Unlock()
	return copyAll(e.invoices, copyInvoice)
}

func copyInvoice(in Invoice) Invoice {
	in.File = slices.Clone(in.File)
	return in
}

// invoiceVisible is InvoiceVoter's common part: view_invoice, and team access to the customer.
func (e *Emulator) invoiceVisible(u *User, in *Invoice) bool {
	c := e.customer(in.Customer)
	return can(u, "view_invoice") && c != nil && e.customerAccessible(u, c)
}

// invoiceRep renders in with the Default group (Invoice.php): customer and user as their
// embedded representations, createdAt in the invoice's zone, paymentDate at midnight in PHP's
// default zone (UTC) as Doctrine hydrates a date column, overdue from the due date alone
// (Invoice::isOverdue does not look at the status).
func (e *Emulator) invoiceRep(in *Invoice) obj {
	var customer, user, payment any
	if c := e.customer(in.Customer); c != nil {
		customer = customerRep(c)
	}
	if u := e.user(in.User); u != nil {
		user = userRep(u)
	}
	if in.PaymentDate != "" {
		if d, err := time.Parse(time.DateOnly, in.PaymentDate); err == nil {
			payment = d.Format(outLayout)
		}
	}
	due := in.CreatedAt.AddDate(0, 0, in.DueDays)
	return obj{{"id", in.ID}, {"invoiceNumber", in.Number}, {"comment", nullStr(in.Comment)},
		{"customer", customer}, {"user", user}, {"total", float(in.Total)}, {"tax", float(in.Tax)},
		{"currency", in.Currency}, {"dueDays", in.DueDays}, {"vat", float(in.Vat)}, {"status", in.Status},
		{"invoiceFilename", in.Filename}, {"paymentDate", payment}, {"metaFields", []any{}},
		{"createdAt", formatTime(in.CreatedAt, in.Timezone)}, {"overdue", due.Before(e.clock.Now())}}
}

// listInvoices is GET /api/invoices (InvoiceController::cgetAction): begin and end (the
// caller's zone) bound createdAt, both included; customers[] (unknown IDs are ignored, one the
// caller may not access is a 403) and status[] filter; newest first (order and orderBy are not
// parameters of this route, so they are ignored); paged like every Pagerfanta collection; a
// user sees the invoices of customers their teams give access to.
func (e *Emulator) listInvoices(c *call) {
	if !can(c.user, "view_invoice") {
		c.fail(http.StatusForbidden)
		return
	}
	q := &query{c: c}
	const dt = `\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`
	beginS, endS := q.get("begin", dt), q.get("end", dt)
	customers := q.list("customers", `\d+`)
	status := q.list("status", "pending|paid|canceled|new")
	page, size := q.get("page", `\d+`), q.get("size", `\d+`)
	begin, err1 := parseFilter(beginS, userLoc(c.user))
	end, err2 := parseFilter(endS, userLoc(c.user))
	if q.bad || err1 != nil || err2 != nil {
		c.fail(http.StatusBadRequest)
		return
	}
	var only []int
	for _, s := range customers {
		cu := e.customer(atoi(s))
		if cu == nil {
			continue
		}
		if !e.customerAccessible(c.user, cu) {
			c.fail(http.StatusForbidden)
			c.out = "Cannot access Customer: " + s
			return
		}
		only = append(only, cu.ID)
	}
	var list []*Invoice
	for _, in := range e.invoices {
		switch {
		case beginS != "" && in.CreatedAt.Before(begin),
			endS != "" && in.CreatedAt.After(end),
			len(only) > 0 && !slices.Contains(only, in.Customer),
			len(status) > 0 && !slices.Contains(status, in.Status),
			!e.invoiceVisible(c.user, in):
			continue
		}
		list = append(list, in)
	}
	slices.SortStableFunc(list, func(a, b *Invoice) int {
		if d := b.CreatedAt.Compare(a.CreatedAt); d != 0 {
			return d
		}
		return cmpInt(b.ID, a.ID)
	})
	lo, hi, ok := c.paginate(len(list), page, size)
	if !ok {
		return
	}
	out := []any{}
	for _, in := range list[lo:hi] {
		out = append(out, e.invoiceRep(in))
	}
	c.reply(http.StatusOK, out)
}

// oneInvoice finds the invoice of the path for a route guarded by InvoiceVoter: Symfony
// resolves the entity first (a 404), then the voter decides (a 403).
func (e *Emulator) oneInvoice(c *call) *Invoice {
	in := e.invoice(c.ids[0])
	if in == nil {
		c.fail(http.StatusNotFound)
		return nil
	}
	if !e.invoiceVisible(c.user, in) {
		c.fail(http.StatusForbidden)
		return nil
	}
	return in
}

// getInvoice is GET /api/invoices/{id}.
func (e *Emulator) getInvoice(c *call) {
	if in := e.oneInvoice(c); in != nil {
		c.reply(http.StatusOK, e.invoiceRep(in))
	}
}

// downloadInvoice is GET /api/invoices/{id}/download: the file as an attachment, as
// AbstractController::file sends it (BinaryFileResponse: the type guessed from the file, the
// disposition naming its base name); a 404 when the file is gone.
func (e *Emulator) downloadInvoice(c *call) {
	in := e.oneInvoice(c)
	if in == nil {
		return
	}
	if in.File == nil {
		c.fail(http.StatusNotFound)
		c.out = "Invoice file could not be found for invoice ID \"" + strconv.Itoa(in.ID) + "\""
		return
	}
	name := path.Base(in.Filename)
	ctype, ok := fileTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		ctype = "application/octet-stream"
	}
	h := c.w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", disposition(name))
	h.Set("Content-Length", strconv.Itoa(len(in.File)))
	h.Set("Accept-Ranges", "bytes")
	c.status = http.StatusOK
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(in.File)
}

// fileTypes are the content types Symfony's MIME guesser gives the documents Kimai's invoice
// renderers write (Response::prepare adds the charset to text types).
var fileTypes = map[string]string{
	".pdf":  "application/pdf",
	".html": "text/html; charset=UTF-8",
	".xml":  "text/xml; charset=UTF-8",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
}

// disposition is Symfony's HeaderUtils::makeDisposition for an attachment: the name bare when
// it is a token, quoted otherwise; a name outside ASCII gets an ASCII fallback and filename*.
func disposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r > 0x7e || r < 0x20 || r == '%' || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	out := "attachment; filename=" + quoteToken(fallback)
	if fallback != name {
		out += "; filename*=utf-8''" + strings.ReplaceAll(url.QueryEscape(name), "+", "%20")
	}
	return out
}

func quoteToken(s string) string {
	for _, r := range s {
		if !strings.ContainsRune("!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~", r) {
			return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
		}
	}
	return s
}

// setInvoiceCustomFields is PATCH /api/invoices/{id}/custom-fields
// (InvoiceController::updateMetaFields): edit_invoice (create_invoice for the customer); the
// body is a list of {name, value}; an item that is no object or lacks one is a 400, a name no
// plugin registered a 404 (the emulator registers no invoice fields).
func (e *Emulator) setInvoiceCustomFields(c *call) {
	in := e.oneInvoice(c)
	if in == nil {
		return
	}
	if !can(c.user, "create_invoice") {
		c.fail(http.StatusForbidden)
		return
	}
	data, ok := c.readBody()
	if !ok {
		return
	}
	if len(data) == 0 {
		c.reply(http.StatusOK, e.invoiceRep(in))
		return
	}
	// Kimai walks the items in order and stops at the first problem; with no registered field
	// the first item is one, whatever it holds.
	item := data[slices.Min(slices.Collect(maps.Keys(data)))]
	_, hasName := item.m["name"]
	_, hasValue := item.m["value"]
	switch {
	case item.kind != 'm':
		c.fail(http.StatusBadRequest)
		c.out = "Invalid request, array expected"
	case !hasName || !hasValue:
		c.fail(http.StatusBadRequest)
		c.out = `Missing required parameter "name" or "value"`
	default:
		c.fail(http.StatusNotFound)
		c.out = "Unknown custom-field requested"
	}
}

// deleteInvoice is DELETE /api/invoices/{id}: delete_invoice, which no default role has
// (config/packages/kimai.yaml: INVOICE_ALL is in no role's sets).
func (e *Emulator) deleteInvoice(c *call) {
	in := e.oneInvoice(c)
	if in == nil {
		return
	}
	if !can(c.user, "delete_invoice") {
		c.fail(http.StatusForbidden)
		return
	}
	e.invoices = remove(e.invoices, func(x *Invoice) bool { return x.ID == in.ID })
	c.noContent()
}

// paginate cuts a Pagerfanta collection of total items (BaseApiController::prepareQuery: a size
// below 1 is the default 50, at most 500; a page past the last is a 404) and sets FOSRest's
// paging headers; ok false: it answered.
func (c *call) paginate(total int, page, size string) (lo, hi int, ok bool) {
	perPage := atoi(size)
	if perPage < 1 {
		perPage = 50
	}
	perPage = min(perPage, 500)
	pg := max(atoi(page), 1)
	pages := max((total+perPage-1)/perPage, 1)
	if pg > pages {
		c.fail(http.StatusNotFound)
		c.out = "page out of range"
		return 0, 0, false
	}
	h := c.w.Header()
	h.Set("X-Page", strconv.Itoa(pg))
	h.Set("X-Total-Count", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	lo = (pg - 1) * perPage
	return lo, min(lo+perPage, total), true
}
