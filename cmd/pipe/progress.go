package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/specpipe/specpipe/internal/pipeline"
)

// defaultHeartbeat is how often a run logs what it is doing (SPECPIPE_PROGRESS_EVERY changes
// it): a month of kqapi at one call per 20 s runs for an hour, and its log must not go quiet.
const defaultHeartbeat = 30 * time.Second

// progress follows one run for the terminal's progress line and the heartbeat log lines.
type progress struct {
	name      string
	start     time.Time
	estimate  time.Duration                // the plan's estimate (0: none)
	intervals map[string]time.Duration     // per connection, the plan's interval between calls
	steps     map[string]pipeline.PlanStep // the plan's steps that call an API, by id
	line      *termLine                    // the terminal's progress line; nil: not a terminal

	mu   sync.Mutex
	last pipeline.Progress
	seen bool
}

func newProgress(p *pipeline.Pipeline, line *termLine) *progress {
	pg := &progress{name: p.Name, start: time.Now(), intervals: map[string]time.Duration{}, steps: map[string]pipeline.PlanStep{}, line: line}
	if plan, err := p.Plan(); err == nil {
		pg.estimate = plan.Estimated
		for _, c := range plan.Conns {
			pg.intervals[c.Name] = c.Interval
		}
		for _, s := range plan.Steps {
			pg.steps[s.ID] = s
		}
	}
	return pg
}

// estimated is the plan's estimate corrected by what the run has learnt: the plan counts one
// call for a page walk (it cannot know the pages) and none for calls per record it cannot count,
// so once the step at work has made more calls than planned, or its vendor said how many pages
// its walk has (kqapi's totalpage, Kimai's X-Total-Pages, Didi's total), the calls beyond the
// plan's count are added at the connection's interval.
func (pg *progress) estimated(pr pipeline.Progress) time.Duration {
	s, ok := pg.steps[pr.Step]
	if pg.estimate <= 0 || !ok {
		return pg.estimate
	}
	calls := int64(pr.StepCalls) + max(0, pr.Page.Of-pr.Page.N) // at least: made, and the walk's pages still to fetch
	return pg.estimate + time.Duration(max(0, calls-int64(s.Calls)))*pg.intervals[s.Conn]
}

// update takes a progress report of the run; a terminal's line moves with it.
func (pg *progress) update(pr pipeline.Progress) {
	pg.mu.Lock()
	pg.last, pg.seen = pr, true
	pg.mu.Unlock()
	if pg.line != nil {
		pg.line.show(pg.text(pr, time.Now()))
	}
}

// nextCall is how long until the connection of the last call may call again.
func (pg *progress) nextCall(pr pipeline.Progress, now time.Time) time.Duration {
	iv := pg.intervals[pr.Conn]
	if iv <= 0 || pr.At.IsZero() {
		return 0
	}
	return max(0, pr.At.Add(iv).Sub(now))
}

// text is the progress line at now.
func (pg *progress) text(pr pipeline.Progress, now time.Time) string {
	_, op, _ := strings.Cut(pg.steps[pr.Step].Op, ".")
	return progressLine(pg.name, op, pr, now.Sub(pg.start), pg.estimated(pr), pg.nextCall(pr, now))
}

// progressLine is the terminal's one-line progress: records done, API calls, the step at work
// (with its operation op, the page of its walk and how many pages the vendor said it has, or
// its calls, and, rate-limited, when its next call goes: "kq recordlog: page 12 of 40, next call
// in 14s"), elapsed time and, for a rate-limited run, the time left by the estimate.
func progressLine(name, op string, pr pipeline.Progress, elapsed, estimate, next time.Duration) string {
	calls := 0
	for _, n := range pr.Calls {
		calls += n
	}
	step := pr.Step
	if pr.StepCalls > 0 {
		step += " (" + pr.Conn
		if op != "" {
			step += " " + op + ":"
		}
		switch {
		case pr.Page.N > 0 && pr.Page.Of > 0:
			step += fmt.Sprintf(" page %d of %d", pr.Page.N, pr.Page.Of)
		case pr.Page.N > 0:
			step += fmt.Sprintf(" page %d", pr.Page.N)
		default:
			step += fmt.Sprintf(" call %d", pr.StepCalls)
		}
		if next > 0 {
			step += fmt.Sprintf(", next call in %v", next.Round(time.Second))
		}
		step += ")"
	}
	line := fmt.Sprintf("\r%s: %d records, %d calls, step %s, %v elapsed", name, pr.Records, calls, step, elapsed.Round(time.Second))
	if estimate > 0 {
		line += fmt.Sprintf(", about %v left", max(0, estimate-elapsed).Round(time.Second))
	}
	return line + "   "
}

// heartbeat logs what the run is doing every d until stop is closed.
func (pg *progress) heartbeat(log *slog.Logger, d time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			pg.mu.Lock()
			pr, seen := pg.last, pg.seen
			pg.mu.Unlock()
			if !seen {
				log.Info("progress", "doing", "starting", "elapsed_s", seconds(now.Sub(pg.start)))
				continue
			}
			calls := 0
			for _, n := range pr.Calls {
				calls += n
			}
			attrs := []any{"doing", strings.TrimSpace(pg.text(pr, now)), "step", pr.Step, "conn", pr.Conn,
				"step_calls", pr.StepCalls, "next_call_in_s", seconds(pg.nextCall(pr, now)),
				"records", pr.Records, "calls", calls, "elapsed_s", seconds(now.Sub(pg.start))}
			if pr.Page.N > 0 {
				attrs = append(attrs, "page", pr.Page.N, "pages", pr.Page.Of)
			}
			if est := pg.estimated(pr); est > 0 {
				attrs = append(attrs, "left_s", seconds(max(0, est-now.Sub(pg.start))))
			}
			log.Info("progress", attrs...)
		}
	}
}

// termLine is a terminal's one progress line: output written through it (logs, the summary)
// clears the line first, and the next progress report draws it again.
type termLine struct {
	mu    sync.Mutex
	w     io.Writer // the terminal
	shown bool
}

func (t *termLine) show(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprint(t.w, "\r\033[K"+s)
	t.shown = true
}

// clear removes the line if it is shown.
func (t *termLine) clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLocked()
}

func (t *termLine) clearLocked() {
	if t.shown {
		fmt.Fprint(t.w, "\r\033[K")
		t.shown = false
	}
}

// through is a writer to w (the terminal's stdout or stderr) that clears the line first.
func (t *termLine) through(w io.Writer) io.Writer { return &clearingWriter{t: t, w: w} }

type clearingWriter struct {
	t *termLine
	w io.Writer
}

func (c *clearingWriter) Write(p []byte) (int, error) {
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	c.t.clearLocked()
	return c.w.Write(p)
}
