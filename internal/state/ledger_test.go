package state

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/state/statetest"
)

func TestLedgerLifecycle(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		path := be.New(t)
		clk := &fakeNow{t: t0}
		s := open(t, path, WithNow(clk.now))
		clk.t = t0 // Open read the clock for the migrations
		at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

		// Each step below runs at the next second of the fake clock (at(1), at(2), ...).
		steps := []struct {
			name string
			do   func() error
		}{
			{"intend a", func() error {
				return s.Intend(ctx, Entry{Pipeline: "p", Step: "write", Key: "a", PayloadHash: "h1", Payload: []byte(`{"a":1}`)})
			}},
			{"done a", func() error { return s.Done(ctx, "p", "write", "a", "T-1", "h1") }},
			{"intend b", func() error {
				return s.Intend(ctx, Entry{Pipeline: "p", Step: "write", Key: "b", PayloadHash: "h2", Payload: []byte(`{"b":1}`)})
			}},
			{"fail b", func() error { return s.Fail(ctx, "p", "write", "b", nil, "HTTP 422: name taken") }},
			{"intend c", func() error {
				return s.Intend(ctx, Entry{Pipeline: "p", Step: "write", Key: "c", PayloadHash: "h3"})
			}},
			{"intend d in another step", func() error {
				return s.Intend(ctx, Entry{Pipeline: "p", Step: "other", Key: "d", PayloadHash: "h4"})
			}},
			{"intend e in another pipeline", func() error {
				return s.Intend(ctx, Entry{Pipeline: "q", Step: "write", Key: "e"})
			}},
			{"fail f before any call", func() error { return s.Fail(ctx, "p", "write", "f", []byte("raw"), "bad record") }},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}

		a := Entry{Pipeline: "p", Step: "write", Key: "a", TargetID: "T-1", PayloadHash: "h1", Status: StatusDone,
			Payload: []byte(`{"a":1}`), Attempts: 1, Created: at(1), Updated: at(2)}
		b := Entry{Pipeline: "p", Step: "write", Key: "b", PayloadHash: "h2", Status: StatusFailed,
			Payload: []byte(`{"b":1}`), Error: "HTTP 422: name taken", Attempts: 1, Created: at(3), Updated: at(4)}
		c := Entry{Pipeline: "p", Step: "write", Key: "c", PayloadHash: "h3", Status: StatusIntent,
			Attempts: 1, Created: at(5), Updated: at(5)}
		d := Entry{Pipeline: "p", Step: "other", Key: "d", PayloadHash: "h4", Status: StatusIntent,
			Attempts: 1, Created: at(6), Updated: at(6)}
		f := Entry{Pipeline: "p", Step: "write", Key: "f", Status: StatusFailed, Payload: []byte("raw"),
			Error: "bad record", Created: at(8), Updated: at(8)}

		check := func(t *testing.T, s *DB) {
			t.Helper()
			for _, want := range []Entry{a, b, c, d, f} {
				got, ok, err := s.Get(ctx, want.Pipeline, want.Step, want.Key)
				if err != nil || !ok {
					t.Fatalf("Get(%s) = %v, %v", want.Key, ok, err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Get(%s) (-want +got):\n%s", want.Key, diff)
				}
			}
			if _, ok, err := s.Get(ctx, "p", "write", "zz"); ok || err != nil {
				t.Errorf("Get(missing) = %v, %v; want false, nil", ok, err)
			}
			lists := []struct {
				name string
				get  func() ([]Entry, error)
				want []Entry
			}{
				{"Pending(p, write)", func() ([]Entry, error) { return s.Pending(ctx, "p", "write") }, []Entry{c}},
				{"Pending(p, all steps)", func() ([]Entry, error) { return s.Pending(ctx, "p", "") }, []Entry{d, c}},
				{"Pending(none)", func() ([]Entry, error) { return s.Pending(ctx, "none", "") }, nil},
				{"Failed(p)", func() ([]Entry, error) { return s.Failed(ctx, "p") }, []Entry{b, f}},
				{"Failed(q)", func() ([]Entry, error) { return s.Failed(ctx, "q") }, nil},
			}
			for _, l := range lists {
				got, err := l.get()
				if err != nil {
					t.Fatalf("%s: %v", l.name, err)
				}
				if diff := cmp.Diff(l.want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", l.name, diff)
				}
			}
			st, err := s.Stats(ctx, "p")
			if err != nil {
				t.Fatal(err)
			}
			want := Stats{Pipeline: "p", Done: 1, Pending: 2, Failed: 2, Checkpoints: map[string]string{}}
			if diff := cmp.Diff(want, st); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
		}
		check(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		t.Run("reopened", func(t *testing.T) { check(t, open(t, path)) })
	})
}

