package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/specpipe/specpipe/generated"
	"github.com/specpipe/specpipe/internal/pipeline"
	"github.com/specpipe/specpipe/internal/state"
)

// The variables that choose the state store.
const (
	// envState is the state store's location when --state is not given: a file path, or a
	// postgres:// URL shared by several hosts.
	envState = "SPECPIPE_STATE"
	// envLease is how long a run lock stays valid without a heartbeat (a Go duration;
	// default state.DefaultLease). A lock whose holder died on another host is taken over
	// after it.
	envLease = "SPECPIPE_LEASE"
	// envHost is the host name recorded in run locks and runs (default: the machine's). The
	// hosts sharing a store must have distinct names; a container's is often its ID.
	envHost = "SPECPIPE_HOST"
)

// statePathOf is the state store of the pipeline file: the flag, SPECPIPE_STATE, or the file
// beside the pipeline file.
func statePathOf(e *env, flag, file string) string {
	if flag != "" {
		return flag
	}
	if loc := e.getenv(envState); loc != "" {
		return loc
	}
	return defaultStatePath(file)
}

// openState opens the state store at loc, with the lease and host name SPECPIPE_LEASE and
// SPECPIPE_HOST ask for.
func openState(ctx context.Context, e *env, loc string) (*state.DB, error) {
	opts, err := stateOptions(e)
	if err != nil {
		return nil, err
	}
	return state.OpenLocation(ctx, loc, opts...)
}

// openStateToRead opens the state store at loc as openState does, read-only when this user may
// only read its file.
func openStateToRead(ctx context.Context, e *env, loc string) (*state.DB, error) {
	opts, err := stateOptions(e)
	if err != nil {
		return nil, err
	}
	return state.OpenReadOnly(ctx, loc, opts...)
}

func stateOptions(e *env) ([]state.Option, error) {
	opts := []state.Option{state.WithHost(e.getenv(envHost))}
	if v := e.getenv(envLease); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s=%q: want a positive duration such as 30s", envLease, v)
		}
		opts = append(opts, state.WithLease(d))
	}
	return opts, nil
}

// describeLock is the lock line of pipe state: who holds it, since when, and whether its
// lease is still renewed.
func describeLock(h *state.LockHolder, now time.Time) string {
	if h == nil {
		return "free"
	}
	s := fmt.Sprintf("held by pid %d on %s since %s (age %s", h.PID, h.Host, h.Since.Format(time.RFC3339),
		now.Sub(h.Since).Round(time.Second))
	switch {
	case h.Expires.IsZero():
		s += "; no lease: taken by an older specpipe"
	case now.Before(h.Expires):
		s += fmt.Sprintf("; last heartbeat %s ago, lease expires in %s", now.Sub(h.Heartbeat).Round(time.Second),
			h.Expires.Sub(now).Round(time.Second))
	default:
		s += fmt.Sprintf("; lease expired %s ago: the holder is gone, the next run takes it over", now.Sub(h.Expires).Round(time.Second))
	}
	return s + ")"
}

// cmdUnlock breaks the run lock of a pipeline whose run died, after checking that it is gone:
// its lease expired, or its process no longer exists on this host.
func cmdUnlock(ctx context.Context, e *env, args []string) int {
	fs, _ := flagSet(e, "unlock")
	statePath := fs.String("state", "", stateFlagDoc)
	force := fs.Bool("force", false, "break the lock even if its holder may still be running (it can then write no more)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) != 1 {
		return errf(e, exitUsage, "unlock needs one pipeline file")
	}
	o, err := pipeline.ReadOutline(files[0], pipeline.LoadOptions{Getenv: e.getenv, APIs: generated.APIs()})
	if err != nil {
		printProblems(e, files[0], err)
		return exitUsage
	}
	store, code := openExisting(ctx, e, statePathOf(e, *statePath, files[0]))
	if store == nil {
		return code
	}
	defer store.Close()
	h, err := store.Unlock(ctx, o.Name, *force)
	var le *state.LockedError
	switch {
	case errors.As(err, &le):
		return errf(e, exitLocked, "%v: its lease is still renewed, so it is running; wait for it, or use --force if you know it is gone", err)
	case err != nil:
		return errf(e, exitCannot, "%v", err)
	case h == nil:
		fmt.Fprintf(e.stdout, "%s: the lock is free\n", o.Name)
	default:
		fmt.Fprintf(e.stdout, "%s: broke the lock of pid %d on %s (since %s)\n", o.Name, h.PID, h.Host, h.Since.Format(time.RFC3339))
	}
	return exitOK
}

// cmdStateCopy copies a state store into a new one: pipe state copy FROM TO, each a file path
// or a postgres:// URL.
func cmdStateCopy(ctx context.Context, e *env, args []string) int {
	fs, _ := flagSet(e, "state copy")
	locs, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(locs) != 2 {
		return errf(e, exitUsage, "state copy needs FROM and TO: a state file or a postgres:// URL each")
	}
	src, code := openExisting(ctx, e, locs[0])
	if src == nil {
		if code == exitOK {
			return errf(e, exitUsage, "state copy: %s does not exist", locs[0])
		}
		return code
	}
	defer src.Close()
	dst, err := openState(ctx, e, locs[1])
	if err != nil {
		return errf(e, exitCannot, "open state: %v", err)
	}
	defer dst.Close()
	copied, err := state.Copy(ctx, dst, src)
	if err != nil {
		return errf(e, exitCannot, "%v", err)
	}
	fmt.Fprintf(e.stdout, "copied %s to %s:", src.Location(), dst.Location())
	for _, c := range copied {
		fmt.Fprintf(e.stdout, " %d %s", c.Rows, c.Table)
	}
	fmt.Fprintln(e.stdout)
	return exitOK
}
