// Command transformbench times one transform three ways, as whole processes one after another in
// the same run: `pipe run` of bench/transform.yaml, the same job as a jq program, and the
// hand-written Go program in bench/baseline. It checks that the three outputs hold the same groups
// and prints wall time, records per second, peak RSS and the ratios against the targets (pipe at
// least 6x faster than jq, no slower than the Go program, peak RSS at most 1.5x the Go program's).
//
// bench/transform.sh builds the binaries and calls it; see there.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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
	wall   time.Duration
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
	work := flag.String("work", os.TempDir(), "directory for outputs")
	enforce := flag.Bool("enforce", false, "exit 1 when a target is missed (outputs that differ always fail)")
	flag.Parse()
	if *input == "" || *pipe == "" || *baseline == "" {
		fmt.Fprintln(os.Stderr, "transformbench: -input, -pipe and -baseline are required")
		os.Exit(2)
	}
	outJQ := filepath.Join(*work, "out-jq.jsonl")
	outGo := filepath.Join(*work, "out-go.jsonl")
	var res []result
	// The pipeline reads punches.jsonl and writes out-pipe.jsonl beside itself.
	outPipe := filepath.Join(filepath.Dir(*pipeline), "out-pipe.jsonl")
	res = append(res, measure("pipe", outPipe, exec.Command(*pipe, "run", *pipeline,
		"--state", filepath.Join(*work, "bench.state.db"), "--log-format", "json", "--log-level", "warn"), nil, false))
	if _, err := exec.LookPath("jq"); err == nil {
		res = append(res, measure("jq", outJQ, exec.Command("jq", "-s", "-c", jqProgram, *input), nil, true))
	} else {
		res = append(res, result{name: "jq", err: errors.New("jq is not installed (apt-get install jq)")})
	}
	in, err := os.Open(*input)
	if err != nil {
		fmt.Fprintln(os.Stderr, "transformbench:", err)
		os.Exit(1)
	}
	res = append(res, measure("go", outGo, exec.Command(*baseline), in, true))
	in.Close()

	fmt.Printf("transform benchmark: %d records, %s\n\n", *records, *input)
	fmt.Printf("%-6s %10s %14s %12s %8s\n", "", "wall", "records/s", "peak RSS", "groups")
	for _, r := range res {
		if r.err != nil {
			fmt.Printf("%-6s error: %v\n", r.name, r.err)
			continue
		}
		fmt.Printf("%-6s %9.2fs %14.0f %9.1f MiB %8d\n", r.name, r.wall.Seconds(), float64(*records)/r.wall.Seconds(), float64(r.rssKB)/1024, len(r.groups))
	}
	pipeR, jqR, goR := res[0], res[1], res[2]
	failed := false
	for _, r := range []result{pipeR, jqR, goR} {
		if r.err != nil && r.name != "jq" {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
	for _, r := range []result{jqR, goR} {
		if r.err != nil {
			continue
		}
		if d := diff(pipeR.groups, r.groups); d != "" {
			fmt.Printf("\nOUTPUTS DIFFER: pipe vs %s: %s\n", r.name, d)
			os.Exit(1)
		}
	}
	fmt.Printf("\noutputs: pipe, jq and go hold the same %d groups\n\n", len(pipeR.groups))
	if *records < 500_000 {
		fmt.Printf("note: at %d records process start-up dominates; the targets apply at 1,000,000 (bench/transform.sh)\n", *records)
	}
	miss := false
	check := func(name string, ok bool, detail string) {
		mark := "ok  "
		if !ok {
			mark, miss = "MISS", true
		}
		fmt.Printf("%s %-38s %s\n", mark, name, detail)
	}
	if jqR.err == nil {
		x := jqR.wall.Seconds() / pipeR.wall.Seconds()
		check("pipe at least 6x faster than jq", x >= 6, fmt.Sprintf("jq/pipe wall = %.2fx", x))
	}
	x := goR.wall.Seconds() / pipeR.wall.Seconds()
	check("pipe no slower than the Go program", x >= 1, fmt.Sprintf("go/pipe wall = %.2fx", x))
	y := float64(pipeR.rssKB) / float64(goR.rssKB)
	check("pipe peak RSS at most 1.5x the Go's", y <= 1.5, fmt.Sprintf("pipe/go peak RSS = %.2fx", y))
	if miss && *enforce {
		os.Exit(1)
	}
}

// measure runs cmd as a process, its stdout to out unless the command writes out itself.
func measure(name, out string, cmd *exec.Cmd, stdin io.Reader, stdoutToFile bool) result {
	r := result{name: name}
	cmd.Stdin = stdin
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
	}
	r.groups, r.err = readGroups(out)
	return r
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
