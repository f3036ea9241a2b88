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
