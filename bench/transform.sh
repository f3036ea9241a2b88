#!/usr/bin/env bash
# The transform benchmark: N kqapi punch records (default 1,000,000) go through the same job four
# ways, as whole processes one after another: `pipe run bench/transform.yaml`, the single-core
# byte-scanner ceiling (bench/ceiling), a straightforward encoding/json program (bench/baseline)
# and a jq program (jq -s ... group_by). It checks the outputs hold the same groups and prints
# wall time, records/s, peak RSS and the ratios against the targets (pipe's wall at most 1.0x the
# ceiling's, its peak RSS at most 1.5x the baseline's and at most 64 MiB).
#
#   bench/transform.sh            # 1,000,000 records
#   bench/transform.sh 20000      # a quick run (CI)
#   ENFORCE=1 bench/transform.sh  # exit 1 when a target is missed
#   RUNS=5 bench/transform.sh     # pipe and the ceiling 5 times each, taking turns (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for p in cmd/pipe bench/ceiling bench/baseline bench/genpunches bench/transformbench; do
  go build -o "$work/$(basename "$p")" "./$p"
done
"$work/genpunches" -n "$n" > "$work/punches.jsonl"
# Every program starts with the input in the page cache and none of it still being written back
# (the first one timed otherwise waited on the disk: pipe 5.9 s wall for 3.2 s cpu).
sync
cat "$work/punches.jsonl" > /dev/null
cp bench/transform.yaml "$work/transform.yaml"
echo "input: $n records, $(du -h "$work/punches.jsonl" | cut -f1)"
"$work/transformbench" -input "$work/punches.jsonl" -records "$n" -pipe "$work/pipe" \
  -pipeline "$work/transform.yaml" -ceiling "$work/ceiling" -baseline "$work/baseline" -work "$work" -runs "${RUNS:-3}" ${ENFORCE:+-enforce}
