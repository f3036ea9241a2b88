package transport

import "testing"

// TestAPIErrorShowsAMessageOnce: a vendor message given twice (Kimai checks a timesheet's begin
// and end each against the project's dates) is shown once; different ones all are.
func TestAPIErrorShowsAMessageOnce(t *testing.T) {
	e := &APIError{Op: "kimai.createTimesheet", Status: 400, Code: "400", Message: "Validation Failed", Fields: []FieldError{
		{Message: "The project is finished at that time."},
		{Field: "activity", Message: "This value is not valid."},
		{Message: "The project is finished at that time."},
	}}
	want := "kimai.createTimesheet: HTTP 400, vendor code 400: Validation Failed: The project is finished at that time.; activity: This value is not valid."
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if len(e.Fields) != 3 {
		t.Errorf("Fields = %v: keep what the vendor said", e.Fields)
	}
}
