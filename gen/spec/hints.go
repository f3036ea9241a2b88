package spec

// Hint is advice on what to fix, attached to the vendor errors it matches (docs/spec-format.md,
// "hints"). Every condition given must hold: the HTTP status, the vendor code, and text the
// vendor's message contains. At least one is given.
type Hint struct {
	Pos     Pos
	Status  int    `yaml:"status"`  // HTTP status; 0: any
	Code    string `yaml:"code"`    // vendor code (kqapi status, Didi errno, Kimai code); "": any
	Message string `yaml:"message"` // text the vendor's message contains; "": any
	Hint    string `yaml:"hint"`    // what to fix, in the user's terms (variables, consoles, permissions)
}

// Permissions says how the vendor refuses a call its user may not make and which roles hold
// which permission by default, so that the error of an operation with a `permission` names the
// permission and the roles that have it.
type Permissions struct {
	Pos    Pos
	Status int                 `yaml:"status"` // HTTP status of a refusal (403)
	Roles  map[string][]string `yaml:"roles"`  // default role → the permissions it holds
	Doc    string              `yaml:"doc"`    // where the roles come from
}

// checkHints reports hints without a condition or without advice; where names the list.
func (c *checker) checkHints(where string, hs []Hint) {
	for _, h := range hs {
		if h.Status == 0 && h.Code == "" && h.Message == "" {
			c.errorf(h.Pos, "%s: a hint needs a status, a code or a message to match", where)
		}
		if h.Hint == "" {
			c.errorf(h.Pos, "%s: hint: missing", where)
		}
		if h.Status != 0 && (h.Status < 100 || h.Status > 599) {
			c.errorf(h.Pos, "%s: status %d is not an HTTP status", where, h.Status)
		}
	}
}

// checkPermissions checks the permissions section and that operations naming a permission have
// one to refer to.
func (c *checker) checkPermissions() {
	p := c.api.Permissions
	if p != nil && (p.Status < 400 || p.Status > 599) {
		c.errorf(p.Pos, "permissions: status: want the HTTP status of a refusal (403), got %d", p.Status)
	}
	for _, op := range c.api.Operations {
		if op.Permission != "" && p == nil {
			c.errorf(op.Pos, "operation %s: permission needs a top-level permissions section", op.Name)
		}
	}
}
