#!/usr/bin/env bash
# Runs every fuzz target under shared/ for FUZZTIME (default 20s) each.
#
# A target fails when Go reports a failing input (it writes one under
# testdata/fuzz/) or any other error. One failure is not the target's: with
# a duration -fuzztime, Go 1.26's fuzz coordinator can report "context
# deadline exceeded" as the time runs out on a busy machine (golang/go#75804,
# fixed in Go 1.27). A run that ends with that line alone and wrote no
# failing input is run once more; a second one fails.
set -uo pipefail
GO=${GO:-go}
fuzztime=${FUZZTIME:-20s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for dir in $(grep -rl --include='*_test.go' '^func Fuzz' shared | xargs -n1 dirname | sort -u); do
  for target in $(grep -h '^func Fuzz' "$dir"/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do
    for try in 1 2; do
      echo "fuzz $dir $target"
      if "$GO" test -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s "./$dir" 2>&1 | tee "$log"; then
        break
      fi
      if [ "$try" = 1 ] && grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log" && ! grep -q 'panic:' "$log"; then
        echo "fuzz $dir $target: the fuzz time ran out mid-run (golang/go#75804), no failing input written: once more"
        continue
      fi
      exit 1
    done
  done
done
