package kimai

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSpecCoversKimaiRoutes compares the spec's routes with every public route of Kimai 2.66
// (testdata/kimai-2.66-routes.txt, read from the Route attributes of Kimai's API controllers,
// with the permission each needs for the later "name the permission on a 403" spec data):
// `pipe ops kimai` lists all of them, and the spec has no route Kimai lacks. Path parameter
// names are not compared ({rateId} and {id} are the same slot).
func TestSpecCoversKimaiRoutes(t *testing.T) {
	f, err := os.Open("testdata/kimai-2.66-routes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	param := regexp.MustCompile(`\{[^}]*\}`)
	norm := func(method, path string) string { return method + " " + param.ReplaceAllString(path, "{}") }
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line) // METHOD PATH PERMISSION SOURCE
		if len(fields) != 4 {
			t.Fatalf("bad line %q", line)
		}
		want = append(want, norm(fields[0], fields[1]))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range API().Ops {
		if r := norm(op.Method, op.Path); !slices.Contains(got, r) {
			got = append(got, r)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) < 80 {
		t.Fatalf("only %d routes in the testdata", len(want))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("routes (-Kimai 2.66 +spec):\n%s", d)
	}
}

// TestSpecPermissionsAgreeWithKimai checks that each operation's permission is the one Kimai 2.66
// requires for its route (testdata/kimai-2.66-routes.txt; "-" and gone routes need none).
func TestSpecPermissionsAgreeWithKimai(t *testing.T) {
	b, err := os.ReadFile("testdata/kimai-2.66-routes.txt")
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`\{[^}]*\}`)
	want := map[string]string{} // METHOD path → permission
	for line := range strings.Lines(string(b)) {
		fields := strings.Fields(line)
		if len(fields) != 4 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		perm := fields[2]
		if perm == "-" || strings.HasPrefix(perm, "gone(") {
			perm = ""
		}
		want[fields[0]+" "+param.ReplaceAllString(fields[1], "{}")] = perm
	}
	named := 0
	for _, op := range API().Ops {
		route := op.Method + " " + param.ReplaceAllString(op.Path, "{}")
		w, ok := want[route]
		if !ok {
			t.Errorf("%s: route %s not in the testdata", op.Name, route)
			continue
		}
		if op.Permission != w {
			t.Errorf("%s (%s): permission %q, Kimai requires %q", op.Name, route, op.Permission, w)
		}
		if op.Permission != "" {
			named++
		}
	}
	if named < 70 {
		t.Errorf("only %d operations name a permission", named)
	}
}