// TestLedgerRetry follows a failed write through its retry: intent again (attempts grow, the
// payload and the last error stay), then done (error cleared), then an update.
func TestLedgerRetry(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		clk := &fakeNow{t: t0}
		s := open(t, be.New(t), WithNow(clk.now))
		clk.t = t0 // Open read the clock for the migrations
		at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
		payload := []byte(`{"name":"x"}`)
		get := func() Entry {
			t.Helper()
			e, ok, err := s.Get(ctx, "p", "w", "k")
			if err != nil || !ok {
				t.Fatalf("Get = %v, %v", ok, err)
			}
			return e
		}
		tests := []struct {
			name string
			do   func() error
			want Entry
		}{
			{
				"intent",
				func() error {
					return s.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "k", PayloadHash: "h1", Payload: payload})
				},
				Entry{Status: StatusIntent, PayloadHash: "h1", Payload: payload, Attempts: 1, Created: at(1), Updated: at(1)},
			},
			{
				"fail",
				func() error { return s.Fail(ctx, "p", "w", "k", nil, "timeout") },
				Entry{Status: StatusFailed, PayloadHash: "h1", Payload: payload, Error: "timeout", Attempts: 1, Created: at(1), Updated: at(2)},
			},
			{
				"retry: intent again, nil payload keeps the stored one",
				func() error { return s.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "k", PayloadHash: "h1"}) },
				Entry{Status: StatusIntent, PayloadHash: "h1", Payload: payload, Error: "timeout", Attempts: 2, Created: at(1), Updated: at(3)},
			},
			{
				"done",
				func() error { return s.Done(ctx, "p", "w", "k", "42", "h1") },
				Entry{Status: StatusDone, TargetID: "42", PayloadHash: "h1", Payload: payload, Attempts: 2, Created: at(1), Updated: at(4)},
			},
			{
				"update: intent with a new payload keeps the target ID",
				func() error {
					return s.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "k", PayloadHash: "h2", Payload: []byte("new")})
				},
				Entry{Status: StatusIntent, TargetID: "42", PayloadHash: "h2", Payload: []byte("new"), Attempts: 3, Created: at(1), Updated: at(5)},
			},
			{
				"done again",
				func() error { return s.Done(ctx, "p", "w", "k", "42", "h2") },
				Entry{Status: StatusDone, TargetID: "42", PayloadHash: "h2", Payload: []byte("new"), Attempts: 3, Created: at(1), Updated: at(6)},
			},
		}
		for _, tt := range tests {
			if err := tt.do(); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			tt.want.Pipeline, tt.want.Step, tt.want.Key = "p", "w", "k"
			if diff := cmp.Diff(tt.want, get()); diff != "" {
				t.Errorf("after %s (-want +got):\n%s", tt.name, diff)
			}
		}

		if err := s.Forget(ctx, "p", "w", "k"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.Get(ctx, "p", "w", "k"); ok || err != nil {
			t.Errorf("Get after Forget = %v, %v; want false, nil", ok, err)
		}
		if err := s.Forget(ctx, "p", "w", "k"); err != nil {
			t.Errorf("Forget of a missing entry: %v", err)
		}
	})
}

func TestLedgerRejectsEmptyNames(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		s := open(t, be.New(t))
		calls := map[string]func() error{
			"Intend without key":         func() error { return s.Intend(ctx, Entry{Pipeline: "p", Step: "w"}) },
			"Intend without step":        func() error { return s.Intend(ctx, Entry{Pipeline: "p", Key: "k"}) },
			"Done without pipeline":      func() error { return s.Done(ctx, "", "w", "k", "1", "h") },
			"Fail without key":           func() error { return s.Fail(ctx, "p", "w", "", nil, "x") },
			"SetCheckpoint without name": func() error { return s.SetCheckpoint(ctx, "p", "", "v") },
			"SaveToken without key":      func() error { return s.SaveToken(ctx, "", Token{Value: "v"}) },
			"Reserve without key": func() error {
				_, err := s.Reserve(ctx, "", time.Second, t0)
				return err
			},
			"Reserve with a negative interval": func() error {
				_, err := s.Reserve(ctx, "k", -time.Second, t0)
				return err
			},
			"Lock without pipeline": func() error {
				_, err := s.Lock(ctx, "")
				return err
			},
		}
		for name, call := range calls {
			if err := call(); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
	})
}

