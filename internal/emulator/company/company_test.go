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
