// Command transformbench times one transform four ways, as whole processes one after another in
// the same run: `pipe run` of bench/transform.yaml, the byte-scanner ceiling program in
// bench/ceiling, the straightforward encoding/json program in bench/baseline and the same job as
// a jq program; pipe and the ceiling take turns -runs times, and each is shown by its run of
// median wall time. It checks that the outputs hold the same groups (pipe's and the ceiling's
// the same bytes, in the same order) and prints wall time, CPU time
// (user and system: on a shared machine it moves less than wall time), records per second, peak
// RSS and the ratios against the targets: pipe's wall time at most 1.0x the ceiling's, its peak
// RSS at most 1.5x the baseline's and at most 64 MiB.
//
// bench/transform.sh builds the binaries and calls it; see there.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// jqProgram is the transform in jq: slurp, filter, group by person and work day (04:00 boundary in
// Asia/Shanghai, which has no daylight saving: UTC+8-4h), first and last punch.
const jqProgram = `map(select(.atten_status == "0") | (.atten_time | tonumber) as $t
  | {uid: .atten_uid, t: $t, day: (($t + 14400) | strftime("%Y-%m-%d"))})
| group_by([.uid, .day])[]
| (map(.t) | min) as $first | (map(.t) | max) as $last
| {uid: .[0].uid, day: .[0].day, first: $first, last: $last, seconds: ($last - $first)}`

type result struct {
	name   string
	out    string // the file of its output
	wall   time.Duration
	cpu    time.Duration // user and system time, which other load on the machine changes less than wall
	rssKB  int64
	groups map[string][3]int64
	err    error
}

func main() {
	input := flag.String("input", "", "JSON lines of punch records")
	records := flag.Int("records", 0, "how many records the input holds (for records/s)")
	pipe := flag.String("pipe", "", "the pipe binary")
	pipeline := flag.String("pipeline", "bench/transform.yaml", "the pipeline pipe runs")
	baseline := flag.String("baseline", "", "the baseline binary")
	ceiling := flag.String("ceiling", "", "the ceiling binary")
	work := flag.String("work", os.TempDir(), "directory for outputs")
	enforce := flag.Bool("enforce", false, "exit 1 when a target is missed (outputs that differ always fail)")
	runs := flag.Int("runs", 3, "how many times pipe and the ceiling run, one after the other (the table shows each one's median wall time)")
	flag.Parse()
	if *input == "" || *pipe == "" || *baseline == "" || *ceiling == "" {
		fmt.Fprintln(os.Stderr, "transformbench: -input, -pipe, -ceiling and -baseline are required")
		os.Exit(2)
	}
	if *runs < 1 {
		*runs = 1
	}
	// The pipeline reads punches.jsonl and writes out-pipe.jsonl beside itself. Pipe and the
	// ceiling take turns, so that other load on the machine falls on both alike.
	outPipe := filepath.Join(filepath.Dir(*pipeline), "out-pipe.jsonl")
	outCeiling := filepath.Join(*work, "out-ceiling.jsonl")
	var pipeRuns, ceilRuns []result
	for range *runs {
		pipeRuns = append(pipeRuns, measure("pipe", outPipe, exec.Command(*pipe, "run", *pipeline,
			"--state", filepath.Join(*work, "bench.state.db"), "--log-format", "json", "--log-level", "warn"), "", false))
		ceilRuns = append(ceilRuns, measure("ceiling", outCeiling, exec.Command(*ceiling), *input, true))
	}
	res := []result{median(pipeRuns), median(ceilRuns)}
	res = append(res, measure("go", filepath.Join(*work, "out-go.jsonl"), exec.Command(*baseline), *input, true))
	if _, err := exec.LookPath("jq"); err == nil {
		res = append(res, measure("jq", filepath.Join(*work, "out-jq.jsonl"), exec.Command("jq", "-s", "-c", jqProgram, *input), "", true))
	} else {
		res = append(res, result{name: "jq", err: errors.New("jq is not installed (apt-get install jq)")})
	}
	// The outputs are read once every program has run: a child's peak RSS counts the parent's
	// (the runtime starts a child by sharing the parent's memory until it execs), so the parent
	// stays small while they run.
	for i := range res {
		if res[i].err == nil {
			res[i].groups, res[i].err = readGroups(res[i].out)
		}
	}
	pipeR, ceilR, goR := res[0], res[1], res[2]

	fmt.Printf("transform benchmark: %d records, %s\n", *records, *input)
	if *runs > 1 {
		fmt.Printf("pipe and ceiling ran %d times each, taking turns; wall times: pipe %s, ceiling %s (the table shows the medians)\n", *runs, walls(pipeRuns), walls(ceilRuns))
	}
	fmt.Println()
	fmt.Printf("%-8s %9s %9s %12s %10s %8s %10s %10s %10s\n", "", "wall", "cpu", "records/s", "peak RSS", "groups", "wall/pipe", "cpu/pipe", "RSS/pipe")
	for _, r := range res {
		if r.err != nil {
			fmt.Printf("%-8s error: %v\n", r.name, r.err)
			continue
		}
		fmt.Printf("%-8s %8.2fs %8.2fs %12.0f %6.1f MiB %8d %9.2fx %9.2fx %9.2fx\n", r.name, r.wall.Seconds(), r.cpu.Seconds(), float64(*records)/r.wall.Seconds(),
			float64(r.rssKB)/1024, len(r.groups), r.wall.Seconds()/pipeR.wall.Seconds(), r.cpu.Seconds()/pipeR.cpu.Seconds(), float64(r.rssKB)/float64(pipeR.rssKB))
	}
	for _, r := range res {
		if r.err != nil && r.name != "jq" {
			os.Exit(1)
		}
	}
	for _, r := range res[1:] {
		if r.err != nil {
			continue
		}
		if d := diff(pipeR.groups, r.groups); d != "" {
			fmt.Printf("\nOUTPUTS DIFFER: pipe vs %s: %s\n", r.name, d)
			os.Exit(1)
		}
	}
	if same, err := sameBytes(outPipe, outCeiling); err != nil || !same {
		fmt.Printf("\nOUTPUTS DIFFER: pipe's and the ceiling's files are not the same bytes (%s and %s, %v)\n", outPipe, outCeiling, err)
		os.Exit(1)
	}
	names := "pipe, ceiling and go"
	if res[3].err == nil {
		names = "pipe, ceiling, go and jq"
	}
	fmt.Printf("\noutputs: %s hold the same %d groups; pipe's and the ceiling's files are the same bytes\n\n", names, len(pipeR.groups))
	if *records < 500_000 {
		fmt.Printf("note: at %d records process start-up dominates; the targets apply at 1,000,000 (bench/transform.sh)\n", *records)
	}
	miss := false
	check := func(name string, ok bool, detail string) {
		mark := "ok  "
		if !ok {
			mark, miss = "MISS", true
		}
		fmt.Printf("%s %-42s %s\n", mark, name, detail)
	}
	x := pipeR.wall.Seconds() / ceilR.wall.Seconds()
	check("pipe's wall at most 1.0x the ceiling's", x <= 1, fmt.Sprintf("pipe/ceiling wall = %.2fx", x))
	y := float64(pipeR.rssKB) / float64(goR.rssKB)
	check("pipe's peak RSS at most 1.5x the Go's", y <= 1.5, fmt.Sprintf("pipe/go peak RSS = %.2fx", y))
	mib := float64(pipeR.rssKB) / 1024
	check("pipe's peak RSS at most 64 MiB", mib <= 64, fmt.Sprintf("pipe peak RSS = %.1f MiB", mib))
	if miss && *enforce {
		os.Exit(1)
	}
}

