package spec

// CallerZone says how a client learns the time zone the vendor reads its caller's local
// datetimes in: an operation without required parameters whose result object holds the IANA
// name (Kimai: getMe, field timezone). Parameters marked `zone: caller` are sent in that zone.
type CallerZone struct {
	Pos       Pos
	Operation string `yaml:"operation"` // the operation to call, once per client
	Field     string `yaml:"field"`     // the string field of its result holding the zone's IANA name
	Doc       string `yaml:"doc"`
}

// Zones a datetime parameter may be sent in besides the API's default (send_zone).
const ZoneCaller = "caller"

// checkZones checks the caller_zone section and the parameters' zone keys.
func (c *checker) checkZones() {
	a := c.api
	if z := a.CallerZone; z != nil {
		op := c.ops[z.Operation]
		switch {
		case op == nil:
			c.errorf(z.Pos, "caller_zone: unknown operation %q", z.Operation)
		default:
			for _, p := range op.Params {
				if p.Required || p.Location(op.Method) == "path" {
					c.errorf(z.Pos, "caller_zone: operation %s has the required parameter %s", op.Name, p.Name)
				}
			}
			t := c.types[op.Result]
			if t == nil || t.Base != "" {
				c.errorf(z.Pos, "caller_zone: operation %s must return an object, not %q", op.Name, op.Result)
				break
			}
			var f *Field
			for _, x := range t.Fields {
				if x.Name == z.Field {
					f = x
				}
			}
			if f == nil || f.Type != "string" {
				c.errorf(z.Pos, "caller_zone: field: %s has no string field %q", t.Name, z.Field)
			}
		}
	}
	for _, op := range a.Operations {
		for _, p := range op.Params {
			switch p.Zone {
			case "":
			case ZoneCaller:
				// A date is a calendar day, not an instant: converting it would change the day.
				if p.Type != "datetime" {
					c.errorf(p.Pos, "operation %s: parameter %s: zone applies to datetime parameters, not %s", op.Name, p.Name, p.Type)
				}
				if a.CallerZone == nil {
					c.errorf(p.Pos, "operation %s: parameter %s: zone: caller needs a top-level caller_zone section", op.Name, p.Name)
				}
			default:
				c.errorf(p.Pos, "operation %s: parameter %s: zone: want caller, got %q", op.Name, p.Name, p.Zone)
			}
		}
	}
}
