package kimai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Recorded shapes from Kimai's own API tests (Kimai 2.66's tests/API, as recorded in the team's Kimai research notes, cases 43 and 20).
const tongatapuTimesheet = `{"id":1,"begin":"2020-03-27T14:35:00+1300","end":"2020-03-28T03:30:00+1300","duration":46500,"description":null,"activity":1,"project":1,"tags":["test"],"user":2,"metaFields":[],"exported":false,"billable":true,"break":0}`

const invalidCustomer = `{"code":400,"message":"Validation Failed","errors":{"children":{"name":{},"customer":{"errors":["The selected choice is invalid."]},"number":{},"comment":{},"visible":{}}}}`

func fixed(t *testing.T, status int, body string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer token_user" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, Token: "token_user"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDecodeTimesheetKeepsItsOffset(t *testing.T) {
	c := fixed(t, 200, tongatapuTimesheet)
	ts, err := c.GetTimesheet(context.Background(), GetTimesheetParams{ID: 1})
	if err != nil {
		t.Fatal(err)
	}
	tonga := time.FixedZone("", 13*3600)
	if want := time.Date(2020, 3, 27, 14, 35, 0, 0, tonga); !ts.Begin.Equal(want) {
		t.Errorf("begin = %v, want %v", ts.Begin, want)
	}
	if _, off := ts.Begin.Zone(); off != 13*3600 {
		t.Errorf("begin offset = %d s, want +1300 kept", off)
	}
	if ts.End.Sub(ts.Begin) != 46500*time.Second || ts.Duration != 46500 || ts.Description != "" || len(ts.Tags) != 1 {
		t.Errorf("timesheet = %+v", ts)
	}
}

func TestCustomerNumberInsteadOfIDIsAFieldError(t *testing.T) {
	c := fixed(t, 400, invalidCustomer)
	_, err := c.CreateProject(context.Background(), CreateProjectParams{Name: "P", Customer: 754})
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an APIError", err)
	}
	const want = "kimai.createProject: HTTP 400, vendor code 400: Validation Failed: customer: The selected choice is invalid."
	if err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
}
