package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// stageInput writes n JSON lines with what makes every kind of step fail now and then: lines
// that are not JSON, counts that are not numbers (a filter fails), codes that are not numbers
// (a group's key fails) and an account whose output field fails.
func stageInput(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		switch {
		case i%97 == 13:
			fmt.Fprintf(&b, "{\"who\": \"u%d\", broken\n", i)
			continue
		case i%211 == 5:
			b.WriteString("\n") // blank lines are skipped
			continue
		}
		count := fmt.Sprint(i % 17)
		if i%53 == 7 {
			count = "many"
		}
		code := fmt.Sprint(i % 5)
		if i%61 == 3 {
			code = "?"
		}
		fmt.Fprintf(&b, `{"who":"u%d","count":%q,"code":%q,"at":"2026-11-%02d %02d:%02d:00","note":"备注 \"%d\""}`+"\n",
			i%41, count, code, 1+i%28, i%24, i%60, i)
	}
	path := filepath.Join(dir, "in.jsonl")
	writeFile(t, path, b.String())
	return path
}

// stageHead starts the pipelines of these tests: a read of what stageInput writes.
const stageHead = `
timezone: Asia/Shanghai
steps:
  - id: in
    read:
      file: in.jsonl
      fields: {who: string, count: string, code: string, at: datetime, note: string}
`

// TestStagedRunsAsSerial runs pipelines whose steps the engine stages (filters and maps on the
// read's decoding goroutines, a group's keys, an output's lines, the steps after a group's
// Finish) and the same pipelines with nothing staged: the summaries, their failures in order,
// the progress reports and the outputs must be the same.
func TestStagedRunsAsSerial(t *testing.T) {
	for _, tc := range []struct{ name, steps string }{
		{"filter-map-group-map-output", `
  - id: some
    filter: int(r.count) % 3 != 0
  - id: shaped
    map: {who: r.who, code: r.code, at: r.at, n: int(r.count)}
  - id: groups
    group:
      by: {who: r.who, bucket: int(r.code)}
      order: r.at
  - id: spans
    map: {who: r.who, bucket: r.bucket, count: r.count, seconds: seconds(r.last.at - r.first.at), n: r.first.n + r.last.n}
  - id: out
    output:
      file: out.jsonl
      fields: {who: r.who, bucket: r.bucket, count: r.count, seconds: r.seconds, n: r.n, check: 'int(r.who == "u7" ? "bad" : "1")'}
`},
		{"whole-records", `
  - id: out
    output: {file: out.jsonl}
`},
		{"map-filter-output", `
  - id: shaped
    map: {who: r.who, n: int(r.count), day: day(r.at), note: r.note}
  - id: some
    filter: r.n > 4 && r.who != "u3"
  - id: out
    output:
      file: out.jsonl
      fields: {who: r.who, n: r.n, day: r.day, even: 'r.n % 2 == 0 ? r.n : int("odd")'}
`},
		{"group-of-whole-records", `
  - id: groups
    group:
      by: {who: r.who, code: r.code}
      order: r.at
  - id: out
    output: {file: out.jsonl}
`},
		{"group-without-order", `
  - id: groups
    group:
      by: {who: r.who}
  - id: out
    output:
      file: out.jsonl
      fields: {who: r.who, count: r.count, last: r.last.note}
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var outs [2]string
			var sums [2]*Summary
			var progs [2][]Progress
			path, tmp := writePipeline(t, stageHead+tc.steps)
			stageInput(t, tmp, 20000)
			for k, serial := range []bool{true, false} {
				p := mustLoad(t, path, testOpts())
				sums[k] = mustRun(t, p, RunOptions{serial: serial, ProgressEvery: 7, Progress: func(pr Progress) {
					progs[k] = append(progs[k], Progress{Step: pr.Step, Records: pr.Records})
				}})
				b, err := os.ReadFile(filepath.Join(tmp, "out.jsonl"))
				if err != nil {
					t.Fatal(err)
				}
				outs[k] = string(b)
			}
			if sums[0].Steps[0].Failed == 0 || len(sums[0].Failed) == 0 {
				t.Fatalf("the input made no failures: %+v", sums[0].Steps)
			}
			if diff := cmp.Diff(sums[0], sums[1], cmpopts.IgnoreFields(Summary{}, "Duration")); diff != "" {
				t.Errorf("summary, serial (-) and staged (+):\n%s", diff)
			}
			if diff := cmp.Diff(progs[0], progs[1]); diff != "" {
				t.Errorf("progress, serial (-) and staged (+):\n%s", diff)
			}
			if outs[0] != outs[1] {
				t.Errorf("outputs differ:\n%s", cmp.Diff(strings.Split(outs[0], "\n"), strings.Split(outs[1], "\n")))
			}
			if len(outs[0]) == 0 {
				t.Error("nothing was written")
			}
		})
	}
}

// TestStagedRunStops stops staged runs while the read's goroutines stage records and while a
// burst stages a group's records: the run ends with the stop's cause, leaves no output file and
// no goroutine behind.
func TestStagedRunStops(t *testing.T) {
	src := stageHead + `  - id: some
    filter: r.who != "u3"
  - id: groups
    group:
      by: {who: r.who, at: string(r.at)}
  - id: shaped
    map: {who: r.who, count: r.count}
  - id: out
    output: {file: out.jsonl}
`
	path, tmp := writePipeline(t, src)
	stageInput(t, tmp, 20000)
	p := mustLoad(t, path, testOpts())
	for _, at := range []string{"groups", "shaped"} {
		t.Run("in "+at, func(t *testing.T) {
			base := runtime.NumGoroutine()
			stop, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			cause := errors.New("stopped by the test")
			_, err := p.Run(context.Background(), RunOptions{Stop: stop, ProgressEvery: 100, Progress: func(pr Progress) {
				if pr.Step == at && pr.Records > 5000 {
					cancel(cause)
				}
			}})
			if !errors.Is(err, cause) {
				t.Fatalf("Run: %v, want the stop's cause", err)
			}
			if _, err := os.Stat(filepath.Join(tmp, "out.jsonl")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("out.jsonl after a stopped run: %v", err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > base {
				buf := make([]byte, 1<<16)
				t.Errorf("%d goroutines after the run, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
			}
		})
	}
}
