#!/usr/bin/env bash
# scripts/demo stops every process it started: after a normal end, after Ctrl-C (SIGINT) during
# the sync, and after a failure (a server that does not start). Runs the demo on the binaries of
# an already built tree (CASIO_BIN_DIR, so nothing is rebuilt) as a job of its own, and
# checks that no process of its process group survives it.
# Usage: demo_test.sh SOURCE_DIR APPS_DIR
set -uo pipefail
# Job control: a background job of a script without it ignores SIGINT, and so would the demo.
set -m
src=$1
export CASIO_BIN_DIR=$2
work=$(mktemp -d)
failures=0
trap 'rm -rf "$work"' EXIT

# Starts the demo as a job of its own: with job control its process group is its pid, and every
# process it starts without job control of its own stays in that group.
start_demo() {
  local name=$1
  "$src/scripts/demo" >"$work/$name.out" 2>&1 &
  demo_pid=$!
}

wait_demo() {
  wait "$demo_pid"
}

# Fails when any process of the demo's process group is still alive (polls for up to 5 s: the last
# child may still be exiting when the script returns).
check_no_survivor() {
  local name=$1 left=""
  for _ in $(seq 50); do
    left=$(ps -eo pid=,pgid=,args= | awk -v g="$demo_pid" '$2 == g')
    [[ -z $left ]] && return 0
    sleep 0.1
  done
  echo "FAIL ($name): processes left behind by scripts/demo:" >&2
  echo "$left" >&2
  kill -9 -- "-$demo_pid" 2>/dev/null
  failures=$((failures + 1))
}

expect() {
  local name=$1 what=$2 ok=$3
  if [[ $ok != yes ]]; then
    echo "FAIL ($name): $what" >&2
    sed 's/^/  | /' "$work/$name.out" >&2
    failures=$((failures + 1))
  fi
}

# 1. A normal end: the sync completes, the samples are printed.
RECORDS=3 start_demo normal
wait_demo
status=$?
expect normal "exit status $status, expected 0" "$([[ $status == 0 ]] && echo yes)"
expect normal "no document count in the output" \
  "$(grep -q 'documents in search-salesforce-demo' "$work/normal.out" && echo yes)"
check_no_survivor normal

# 2. Ctrl-C as soon as both servers are up (during the sync).
RECORDS=400 start_demo sigint
for _ in $(seq 600); do
  grep -q '^demo: mock-salesforce at' "$work/sigint.out" && break
  sleep 0.05
done
expect sigint "the servers did not start" \
  "$(grep -q '^demo: mock-salesforce at' "$work/sigint.out" && echo yes)"
kill -INT "$demo_pid"
wait_demo
status=$?
expect sigint "exit status $status, expected 130 (interrupted)" "$([[ $status == 130 ]] && echo yes)"
check_no_survivor sigint

# 3. A failure: mock-salesforce refuses its arguments once mock-elasticsearch is running.
SEED=not-a-number RECORDS=3 start_demo failure
wait_demo
status=$?
expect failure "exit status $status, expected 1" "$([[ $status == 1 ]] && echo yes)"
expect failure "no word of the server that did not start" \
  "$(grep -q 'demo: mock-salesforce did not start' "$work/failure.out" && echo yes)"
check_no_survivor failure

if ((failures > 0)); then
  exit 1
fi
echo "scripts/demo left no process behind (normal end, SIGINT, failure)"
