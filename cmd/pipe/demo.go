package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/specpipe/specpipe/generated"
	kimaiapi "github.com/specpipe/specpipe/generated/kimai"
	kqapiemu "github.com/specpipe/specpipe/internal/emulator/kqapi"
	"github.com/specpipe/specpipe/internal/pipeline"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
	"github.com/specpipe/specpipe/internal/sandbox"
	"github.com/specpipe/specpipe/internal/state"
	"github.com/specpipe/specpipe/pipelines"
)

// demoPipeline is the pipeline pipe demo runs.
const demoPipeline = "attendance-to-kimai.yaml"

// cmdDemo starts the sandbox in-process, runs attendance-to-kimai for one fixture day against it
// with a shortened kqapi interval, and prints the summary and a few of the timesheets it made.
// Everything it writes (state, reports) goes to a temporary directory it removes, and whose path
// it therefore never prints.
func cmdDemo(ctx context.Context, e *env, args []string) int {
	fs, logf := flagSet(e, "demo")
	day := fs.String("day", "", "the work day to book (default: the last full work day of the sandbox's punches)")
	interval := fs.Duration("kqapi-interval", 100*time.Millisecond, "kqapi's interval between calls in the sandbox (the real service: 20s)")
	show := fs.Int("show", 5, "how many of the created timesheets to print")
	keep := fs.String("keep", "", "a directory to keep the pipeline, its reports and its state in (default: a temporary one)")
	if _, err := parseArgs(fs, args); err != nil {
		return exitUsage
	}
	if logf.format == "" {
		logf.format = "text"
	}
	if logf.level == "info" {
		logf.level = "warn" // the summary tells the story; step logs would drown it
	}
	logger, err := logf.logger(e)
	if err != nil {
		return errf(e, exitUsage, "%v", err)
	}
	days, err := punchDays()
	if err != nil {
		return errf(e, exitCannot, "the sandbox's punches: %v", err)
	}
	if *day == "" {
		*day = lastFullDay(days)
	}
	if _, err := time.Parse(time.DateOnly, *day); err != nil {
		return errf(e, exitUsage, "--day: want a date such as %s (the sandbox's punches cover %s to %s), got %q",
			lastFullDay(days), firstDay(days), lastDay(days), *day)
	}
	if days[*day] == 0 {
		return errf(e, exitUsage, "--day %s: the sandbox has no punches that day; its punches cover %s to %s (e.g. --day %s)",
			*day, firstDay(days), lastDay(days), lastFullDay(days))
	}
	if *interval <= 0 {
		return errf(e, exitUsage, "--kqapi-interval: want a positive duration")
	}
	dir, reports := *keep, "in "+filepath.Join(*keep, "out")
	if dir == "" {
		reports = "in the temporary directory, removed at the end; --keep DIR keeps them"
		if dir, err = os.MkdirTemp("", "specpipe-demo-"); err != nil {
			return errf(e, exitCannot, "temporary directory: %v", err)
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return errf(e, exitCannot, "%v", err)
	}
	if err := pipelines.CopyTo(dir); err != nil {
		return errf(e, exitCannot, "%v", err)
	}
	file := filepath.Join(dir, demoPipeline)

	start := time.Now()
	sb, err := sandbox.Start(sandbox.Options{KQAPIInterval: *interval})
	if err != nil {
		return errf(e, exitCannot, "%v", err)
	}
	defer sb.Close()
	fmt.Fprintf(e.stdout, "sandbox: kqapi %s, Didi %s, Kimai %s (emulators, in this process)\n", sb.KQAPIURL, sb.DidiURL, sb.KimaiURL)
	// The client spaces its sends a little wider than the emulator measures arrivals.
	clientInterval := *interval + *interval/4
	fmt.Fprintf(e.stdout, "sandbox: kqapi's interval between two calls of one account is shortened from the real 20s to %v,\n", *interval)
	fmt.Fprintf(e.stdout, "         and the pipeline's kq connection is told to keep %v (min_interval account=%v)\n", clientInterval, clientInterval)
	fmt.Fprintf(e.stdout, "running pipelines/%s for %s\n\n", demoPipeline, *day)

	getenv := func(k string) string {
		if k == "KQAPI_MIN_INTERVAL" {
			return clientInterval.String() // the pipeline's min_interval: account: ${KQAPI_MIN_INTERVAL:-20s}
		}
		return sb.Getenv(k)
	}
	p, err := pipeline.Load(file, pipeline.LoadOptions{Getenv: getenv, APIs: generated.APIs(), Params: map[string]string{"from": *day, "to": *day}})
	if err != nil {
		printProblems(e, file, err)
		return exitUsage
	}
	store, err := state.Open(ctx, filepath.Join(dir, "demo.state.db"))
	if err != nil {
		return errf(e, exitCannot, "open state: %v", err)
	}
	defer store.Close()
	sum, err := p.Run(ctx, pipeline.RunOptions{
		Logger: logger,
		Ledger: store,
		Transport: func(conn string, api *registry.API) transport.Config {
			cfg := transport.Config{Logger: logger, Tokens: store}
			if api.Name == "kqapi" {
				cfg.Intervals = map[string]time.Duration{"account": clientInterval}
			}
			return cfg
		},
	})
	if sum != nil {
		sum.Format(e.stdout)
	}
	if err != nil {
		printProblems(e, file, err)
		return exitCode(sum, err)
	}
	fmt.Fprintln(e.stdout)
	for _, r := range []struct{ what, file string }{
		{"employee-days without a Kimai user", "out/attendance-unmapped.csv"},
		{"days with a single punch", "out/attendance-single.csv"},
		{"days longer than any shift (max_span), not booked", "out/attendance-long.csv"},
	} {
		rows, err := csvRows(filepath.Join(dir, r.file))
		if err != nil {
			fmt.Fprintf(e.stdout, "%s: %v\n", r.what, err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: %d (reported in %s, %s)\n", r.what, len(rows), filepath.Base(r.file), reports)
		for i, row := range rows {
			if i == 3 {
				fmt.Fprintf(e.stdout, "  ...\n")
				break
			}
			fmt.Fprintf(e.stdout, "  %v\n", row)
		}
	}
	if err := printSheets(ctx, e.stdout, sb.Getenv, *show); err != nil {
		fmt.Fprintf(e.stdout, "cannot list Kimai's timesheets: %v\n", err)
	}
	fmt.Fprintf(e.stdout, "\ndemo done in %v; a second run would write nothing (the state store remembers every timesheet).\n",
		time.Since(start).Round(time.Millisecond))
	return exitCode(sum, nil)
}

// punchDays counts the punches of the sandbox's kqapi fixture per day (in Asia/Shanghai, the
// company's zone).
func punchDays() (map[string]int, error) {
	fx, err := kqapiemu.DefaultFixture()
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return nil, err
	}
	days := map[string]int{}
	for _, p := range fx.Punches {
		days[time.Unix(p.Time, 0).In(loc).Format(time.DateOnly)]++
	}
	return days, nil
}

func sortedDays(days map[string]int) []string {
	var out []string
	for d := range days {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

func firstDay(days map[string]int) string { return sortedDays(days)[0] }

func lastDay(days map[string]int) string { s := sortedDays(days); return s[len(s)-1] }

// lastFullDay is the last day with at least half the punches of the busiest day: a work day
// (weekends have a few overtime punches, the last day of the fixture may be cut short).
func lastFullDay(days map[string]int) string {
	most := 0
	for _, n := range days {
		most = max(most, n)
	}
	s := sortedDays(days)
	for i := len(s) - 1; i >= 0; i-- {
		if 2*days[s[i]] >= most {
			return s[i]
		}
	}
	return s[len(s)-1]
}

// csvRows reads a CSV report without its header.
func csvRows(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(rows) > 0 {
		rows = rows[1:]
	}
	return rows, nil
}

// printSheets prints the first n timesheets Kimai holds, with user and project names, read
// through the generated Kimai client as any program would.
func printSheets(ctx context.Context, w io.Writer, getenv func(string) string, n int) error {
	km, err := kimaiapi.New(kimaiapi.ConfigFromEnv(getenv))
	if err != nil {
		return err
	}
	us, err := km.ListUsers(ctx, kimaiapi.ListUsersParams{Visible: 3})
	if err != nil {
		return fmt.Errorf("kimai users: %w", err)
	}
	users := map[int64]string{}
	for _, u := range us {
		users[u.ID] = u.Username + " (" + u.Alias + ", account " + u.AccountNumber + ")"
	}
	ps, err := km.ListProjects(ctx, kimaiapi.ListProjectsParams{Visible: 3})
	if err != nil {
		return fmt.Errorf("kimai projects: %w", err)
	}
	projects := map[int64]string{}
	for _, p := range ps {
		projects[p.ID] = p.Name
	}
	as, err := km.ListActivities(ctx, kimaiapi.ListActivitiesParams{Visible: 3})
	if err != nil {
		return fmt.Errorf("kimai activities: %w", err)
	}
	activities := map[int64]string{}
	for _, a := range as {
		activities[a.ID] = a.Name
	}
	var sheets []kimaiapi.Timesheet
	for t, err := range km.ListTimesheetsAll(ctx, kimaiapi.ListTimesheetsParams{User: "all"}) {
		if err != nil {
			return fmt.Errorf("kimai timesheets: %w", err)
		}
		sheets = append(sheets, t)
	}
	slices.SortFunc(sheets, func(a, b kimaiapi.Timesheet) int { return cmp.Compare(a.ID, b.ID) })
	loc := time.Local
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		loc = l
	}
	fmt.Fprintf(w, "Kimai now holds %d timesheets; the first %d:\n", len(sheets), min(n, len(sheets)))
	for _, t := range sheets[:min(n, len(sheets))] {
		end := "running"
		if !t.End.IsZero() {
			end = t.End.In(loc).Format("15:04")
		}
		fmt.Fprintf(w, "  #%d %s  %s–%s  %s / %s  %q\n", t.ID, users[t.User], t.Begin.In(loc).Format("2006-01-02 15:04"), end,
			projects[t.Project], activities[t.Activity], t.Description)
	}
	return nil
}
