// Command writebench measures how fast `pipe run` writes to a slow Kimai at each concurrency:
// for every level it starts a fresh Kimai emulator (in this process, on loopback) that answers
// every request after an added latency, runs `pipe run` of bench/writes.yaml (a copy whose
// kimai connection has that concurrency) over n timesheet rows with a new state file, and
// checks that Kimai then holds exactly the n timesheets. It prints, per level, the wall time,
// timesheets/s, the ideal (concurrency / latency), the ratio to it and the peak RSS of the pipe
// process; and, at the highest level, the peak RSS of a run of a quarter of the rows, to show
// memory does not grow with the records.
//
// With -enforce it exits 1 when a level's throughput is below 0.8 of its ideal or the peak RSS
// of the full run exceeds the small run's by more than a quarter. A Kimai that does not hold
// exactly the rows written always fails.
//
// bench/writes.sh builds pipe and calls it; see there.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/emukit"
	kimaiemu "github.com/specpipe/specpipe/internal/emulator/kimai"
)

// measured is one `pipe run` at one concurrency.
type measured struct {
	c, n  int
	wall  time.Duration
	rssKB int64
}

func main() {
	pipe := flag.String("pipe", "", "the pipe binary")
	pipeline := flag.String("pipeline", "bench/writes.yaml", "the write pipeline")
	n := flag.Int("n", 2000, "timesheets written at each level")
	levels := flag.String("levels", "1,4,8,16", "the concurrencies measured, comma-separated")
	latency := flag.Duration("latency", 20*time.Millisecond, "latency Kimai adds to every answer")
	work := flag.String("work", os.TempDir(), "directory for the pipeline copies, rows and state files")
	enforce := flag.Bool("enforce", false, "exit 1 when a level is below 0.8 x its ideal or memory grows with the rows")
	flag.Parse()
	if *pipe == "" {
		fail("-pipe is required")
	}
	src, err := os.ReadFile(*pipeline)
	if err != nil {
		fail(err.Error())
	}
	var cs []int
	for _, f := range strings.Split(*levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			fail(fmt.Sprintf("-levels: %q is not a concurrency", f))
		}
		cs = append(cs, c)
	}
	var runs []measured
	for _, c := range cs {
		m, err := measure(*pipe, src, *work, c, *n, *latency)
		if err != nil {
			fail(err.Error())
		}
		runs = append(runs, m)
	}
	small, err := measure(*pipe, src, *work, cs[len(cs)-1], max(1, *n/4), *latency)
	if err != nil {
		fail(err.Error())
	}

	fmt.Printf("write benchmark: %d Kimai timesheets per level, %s added to every Kimai answer\n\n", *n, *latency)
	fmt.Printf("%11s %8s %9s %14s %10s %9s %10s\n", "concurrency", "records", "wall", "timesheets/s", "ideal/s", "ratio", "peak RSS")
	miss := false
	for _, m := range append(runs, small) {
		rate := float64(m.n) / m.wall.Seconds()
		ideal := float64(m.c) / latency.Seconds()
		fmt.Printf("%11d %8d %8.2fs %14.1f %10.1f %9.2f %6.1f MiB\n", m.c, m.n, m.wall.Seconds(), rate, ideal, rate/ideal, float64(m.rssKB)/1024)
	}
	fmt.Printf("\nKimai held exactly the timesheets written after every run\n\n")
	check := func(name string, ok bool, detail string) {
		mark := "ok  "
		if !ok {
			mark, miss = "MISS", true
		}
		fmt.Printf("%s %-48s %s\n", mark, name, detail)
	}
	if *n < 1000 {
		fmt.Printf("note: at %d rows process start-up weighs on the ratios; the targets apply at 2,000 (bench/writes.sh)\n", *n)
	}
	for _, m := range runs {
		ratio := float64(m.n) / m.wall.Seconds() / (float64(m.c) / latency.Seconds())
		check(fmt.Sprintf("concurrency %d: at least 0.8 x ideal", m.c), ratio >= 0.8, fmt.Sprintf("%.2f x", ratio))
	}
	full := runs[len(runs)-1]
	growth := float64(full.rssKB) / float64(small.rssKB)
	check(fmt.Sprintf("peak RSS flat: %d rows within 1.25 x %d rows'", full.n, small.n), growth <= 1.25, fmt.Sprintf("%.2f x", growth))
	if miss && *enforce {
		os.Exit(1)
	}
}

var concurrencyRe = regexp.MustCompile(`(?m)^(\s+concurrency:) \d+`)

// measure runs pipe over n fresh rows at concurrency c against a fresh Kimai and checks that
// Kimai holds exactly those n timesheets afterwards.
func measure(pipe string, src []byte, work string, c, n int, latency time.Duration) (measured, error) {
	m := measured{c: c, n: n}
	dir := filepath.Join(work, fmt.Sprintf("c%d-n%d", c, n))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return m, err
	}
	if !concurrencyRe.Match(src) {
		return m, fmt.Errorf("the pipeline has no concurrency: setting to change")
	}
	path := filepath.Join(dir, "writes.yaml")
	if err := os.WriteFile(path, concurrencyRe.ReplaceAll(src, []byte("${1} "+strconv.Itoa(c))), 0o600); err != nil {
		return m, err
	}
	if err := writeRows(filepath.Join(dir, "rows.jsonl"), n); err != nil {
		return m, err
	}
	km, err := kimaiemu.New(kimaiemu.Options{})
	if err != nil {
		return m, err
	}
	km.Faults.Set(emukit.FaultConfig{Latency: latency})
	srv := httptest.NewServer(km)
	defer srv.Close()
	cmd := exec.Command(pipe, "run", path, "--state", filepath.Join(dir, "state.db"), "--log-format", "json", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "KIMAI_BASE_URL="+srv.URL, "KIMAI_TOKEN="+kimaiemu.SandboxAdminToken)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	err = cmd.Run()
	m.wall = time.Since(start)
	if err != nil {
		return m, fmt.Errorf("pipe run at concurrency %d: %w", c, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rssKB = ru.Maxrss // kilobytes on Linux
	}
	seen := map[string]int{}
	for _, ts := range km.Timesheets() {
		seen[ts.Description]++
	}
	for i := range n {
		if d := "bench " + rowKey(i); seen[d] != 1 {
			return m, fmt.Errorf("concurrency %d: Kimai holds %d timesheets %q, want exactly 1", c, seen[d], d)
		}
	}
	if len(seen) != n {
		return m, fmt.Errorf("concurrency %d: Kimai holds %d distinct timesheets, want %d", c, len(seen), n)
	}
	return m, nil
}

func rowKey(i int) string { return fmt.Sprintf("row-%06d", i) }

// writeRows writes n timesheet rows of one user, 10 minutes apart, 5 minutes each.
func writeRows(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	base := time.Date(2026, 10, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	enc := json.NewEncoder(w)
	for i := range n {
		b := base.Add(time.Duration(i) * 10 * time.Minute)
		if err := enc.Encode(map[string]any{"key": rowKey(i), "user": 3, "begin": b.Format(time.RFC3339), "end": b.Add(5 * time.Minute).Format(time.RFC3339)}); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "writebench:", msg)
	os.Exit(1)
}
