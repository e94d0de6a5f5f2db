#!/usr/bin/env bash
# make test's suite: every package against the emulators, with shared/app
# (the integration tests: most of the suite's time) split into
# TEST_SHARDS processes (default 2) that run side by side, each with
# emulators of its own. One process ran them one after another, and its
# emulators and itself used about a third of the two cores (326 CPU-s for 449 s):
# the tests wait on requests, not on the CPU.
#
# Each process writes to a log of its own; a log is printed whole when its
# process ends (a failing run's lines stay together), and the script
# fails when any of them failed. Then the whole run's IAM check: every
# grant in template.yaml used by a test of some shard.
#
# Environment: GO, TESTFLAGS (e.g. -race), TEST_SHARDS.
set -uo pipefail
GO=${GO:-go}
shards=${TEST_SHARDS:-2}
read -r -a flags <<<"${TESTFLAGS:-}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/iam"

# DynamoDB Local with the JVM's quick compiler only: an emulator that
# lives a few minutes spent much of its CPU compiling its hot code twice
# (C1, then C2). Side by side the processes keep both cores busy, so CPU
# is the suite's time; measured on one shard's run: 84–88 user CPU-s with
# it against 102–124 without. make run, bench and load keep the defaults.
export JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:+$JAVA_TOOL_OPTIONS }-XX:TieredStopAtLevel=1"

# The crash test, the simulation and the browser walk run on their own
# after this (make crash, make sim, make browser).
apart=(env LEADFLOW_SIM=apart LEADFLOW_CRASH=apart LEADFLOW_BROWSER=apart)
stack=("$GO" run ./local/cmd/stack exec --)
gotest=("$GO" test -count=1 -timeout 25m "${flags[@]}")

mapfile -t others < <("$GO" list ./... | grep -v '/shared/app$')
declare -A pids
start() { # start NAME CMD...: CMD in the background, output to NAME's log
  local name=$1
  shift
  "$@" >"$dir/$name.log" 2>&1 &
  pids[$!]=$name
}

echo "go test ${flags[*]}: ${#others[@]} packages, and shared/app as $shards shards (each with its own emulators)"
start packages "${stack[@]}" "${apart[@]}" "${gotest[@]}" "${others[@]}"
for k in $(seq 1 "$shards"); do
  start "shared-app-$k-of-$shards" "${stack[@]}" "${apart[@]}" LEADFLOW_SHARD="$k/$shards" LEADFLOW_IAM_DIR="$dir/iam" "${gotest[@]}" ./shared/app
done

failed=()
while [ ${#pids[@]} -gt 0 ]; do
  wait -n -p done "${!pids[@]}"
  rc=$?
  name=${pids[$done]}
  unset "pids[$done]"
  echo "--- $name (exit $rc)"
  cat "$dir/$name.log"
  [ "$rc" = 0 ] || failed+=("$name")
done

if [ ${#failed[@]} -eq 0 ] && [ "$shards" -gt 1 ]; then
  echo "--- every grant in template.yaml used by a test of some shard"
  if ! LEADFLOW_IAM_DIR="$dir/iam" "$GO" test -count=1 -run '^TestIAMGrantsUsedAcrossShards$' ./shared/app; then
    failed+=("the IAM check across shards")
  fi
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
