#!/usr/bin/env bash
# Secret scan: every shipped pipeline, and pipe state, failed, plan, run --dry-run, retry and call
# for each API, with the built pipe binary against a sandbox whose credentials are markers
# (internal/sandbox/markers.go), through a kqapi signature error, a Didi token expiry, a Kimai 400
# and a redirect; no marker (raw, URL-encoded, JSON \u, PHP \/, hex, base64, any 12-character
# piece) may appear in any stdout, stderr, file the runs wrote, or state-store row. With
# SPECPIPE_TEST_POSTGRES set (.ci/postgres.sh) the PostgreSQL schema the runs used is scanned too.
# `go test ./...` runs the same test; this runs it alone, verbosely, so its log names every run.
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./internal/secretscan -count=1
go test ./cmd/pipe -run '^TestSecretScan$' -count=1 -v
