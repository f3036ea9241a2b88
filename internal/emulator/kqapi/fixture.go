package kqapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Fixture is the seed state of the emulator: API accounts with their keys, the company's
// departments, employees, devices, leave types, punches and applications. It is plain JSON; the
// credentials in it are sandbox credentials.
type Fixture struct {
	// CompanyID is the companyId printed in every punch record.
	CompanyID string `json:"company_id"`
	// Calendar is the working calendar the reports use.
	Calendar     Calendar      `json:"calendar"`
	Accounts     []APIAccount  `json:"accounts"`
	Departments  []Department  `json:"departments"`
	Employees    []Employee    `json:"employees"`
	Devices      []Device      `json:"devices"`
	ApplyTypes   []ApplyType   `json:"apply_types"`
	Applications []Application `json:"applications"`
	Punches      []Punch       `json:"punches"`
}

// Calendar says which days are working days: Monday to Friday, minus Holidays, plus Workdays
// (weekend days worked in exchange for a holiday). Dates are yyyy-mm-dd in Asia/Shanghai.
type Calendar struct {
	Holidays []string `json:"holidays,omitempty"`
	Workdays []string `json:"workdays,omitempty"`
}

// APIAccount is an API account ("API帐号") and the key set for it in the console.
type APIAccount struct {
	Account string `json:"account"`
	Key     string `json:"key"`
}

// Department is a getDepartment row.
type Department struct {
	ID   int    `json:"id"`
	PID  int    `json:"pid"`
	Name string `json:"name"`
	Top  int    `json:"top"`
}

// Employee is an attendance user. Account is the CC number (atten_uid, useraccount).
type Employee struct {
	Account     string `json:"account"`
	RealName    string `json:"realname"`
	DeptID      int    `json:"deptid"`
	Mobile      string `json:"mobile"`
	Email       string `json:"email,omitempty"`
	Sex         int    `json:"sex"`
	Card        string `json:"card,omitempty"`
	Fingerprint int    `json:"fingerprint"`
	// Work and Off are the shift's local start and end ("09:00"); Off before Work crosses midnight.
	Work string `json:"work"`
	Off  string `json:"off"`
	// Devices are the serial numbers the employee is synced to.
	Devices []string `json:"devices,omitempty"`
	// PasswordMD5 is what addEmployee/updateEmployee received as password.
	PasswordMD5 string `json:"password_md5,omitempty"`
}

// Device is an attendance terminal.
type Device struct {
	SN         string `json:"sn"`
	Remark     string `json:"remark"`
	UpdateTime int64  `json:"updatetime"`
	Expired    int64  `json:"expired"`
}

// ApplyType is one entry of applyType: an application type id and its name.
type ApplyType struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Application is a leave, overtime, time-off-in-lieu or out-of-office application (Apply).
// Start and End are local times "yyyy-mm-dd hh:ii:ss".
type Application struct {
	ID      int    `json:"id"`
	Account string `json:"useraccount"`
	TypeID  string `json:"typeid"`
	Start   string `json:"start"`
	End     string `json:"end"`
	Reason  string `json:"reason,omitempty"`
	Status  string `json:"status"`
}

// Punch is one clock-in record (recordlog). Time is unix seconds; Date, realname, departname and
// remark are derived when the record is served.
type Punch struct {
	ID      int64  `json:"atten_id"`
	Account string `json:"atten_uid"`
	Device  string `json:"atten_device"`
	Type    string `json:"atten_type"`
	Status  string `json:"atten_status"`
	Time    int64  `json:"atten_time"`
}

// AttenTypeRecheck is the atten_type of a corrective punch made by reCheck (补签卡). The real code
// is not documented; the emulator uses a value no terminal produces so clients can tell them apart.
const AttenTypeRecheck = "99"

//go:embed fixture.json
var defaultFixtureJSON []byte

// DefaultFixture returns a fresh copy of the embedded default fixture, built from company.Default().
func DefaultFixture() (*Fixture, error) {
	return decodeFixture(defaultFixtureJSON, "embedded fixture.json")
}

func decodeFixture(b []byte, name string) (*Fixture, error) {
	var f Fixture
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("kqapi: decode fixture %s: %w", name, err)
	}
	return &f, nil
}

// EncodeFixture writes f as JSON with one list element per line, so a fixture diff stays readable.
// The output is deterministic.
func EncodeFixture(f *Fixture) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("{\n")
	v := reflect.ValueOf(*f)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		fmt.Fprintf(&buf, "  %q: ", name)
		fv := v.Field(i)
		if fv.Kind() == reflect.Slice && fv.Len() > 0 {
			buf.WriteString("[\n")
			for k := 0; k < fv.Len(); k++ {
				b, err := json.Marshal(fv.Index(k).Interface())
				if err != nil {
					return nil, fmt.Errorf("kqapi: encode fixture %s: %w", name, err)
				}
				buf.WriteString("    ")
				buf.Write(b)
				if k < fv.Len()-1 {
					buf.WriteByte(',')
				}
				buf.WriteByte('\n')
			}
			buf.WriteString("  ]")
		} else {
			b, err := json.Marshal(fv.Interface())
			if err != nil {
				return nil, fmt.Errorf("kqapi: encode fixture %s: %w", name, err)
			}
			buf.Write(b)
		}
		if i < t.NumField()-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("}\n")
	return buf.Bytes(), nil
}
