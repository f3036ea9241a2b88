package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/sandbox"
)

// cmdSandbox starts the emulators and prints the variables to export, then runs until interrupted.
func cmdSandbox(ctx context.Context, e *env, args []string) int {
	fs, _ := flagSet(e, "sandbox")
	kqAddr := fs.String("kqapi-addr", "127.0.0.1:8002", "kqapi emulator address (loopback only)")
	didiAddr := fs.String("didi-addr", "127.0.0.1:8003", "Didi emulator address (loopback only)")
	kimaiAddr := fs.String("kimai-addr", "127.0.0.1:8001", "Kimai emulator address (loopback only)")
	interval := fs.Duration("kqapi-interval", 20*time.Second, "kqapi's minimum interval between calls of one account (the real service: 20s)")
	encryption := fs.String("didi-encryption", "", "make the Didi clients require encrypted transport: aes128 or aes256 (default: clear)")
	fixture := fs.String("kimai-fixture", "company", "Kimai's users and settings: company (everyone in Asia/Shanghai) or head-office (the admin in Europe/Berlin, staff in Shanghai and Los Angeles, overlapping records forbidden)")
	var metaFields multiFlag
	fs.Var(&metaFields, "kimai-meta-field", "register a timesheet custom field NAME in Kimai, as a plugin would (repeatable), e.g. specpipe_key for pipelines/attendance-to-kimai-meta.yaml")
	if _, err := parseArgs(fs, args); err != nil {
		return exitUsage
	}
	if *encryption != "" && *encryption != "aes128" && *encryption != "aes256" {
		return errf(e, exitUsage, "--didi-encryption: want aes128 or aes256, got %q", *encryption)
	}
	if !slices.Contains(sandbox.KimaiFixtures, *fixture) {
		return errf(e, exitUsage, "--kimai-fixture: want one of %s, got %q", strings.Join(sandbox.KimaiFixtures, ", "), *fixture)
	}
	opts := sandbox.Options{KQAPIAddr: *kqAddr, DidiAddr: *didiAddr, KimaiAddr: *kimaiAddr, KQAPIInterval: *interval,
		DidiEncryption: *encryption, KimaiFixture: *fixture}
	if len(metaFields) > 0 {
		opts.KimaiConfig = func(c *kimai.Config) { c.TimesheetMetaFields = append(c.TimesheetMetaFields, metaFields...) }
	}
	sb, err := sandbox.Start(opts)
	if err != nil {
		return errf(e, exitCannot, "%v", err)
	}
	defer sb.Close()
	fmt.Fprintln(e.stdout, "# specpipe sandbox: kqapi, Didi Enterprise and Kimai emulators on loopback.")
	fmt.Fprintln(e.stdout, "# Paste these lines into another shell, then run pipelines or `pipe call` there.")
	fmt.Fprintln(e.stdout, "# They are sandbox credentials; real ones come from your own environment.")
	for _, v := range sb.Env() {
		fmt.Fprintf(e.stdout, "export %s=%s\n", v.Name, v.Value)
	}
	fmt.Fprintf(e.stdout, "# kqapi enforces %v between two calls of one account", sb.KQAPIInterval)
	if sb.KQAPIInterval < 20*time.Second {
		fmt.Fprintln(e.stdout, " (shortened from the real 20s for the sandbox).")
		fmt.Fprintln(e.stdout, "# The pipelines in pipelines/ read it from KQAPI_MIN_INTERVAL; for pipe call give --min-interval account=...")
	} else {
		fmt.Fprintln(e.stdout, ".")
	}
	if *encryption != "" {
		fmt.Fprintf(e.stdout, "# Didi requires encrypted transport (%s): a client without DIDI_ENCRYPTION and DIDI_AES_KEY is refused (errno 10003).\n", *encryption)
	}
	if *fixture != "company" {
		fmt.Fprintf(e.stdout, "# Kimai holds the %s fixture; KIMAI_TOKEN is its super admin's.\n", *fixture)
	}
	if len(metaFields) > 0 {
		fmt.Fprintf(e.stdout, "# Kimai has the timesheet custom fields %s (PATCH /api/timesheets/{id}/meta sets them).\n", strings.Join(metaFields, ", "))
	}
	fmt.Fprintln(e.stdout, "# The punch history covers October 2026. Stop with Ctrl-C.")
	<-ctx.Done()
	fmt.Fprintln(e.stderr, "pipe sandbox: stopped")
	return exitOK
}
