package state_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/specpipe/specpipe/internal/state"
)

// This is how a runner writes a record exactly once to an API without idempotency keys.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "state-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := state.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	release, err := s.Lock(ctx, "kq-to-kimai")
	var locked *state.LockedError
	if errors.As(err, &locked) {
		log.Fatalf("another run is going on: %v", err)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer release()

	// Before the run: intents left by a run that died must be reconciled with the API.
	pending, err := s.Pending(ctx, "kq-to-kimai", "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pending:", len(pending))

	write := func(key, hash string, payload []byte) error {
		e, ok, err := s.Get(ctx, "kq-to-kimai", "timesheets", key)
		if err != nil {
			return err
		}
		if ok && e.Status == state.StatusDone && e.PayloadHash == hash {
			fmt.Println(key, "already written as", e.TargetID)
			return nil
		}
		if err := s.Intend(ctx, state.Entry{Pipeline: "kq-to-kimai", Step: "timesheets", Key: key,
			PayloadHash: hash, Payload: payload}); err != nil {
			return err
		}
		targetID := "ts-" + key // the API call goes here; on failure: s.Fail(...)
		fmt.Println(key, "written as", targetID)
		return s.Done(ctx, "kq-to-kimai", "timesheets", key, targetID, hash)
	}
	for range 2 { // the second pass writes nothing
		if err := write("punch-1", "h1", []byte(`{"begin":"2026-11-23T09:00:00"}`)); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// pending: 0
	// punch-1 written as ts-punch-1
	// punch-1 already written as ts-punch-1
}
