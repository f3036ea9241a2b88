package sandbox

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/kimai"
)

// TestKimaiFixtureAndConfig: the sandbox's Kimai takes the head-office fixture and a changed
// system configuration, which GET /api/config/timesheet reports.
func TestKimaiFixtureAndConfig(t *testing.T) {
	sb, err := Start(Options{KQAPIInterval: 10 * time.Millisecond, KimaiFixture: "head-office",
		KimaiConfig: func(c *kimai.Config) { c.ForbidFutureTimes = true; c.ActiveEntriesHardLimit = 3 }})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	get := func(path string) map[string]any {
		t.Helper()
		req, err := http.NewRequest("GET", sb.KimaiURL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+sb.Getenv("KIMAI_TOKEN"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return m
	}
	if z := get("/api/users/me")["timezone"]; z != "Europe/Berlin" {
		t.Errorf("admin's zone = %v, want Europe/Berlin", z)
	}
	cfg := get("/api/config/timesheet")
	if cfg["isAllowOverlapping"] != false || cfg["isAllowFutureTimes"] != false || cfg["activeEntriesHardLimit"] != float64(3) {
		t.Errorf("config = %v; want overlapping and future times forbidden, hard limit 3", cfg)
	}
	if _, err := Start(Options{KimaiFixture: "nope"}); err == nil {
		t.Error("an unknown fixture name started a sandbox")
	}
}
