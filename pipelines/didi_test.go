package pipelines_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/emulator/didi"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
)

// costCenter is a Kimai customer or project as the tests compare them.
type costCenter struct {
	Number, Name string
	Customer     string // a project's customer number ("" for a customer)
	Comment      string
	Visible      bool
}

// expectCostCenters computes what Kimai must hold after didi-cost-centers-to-kimai: Kimai's own
// customers and projects, plus Didi's departments as customers and Didi's projects as projects
// under their department's customer; customers are numbered by out_budget_id or the Didi id,
// projects by out_budget_id when it fits Kimai's 10 characters; cost centers in gone (made
// before they were deleted in Didi) are hidden.
func expectCostCenters(km *kimai.Fixture, centers []didi.BudgetCenter, gone []didi.BudgetCenter) (customers, projects []costCenter) {
	number := func(bc didi.BudgetCenter) string {
		if bc.OutBudgetID != "" {
			return bc.OutBudgetID
		}
		return bc.ID
	}
	custNumber := map[int]string{}
	for _, c := range km.Customers {
		custNumber[c.ID] = c.Number
		customers = append(customers, costCenter{Number: c.Number, Name: c.Name, Comment: c.Comment, Visible: c.Visible})
	}
	for _, p := range km.Projects {
		projects = append(projects, costCenter{Number: p.Number, Name: p.Name, Customer: custNumber[p.Customer], Comment: p.Comment, Visible: p.Visible})
	}
	byID := map[string]didi.BudgetCenter{}
	for _, bc := range append(slices.Clone(centers), gone...) {
		byID[bc.ID] = bc
	}
	add := func(bc didi.BudgetCenter, visible bool) {
		switch bc.Type {
		case 1:
			customers = append(customers, costCenter{Number: number(bc), Name: bc.Name, Comment: "didi:" + bc.ID, Visible: visible})
		case 2:
			n := bc.OutBudgetID
			if n == "" || len(n) > 10 {
				n = autoNumber // Kimai numbers it
			}
			projects = append(projects, costCenter{Number: n, Name: bc.Name, Customer: number(byID[bc.ParentID]), Comment: "didi:" + bc.ID, Visible: visible})
		}
	}
	for _, bc := range centers {
		if !bc.Deleted {
			add(bc, true)
		}
	}
	for _, bc := range gone {
		add(bc, false)
	}
	sortCenters(customers)
	sortCenters(projects)
	return customers, projects
}

// autoNumber stands for a number Kimai assigned.
const autoNumber = "(auto)"

// autoNumbered replaces the numbers Kimai assigned (to the projects want has as autoNumber) with
// autoNumber.
func autoNumbered(got, want []costCenter) []costCenter {
	auto := map[string]bool{}
	for _, c := range want {
		if c.Number == autoNumber && c.Comment != "" {
			auto[c.Comment] = true
		}
	}
	out := slices.Clone(got)
	for i := range out {
		if auto[out[i].Comment] && out[i].Number != "" {
			out[i].Number = autoNumber
		}
	}
	sortCenters(out)
	return out
}

func sortCenters(cs []costCenter) {
	slices.SortFunc(cs, func(a, b costCenter) int {
		if c := strings.Compare(a.Number, b.Number); c != 0 {
			return c
		}
		return strings.Compare(a.Comment, b.Comment)
	})
}

// centersOf reads Kimai's customers and projects.
func centersOf(e *kimai.Emulator) (customers, projects []costCenter) {
	custNumber := map[int]string{}
	for _, c := range e.Customers() {
		custNumber[c.ID] = c.Number
		customers = append(customers, costCenter{Number: c.Number, Name: c.Name, Comment: c.Comment, Visible: c.Visible})
	}
	for _, p := range e.Projects() {
		projects = append(projects, costCenter{Number: p.Number, Name: p.Name, Customer: custNumber[p.Customer], Comment: p.Comment, Visible: p.Visible})
	}
	sortCenters(customers)
	sortCenters(projects)
	return customers, projects
}

