package company

import "testing"

func TestDefaultRoster(t *testing.T) {
	c := Default()
	if got := len(c.Departments); got != 8 {
		t.Errorf("departments = %d, want 8", got)
	}
	if got := len(c.Employees); got != 120 {
		t.Errorf("employees = %d, want 120", got)
	}
	seen := map[string]bool{}
	unmapped := 0
	for _, e := range c.Employees {
		if seen[e.Account] {
			t.Errorf("account %s used twice", e.Account)
		}
		seen[e.Account] = true
		if _, ok := c.Department(e.DeptID); !ok {
			t.Errorf("employee %s in unknown department %d", e.Account, e.DeptID)
		}
		if !e.Kimai {
			unmapped++
		}
	}
	if unmapped == 0 || unmapped > 10 {
		t.Errorf("unmapped employees = %d, want a handful", unmapped)
	}
	night := 0
	for _, e := range c.Employees {
		if e.Shift.Crosses() {
			night++
		}
	}
	if night == 0 {
		t.Error("no employee works a night shift that crosses midnight")
	}
}

func TestHeadOffice(t *testing.T) {
	d, h := Default(), HeadOffice()
	if h.HeadOfficeZone != HeadOfficeZone || d.HeadOfficeZone != "" {
		t.Errorf("head office zone = %q (default %q), want %q (default \"\")", h.HeadOfficeZone, d.HeadOfficeZone, HeadOfficeZone)
	}
	if len(h.Employees) != len(d.Employees) {
		t.Fatalf("head office has %d employees, default %d", len(h.Employees), len(d.Employees))
	}
	overseas := 0
	for i, e := range h.Employees {
		if e.Account != d.Employees[i].Account || e.Name != d.Employees[i].Name {
			t.Errorf("employee %d differs from Default: %+v", i, e)
		}
		switch e.Timezone {
		case OverseasZone:
			overseas++
			if !e.Kimai || e.DeptID != h.Departments[5].ID {
				t.Errorf("overseas employee %s: Kimai %v, department %d", e.Account, e.Kimai, e.DeptID)
			}
		case Zone:
		default:
			t.Errorf("employee %s in zone %q", e.Account, e.Timezone)
		}
	}
	if overseas != 3 {
		t.Errorf("%d employees overseas, want 3", overseas)
	}
}