func TestCheckpoints(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		path := be.New(t)
		s := open(t, path)
		if _, ok, err := s.Checkpoint(ctx, "p", "since"); ok || err != nil {
			t.Fatalf("Checkpoint before any Set = %v, %v; want false, nil", ok, err)
		}
		sets := [][3]string{{"p", "since", "2026-11-01"}, {"p", "page", "3"}, {"p", "since", "2026-11-02"}, {"q", "since", "x"}, {"p", "empty", ""}}
		for _, set := range sets {
			if err := s.SetCheckpoint(ctx, set[0], set[1], set[2]); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		s = open(t, path)
		want := map[string]string{"since": "2026-11-02", "page": "3", "empty": ""}
		for name, v := range want {
			got, ok, err := s.Checkpoint(ctx, "p", name)
			if err != nil || !ok || got != v {
				t.Errorf("Checkpoint(p, %s) = %q, %v, %v; want %q, true, nil", name, got, ok, err, v)
			}
		}
		st, err := s.Stats(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, st.Checkpoints); diff != "" {
			t.Errorf("Stats.Checkpoints (-want +got):\n%s", diff)
		}
	})
}

func TestRuns(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		clk := &fakeNow{t: t0}
		s := open(t, be.New(t), WithNow(clk.now))
		clk.t = t0 // Open read the clock for the migrations
		at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
		id1, err := s.StartRun(ctx, "p") // at(1)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishRun(ctx, id1, RunSummary{Read: 10, Written: 7, Skipped: 2, Failed: 1}); err != nil { // at(2)
			t.Fatal(err)
		}
		id2, err := s.StartRun(ctx, "p") // at(3)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartRun(ctx, "q"); err != nil { // at(4)
			t.Fatal(err)
		}
		if err := s.FinishRun(ctx, id2, RunSummary{Read: 1, Error: "kqapi: HTTP 500"}); err != nil { // at(5)
			t.Fatal(err)
		}
		id3, err := s.StartRun(ctx, "p") // at(6), still running
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishRun(ctx, 9999, RunSummary{}); err == nil {
			t.Error("FinishRun of an unknown run: no error")
		}
		r := func(id int64, start, end int, sum RunSummary) Run {
			run := Run{ID: id, Pipeline: "p", PID: s.pid, Host: s.host, Started: at(start), RunSummary: sum}
			if end > 0 {
				run.Finished = at(end)
			}
			return run
		}
		all := []Run{
			r(id3, 6, 0, RunSummary{}),
			r(id2, 3, 5, RunSummary{Read: 1, Error: "kqapi: HTTP 500"}),
			r(id1, 1, 2, RunSummary{Read: 10, Written: 7, Skipped: 2, Failed: 1}),
		}
		for _, tt := range []struct {
			limit int
			want  []Run
		}{{0, all}, {-1, all}, {2, all[:2]}, {10, all}} {
			got, err := s.Runs(ctx, "p", tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Runs(p, %d) (-want +got):\n%s", tt.limit, diff)
			}
		}
	})
}

// TestDryRunRecorded: a dry run is recorded as one, on every backend, and kept by a copy.
func TestDryRunRecorded(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		s := open(t, be.New(t))
		for _, dry := range []bool{true, false} {
			id, err := s.StartRun(ctx, "p")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.FinishRun(ctx, id, RunSummary{Read: 3, Written: 2, DryRun: dry}); err != nil {
				t.Fatal(err)
			}
		}
		runs, err := s.Runs(ctx, "p", 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []bool
		for _, r := range runs {
			got = append(got, r.DryRun)
		}
		if d := cmp.Diff([]bool{false, true}, got); d != "" {
			t.Errorf("the runs' DryRun, newest first (-want +got):\n%s", d)
		}
	})
}
