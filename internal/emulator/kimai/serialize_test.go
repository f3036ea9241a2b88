package kimai

import "testing"

func TestInitialsAndColorSafe(t *testing.T) {
	cases := []struct {
		user      User
		initials  string
		colorSafe string
	}{
		{User{Username: "susan_super"}, "SU", colorSafe("", "susan_super")},
		{User{Username: "john_user", Alias: "John Doe"}, "JD", colorSafe("", "John Doe")},
		{User{Username: "x", Alias: "Anna Maria Smith"}, "AM", colorSafe("", "Anna Maria Smith")},
		{User{Username: "first.last@example.com"}, "FL", colorSafe("", "first.last@example.com")},
		{User{Username: "u1100207", Alias: "王伟"}, "王伟", "#AAAAAA"},
		{User{Username: "x", Alias: "Tony Maier", Color: "#ff0000"}, "TM", "#ff0000"},
		{User{Username: "x", Color: defaultColor}, "X", colorSafe("", "x")},
	}
	for _, c := range cases {
		if got := initials(&c.user); got != c.initials {
			t.Errorf("initials(%q/%q) = %q, want %q", c.user.Username, c.user.Alias, got, c.initials)
		}
		rep := userRep(&c.user)
		if got, _ := rep.get("color-safe"); got != c.colorSafe {
			t.Errorf("color-safe of %q = %v, want %q", displayName(&c.user), got, c.colorSafe)
		}
	}
	// Kimai's own test: team "Test team" without color is #03A9F4.
	if got := colorSafe("", "Test team"); got != "#03A9F4" {
		t.Errorf("colorSafe(Test team) = %s", got)
	}
}
