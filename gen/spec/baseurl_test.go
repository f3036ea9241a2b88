package spec_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/gen/spec"
)

// TestBaseURL: a SaaS API names its vendor's production URL; a self-hosted one names none and
// needs the variable that gives it, so an unset variable can never send credentials elsewhere.
func TestBaseURL(t *testing.T) {
	tests := []struct {
		name, baseURL, want string
	}{
		{"saas", `{default: "https://api.example.com", env: X_BASE_URL}`, ""},
		{"self-hosted", `{self_hosted: true, env: X_BASE_URL}`, ""},
		{"saas without default", `{env: X_BASE_URL}`,
			"x.yaml:3:11: base_url: give the vendor's production URL as default, or mark the API self_hosted: true (its base URL is then a required setting)"},
		{"self-hosted with default", `{self_hosted: true, default: "http://127.0.0.1:8001", env: X_BASE_URL}`,
			`x.yaml:3:11: base_url: a self-hosted API has no default (each installation has its own URL): remove default "http://127.0.0.1:8001"`},
		{"self-hosted without env", `{self_hosted: true}`,
			"x.yaml:3:11: base_url: a self-hosted API needs env, the variable that names the installation's URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "api: x\ntitle: X\nbase_url: " + tt.baseURL + "\ntimezone: UTC\nenvelope: {style: http}\n"
			_, err := spec.Parse("x.yaml", []byte(src), nil)
			got := ""
			if err != nil {
				got = strings.TrimSpace(err.Error())
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Parse (-want +got):\n%s", d)
			}
		})
	}
}
