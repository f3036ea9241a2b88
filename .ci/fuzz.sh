#!/usr/bin/env bash
# Runs every fuzz target of the repository for a short time each: FUZZTIME per target (default
# 20s; any value go test -fuzztime takes, e.g. 1000000x for a number of executions). Targets are
# found with go test -list '^Fuzz', so a new one is run without editing this script. Their seed
# corpora are in each package's testdata/fuzz/; a failure the fuzzer finds is written there too
# and makes the script fail (commit it with the fix, as a regression test).
#   .ci/fuzz.sh                  every target
#   .ci/fuzz.sh ./internal/...   the targets of some packages
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-20s}"
pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then pkgs=(./...); fi

failed=0
n=0
while read -r dir pkg; do
  # Only packages with a test file that declares a fuzz function are built to list them.
  grep -qs '^func Fuzz' "$dir"/*_test.go || continue
  # go test -list prints the matching names, then "ok <package> ...".
  targets=$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
  for target in $targets; do
    n=$((n + 1))
    printf '\n=== %s %s (%s)\n' "$pkg" "$target" "$fuzztime"
    if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
      failed=$((failed + 1))
      echo "FAIL: $pkg $target"
    fi
  done
done < <(go list -f '{{.Dir}} {{.ImportPath}}' "${pkgs[@]}")

echo
if [ "$n" -eq 0 ]; then echo "no fuzz targets found"; exit 1; fi
if [ "$failed" -gt 0 ]; then echo "$failed of $n fuzz targets failed"; exit 1; fi
echo "$n fuzz targets passed"
