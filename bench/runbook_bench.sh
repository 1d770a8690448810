#!/usr/bin/env bash
# Runbook overhead: what `ferry run` adds around the commands it runs. A runbook of N local
# `command: true` steps (journaled, timed, each target's output captured) is timed against
# the same N commands run by a shell loop (`sh -c true` each), FERRY_BENCH_REPS runs each,
# alternating, after one warm-up; medians and their ratio printed, with the cost per step.
#
#   bench/runbook_bench.sh [build/cli/ferry]
# Needs no server: the config names an SQLite master and tenant that are never opened.
set -euo pipefail
cd "$(dirname "$0")/.."
ferry=$(realpath "${1:-build/cli/ferry}")
steps=${FERRY_BENCH_STEPS:-10}
reps=${FERRY_BENCH_REPS:-15}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/runbooks"
printf 'master: sqlite://%s/m.db\ntenants:\n  - {name: t, url: sqlite://%s/t.db}\nstate_dir: state\n' \
  "$dir" "$dir" > "$dir/ferry.yaml"
{ echo "steps:"; for i in $(seq 1 "$steps"); do echo "  - {name: s$i, command: 'true'}"; done; } \
  > "$dir/runbooks/bench.yaml"

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run_ferry() { "$ferry" -c "$dir/ferry.yaml" run bench > /dev/null 2>&1; }
run_shell() { for _ in $(seq 1 "$steps"); do sh -c true; done; }

run_ferry; run_shell  # warm-up
: > "$dir/ferry.times"; : > "$dir/shell.times"
for _ in $(seq 1 "$reps"); do
  t0=$(now); run_ferry; t1=$(now); run_shell; t2=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >> "$dir/ferry.times"
  awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }' >> "$dir/shell.times"
done
f=$(median < "$dir/ferry.times"); s=$(median < "$dir/shell.times")
awk -v f="$f" -v s="$s" -v n="$steps" 'BEGIN {
  printf "runbook of %d command steps: ferry run %.3fs, shell loop %.3fs, ratio %.2f, %.1f ms per step of overhead\n",
    n, f, s, f / s, (f - s) * 1000 / n }' 
