package pipelines_test

import (
	"encoding/csv"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/emulator/emukit"
)

// TestAttendanceSummary checks the monthly CSVs against the fixture: one file per department
// with each of its employees once, and the leave types of each employee's leave applications
// (请假, 事假, 年假, 病假; not overtime or outings) in October. kqapi answers some requests with
// a 502 or a dropped connection: the reads are retried.
func TestAttendanceSummary(t *testing.T) {
	kqf, _, _ := fixtures(t)
	w := newWorld(t, false)
	w.kq.Faults.Set(emukit.FaultConfig{Error5xx: 0.2, Drop: 0.1, RateLimit: 0.1, Seed: 5})
	w.mustRun("attendance-summary.yaml", map[string]string{"month": "2026-10"})
	if faulted(w.kq.Journal) == 0 {
		t.Error("no fault injected")
	}
	w.kq.Faults.Clear()

	deptName := map[int]string{}
	for _, d := range kqf.Departments {
		deptName[d.ID] = d.Name
	}
	typeName := map[string]string{}
	for _, at := range kqf.ApplyTypes {
		typeName[at.ID] = at.Name
	}
	leaveTypes := map[string]map[string]bool{} // account → leave type names
	for _, a := range kqf.Applications {
		if !strings.HasPrefix(a.Start, "2026-10") || slices.Contains([]string{"1", "2", "3", "4"}, a.TypeID) {
			continue
		}
		if leaveTypes[a.Account] == nil {
			leaveTypes[a.Account] = map[string]bool{}
		}
		leaveTypes[a.Account][typeName[a.TypeID]] = true
	}
	// want: file → "account name leave-types" lines.
	want := map[string][]string{}
	for _, e := range kqf.Employees {
		f := "attendance-summary-" + deptName[e.DeptID] + ".csv"
		want[f] = append(want[f], e.Account+" "+e.RealName+" "+strings.Join(slices.Sorted(maps.Keys(leaveTypes[e.Account])), ","))
	}
	got := map[string][]string{}
	files, err := filepath.Glob(filepath.Join(w.dir, "out", "attendance-summary-*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"department", "account", "name", "scheduled_days", "worked_days", "late_count", "absence_hours", "leave_hours", "leave_by_type"}, rows[0]); d != "" {
			t.Fatalf("%s: header (-want +got):\n%s", f, d)
		}
		for _, r := range rows[1:] {
			var types []string
			for _, part := range strings.Split(r[8], "; ") {
				if name, _, ok := strings.Cut(part, " "); ok {
					types = append(types, name)
				}
			}
			slices.Sort(types)
			scheduled, err1 := strconv.Atoi(r[3])
			worked, err2 := strconv.Atoi(r[4])
			if err1 != nil || err2 != nil || scheduled < 18 || worked > scheduled {
				t.Errorf("%s: %s worked %s of %s scheduled days", filepath.Base(f), r[1], r[4], r[3])
			}
			got[filepath.Base(f)] = append(got[filepath.Base(f)], r[1]+" "+r[2]+" "+strings.Join(types, ","))
		}
	}
	for _, m := range []map[string][]string{want, got} {
		for _, v := range m {
			slices.Sort(v)
		}
	}
	if len(want) < 8 {
		t.Fatalf("the fixture has %d departments with employees, want 8", len(want))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("summary files (-want +got):\n%s", d)
	}
}