// measure runs cmd as a process (its stdin the file stdin unless that is ""), its stdout to out
// unless the command writes out itself.
func measure(name, out string, cmd *exec.Cmd, stdin string, stdoutToFile bool) result {
	r := result{name: name, out: out}
	if stdin != "" {
		in, err := os.Open(stdin)
		if err != nil {
			r.err = err
			return r
		}
		defer in.Close()
		cmd.Stdin = in
	}
	cmd.Stderr = os.Stderr
	var f *os.File
	if stdoutToFile {
		var err error
		if f, err = os.Create(out); err != nil {
			r.err = err
			return r
		}
		defer f.Close()
		cmd.Stdout = f
	}
	start := time.Now()
	err := cmd.Run()
	r.wall = time.Since(start)
	if err != nil {
		r.err = fmt.Errorf("%s: %w", name, err)
		return r
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rssKB = ru.Maxrss // kilobytes on Linux
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	r.out = out
	return r
}

// median is the run of median wall time (the first failed run, when one failed).
func median(rs []result) result {
	for _, r := range rs {
		if r.err != nil {
			return r
		}
	}
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b result) int { return cmp.Compare(a.wall, b.wall) })
	return s[len(s)/2]
}

// walls lists the wall times of runs.
func walls(rs []result) string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%.2fs", r.wall.Seconds()))
	}
	return strings.Join(out, " ")
}

// sameBytes reports whether the files at a and b hold the same bytes.
func sameBytes(a, b string) (bool, error) {
	x, err := os.ReadFile(a)
	if err != nil {
		return false, err
	}
	y, err := os.ReadFile(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

func readGroups(path string) (map[string][3]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][3]int64{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var g struct {
			UID                  string `json:"uid"`
			Day                  string `json:"day"`
			First, Last, Seconds int64
		}
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[g.UID+"|"+g.Day] = [3]int64{g.First, g.Last, g.Seconds}
	}
	return out, sc.Err()
}

func diff(a, b map[string][3]int64) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d groups vs %d", len(a), len(b))
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return fmt.Sprintf("group %s: %v vs %v", k, v, w)
		}
	}
	return ""
}
