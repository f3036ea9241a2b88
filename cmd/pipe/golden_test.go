package main

import (
	"bufio"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestCLI (testdata/cli/*/{stdout,stderr,exit})")

// TestCLI runs the command line cases of testdata/cli, one directory each (sqlc's layout):
//
//	args    the arguments, one a line
//	env     optional: NAME=value lines, the whole environment; a line "@sandbox" starts the sandbox
//	        and adds its variables
//	stdout, stderr, exit   what pipe prints and returns
//
// The command runs in-process with the case's directory as working directory. In args and env,
// {{ROOT}} is the module's root; in what pipe prints, the module root, the sandbox's URLs, the Go
// version and the time of JSON log lines are replaced by {{ROOT}}, {{KQAPI_URL}}, {{DIDI_URL}},
// {{KIMAI_URL}}, {{GOVERSION}} and {{TIME}}.
// go test ./cmd/pipe -run TestCLI -update rewrites stdout, stderr and exit.
func TestCLI(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := filepath.Glob("testdata/cli/*/args")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases in testdata/cli")
	}
	for _, argsFile := range cases {
		dir, err := filepath.Abs(filepath.Dir(argsFile))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			runCase(t, root, dir)
		})
	}
}

func runCase(t *testing.T, root, dir string) {
	expand := strings.NewReplacer("{{ROOT}}", root)
	args := lines(t, filepath.Join(dir, "args"))
	for i := range args {
		args[i] = expand.Replace(args[i])
	}
	vars := map[string]string{}
	var sandboxed []string
	if _, err := os.Stat(filepath.Join(dir, "env")); err == nil {
		for _, l := range lines(t, filepath.Join(dir, "env")) {
			if l == "@sandbox" {
				sb := startSandbox(t)
				for _, v := range sb.Env() {
					vars[v.Name] = v.Value
				}
				sandboxed = []string{sb.KQAPIURL, "{{KQAPI_URL}}", sb.DidiURL, "{{DIDI_URL}}", sb.KimaiURL, "{{KIMAI_URL}}"}
				continue
			}
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("env: %q is not NAME=value", l)
			}
			vars[k] = expand.Replace(v)
		}
	}
	t.Chdir(dir)
	var stdout, stderr strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, args, &stdout, &stderr, func(k string) string { return vars[k] })
	replacer := strings.NewReplacer(append(sandboxed, root, "{{ROOT}}", runtime.Version(), "{{GOVERSION}}")...)
	clean := func(s string) string { return jsonTime.ReplaceAllString(replacer.Replace(s), `"time":"{{TIME}}"`) }
	got := map[string]string{
		"stdout": clean(stdout.String()),
		"stderr": clean(stderr.String()),
		"exit":   strconv.Itoa(code) + "\n",
	}
	for _, name := range []string{"stdout", "stderr", "exit"} {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, []byte(got[name]), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./cmd/pipe -run TestCLI -update writes it)", err)
		}
		if diff := cmp.Diff(string(want), got[name]); diff != "" {
			t.Errorf("pipe %s: %s differs (-want +got):\n%s", strings.Join(args, " "), name, diff)
		}
	}
}

// jsonTime is the time of a JSON log line, which differs from run to run.
var jsonTime = regexp.MustCompile(`"time":"[^"]*"`)

// lines reads the lines of a file (an empty line is an empty argument).
func lines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
