#!/usr/bin/env bash
# The write benchmark: `pipe run bench/writes.yaml` writes N timesheets (default 2,000) into a
# Kimai emulator that adds 20 ms to every answer, at concurrency 1, 4, 8 and 16, each against a
# fresh Kimai with a new state file (bench/writebench). It checks Kimai holds exactly the N
# timesheets each time and prints wall time, timesheets/s, the ideal (concurrency / latency),
# the ratio to it and peak RSS, and the peak RSS of a run of N/4 rows at the highest level.
#
#   bench/writes.sh            # 2,000 timesheets per level
#   bench/writes.sh 200        # a quick run (CI: checks the outputs)
#   ENFORCE=1 bench/writes.sh  # exit 1 below 0.8 x the ideal, or when memory grows with N
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/pipe" ./cmd/pipe
go build -o "$work/writebench" ./bench/writebench
"$work/writebench" -pipe "$work/pipe" -pipeline bench/writes.yaml -n "$n" -work "$work" ${ENFORCE:+-enforce}