func TestDidiCostCentersToKimai(t *testing.T) {
	_, kmf, ddf := fixtures(t)
	for _, faults := range []bool{false, true} {
		name := "clean"
		if faults {
			name = "faults and an expired token"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, faults)
			run := func() {
				t.Helper()
				if !faults {
					w.mustRun("didi-cost-centers-to-kimai.yaml", nil)
					return
				}
				// Didi's access token expires after the third Didi request: Didi's clock jumps
				// past its 1800 s lifetime, and the client must authorize again.
				var n atomic.Int64
				w.dd.Faults.Set(emukit.FaultConfig{Error5xx: 0.1, Drop: 0.05, RateLimit: 0.1, Seed: 3})
				w.dd.Faults.Only(func(*http.Request) bool {
					if n.Add(1) == 3 {
						w.clock.Advance(31 * time.Minute)
					}
					return true
				})
				w.km.Faults.Set(emukit.FaultConfig{Error5xx: 0.1, Drop: 0.05, RateLimit: 0.1, Seed: 4})
				w.runUntilDone("didi-cost-centers-to-kimai.yaml", nil, 10)
				if faulted(w.dd.Journal) == 0 || faulted(w.km.Journal) == 0 {
					t.Errorf("no fault injected: Didi %d, Kimai %d", faulted(w.dd.Journal), faulted(w.km.Journal))
				}
				w.dd.Faults.Clear()
				w.km.Faults.Clear()
			}

			run()
			wantC, wantP := expectCostCenters(kmf, ddf.BudgetCenters, nil)
			gotC, gotP := centersOf(w.km)
			if d := cmp.Diff(wantC, gotC); d != "" {
				t.Errorf("customers (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantP, autoNumbered(gotP, wantP)); d != "" {
				t.Errorf("projects (-want +got):\n%s", d)
			}
			if faults {
				auth := 0
				for _, e := range w.dd.Journal.Entries() {
					if e.Path == didi.AuthorizePath && e.Outcome == "ok" {
						auth++
					}
				}
				if auth < 2 {
					t.Errorf("Didi authorized %d times, want a second authorization after the token expired", auth)
				}
			}

			// Nothing changed: a rerun writes nothing, and lists each of Didi's cost centers,
			// Kimai's customers and Kimai's projects once (later steps read them by id).
			before := w.kimaiWrites()
			ddBefore, kmBefore := w.dd.Journal.Len(), w.km.Journal.Len()
			w.mustRun("didi-cost-centers-to-kimai.yaml", nil)
			if got := w.kimaiWrites() - before; got != 0 {
				t.Errorf("the rerun sent %d writes to Kimai, want 0", got)
			}
			if !faults {
				lists := map[string]int{}
				for _, e := range w.dd.Journal.Entries()[ddBefore:] {
					if e.Path == "/river/BudgetCenter/get" && (e.Params["offset"] == "" || e.Params["offset"] == "0") {
						lists["didi cost centers"]++
					}
				}
				for _, e := range w.km.Journal.Entries()[kmBefore:] {
					if e.Method == http.MethodGet && (e.Params["page"] == "" || e.Params["page"] == "1") {
						lists["kimai "+strings.TrimPrefix(e.Path, "/api/")]++
					}
				}
				want := map[string]int{"didi cost centers": 1, "kimai customers": 1, "kimai projects": 1}
				if d := cmp.Diff(want, lists); d != "" {
					t.Errorf("the rerun's list calls (first pages) (-want +got):\n%s", d)
				}
			}

			// Didi changes: a department and a project renamed, a project and a department
			// gone, a department with a project added.
			centers := slices.Clone(ddf.BudgetCenters)
			var gone []didi.BudgetCenter
			for i := range centers {
				bc := &centers[i]
				switch bc.Name {
				case "测试部", "数据中台":
					bc.Name += "(新)"
					if err := w.dd.RenameBudgetCenter(bc.ID, bc.Name); err != nil {
						t.Fatal(err)
					}
				case "年度审计":
					gone = append(gone, *bc)
					bc.Deleted = true
					if err := w.dd.DeleteBudgetCenter(bc.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, bc := range centers {
				if bc.Type == 1 && !bc.Deleted && !slices.ContainsFunc(centers, func(p didi.BudgetCenter) bool { return p.ParentID == bc.ID }) {
					gone = append(gone, bc)
					if err := w.dd.DeleteBudgetCenter(bc.ID); err != nil {
						t.Fatal(err)
					}
					for i := range centers {
						if centers[i].ID == bc.ID {
							centers[i].Deleted = true
						}
					}
					break
				}
			}
			dept := didi.BudgetCenter{Name: "海外事业部", Type: 1, OutBudgetID: "D-INTL"}
			id, err := w.dd.AddBudgetCenter(dept)
			if err != nil {
				t.Fatal(err)
			}
			dept.ID = id
			proj := didi.BudgetCenter{Name: "东南亚市场", Type: 2, ParentID: id}
			if proj.ID, err = w.dd.AddBudgetCenter(proj); err != nil {
				t.Fatal(err)
			}
			centers = append(centers, dept, proj)

			run()
			wantC, wantP = expectCostCenters(kmf, centers, gone)
			gotC, gotP = centersOf(w.km)
			if d := cmp.Diff(wantC, gotC); d != "" {
				t.Errorf("customers after the changes (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantP, autoNumbered(gotP, wantP)); d != "" {
				t.Errorf("projects after the changes (-want +got):\n%s", d)
			}
			if n := len(w.km.Customers()); n != len(wantC) {
				t.Errorf("Kimai has %d customers, want %d (nothing deleted)", n, len(wantC))
			}

			before = w.kimaiWrites()
			w.mustRun("didi-cost-centers-to-kimai.yaml", nil)
			if got := w.kimaiWrites() - before; got != 0 {
				t.Errorf("the rerun after the changes sent %d writes to Kimai, want 0", got)
			}
		})
	}
}

// TestDidiCostCentersDatedProjects: a project dated in Kimai (ended, or not started yet) drops
// out of every project list without ignoreDates=1 (ProjectController::cgetAction lists only
// projects active today). The sync must still see it: a run with a new, empty state file creates
// nothing twice, and a dated project renamed in Didi is renamed in Kimai.
func TestDidiCostCentersDatedProjects(t *testing.T) {
	_, _, ddf := fixtures(t)
	w := newWorld(t, false)
	w.mustRun("didi-cost-centers-to-kimai.yaml", nil)
	var dated []kimai.Project
	for _, p := range w.km.Projects() {
		if strings.HasPrefix(p.Comment, "didi:") && len(dated) < 2 {
			dated = append(dated, p)
		}
	}
	if len(dated) < 2 {
		t.Fatalf("the sync made %d projects, want at least 2", len(dated))
	}
	dates := [][2]string{{"2024-01-01", "2024-12-31"}, {"2099-01-01", ""}} // ended; not started
	for i, p := range dated {
		if err := w.km.UpdateProject(p.ID, func(x *kimai.Project) { x.Start, x.End = dates[i][0], dates[i][1] }); err != nil {
			t.Fatal(err)
		}
	}
	renamed := strings.TrimPrefix(dated[0].Comment, "didi:")
	if !slices.ContainsFunc(ddf.BudgetCenters, func(bc didi.BudgetCenter) bool { return bc.ID == renamed }) {
		t.Fatalf("project %q is no Didi cost center", dated[0].Comment)
	}
	if err := w.dd.RenameBudgetCenter(renamed, dated[0].Name+"(改)"); err != nil {
		t.Fatal(err)
	}
	beforeC, beforeP := len(w.km.Customers()), len(w.km.Projects())
	if err := os.Remove(filepath.Join(w.dir, ".didi-cost-centers-to-kimai.state.db")); err != nil {
		t.Fatal(err)
	}

	w.mustRun("didi-cost-centers-to-kimai.yaml", nil)
	if c, p := len(w.km.Customers()), len(w.km.Projects()); c != beforeC || p != beforeP {
		t.Errorf("after a run with a new state file Kimai has %d customers and %d projects, want %d and %d (nothing created twice)", c, p, beforeC, beforeP)
	}
	for _, p := range w.km.Projects() {
		if p.ID == dated[0].ID && p.Name != dated[0].Name+"(改)" {
			t.Errorf("dated project %d is named %q, want the Didi rename %q", p.ID, p.Name, dated[0].Name+"(改)")
		}
	}
}
