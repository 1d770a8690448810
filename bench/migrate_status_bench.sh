#!/usr/bin/env bash
# `ferry migrate status` over a fleet: tenants are read in parallel, so the status of a
# 50-tenant fleet should cost little more than the status of one tenant. Each tenant is a
# PostgreSQL database on one server with FERRY_BENCH_MIGRATIONS migrations applied by
# `ferry migrate up` (timed once, for the record); two of them are left behind by a version
# so the matrix has work to show.
#
# Two fleets of the same databases: "loopback" talks to the server directly; "remote" goes
# through bench/latency_proxy.py, which delays every byte by FERRY_BENCH_DELAY_MS each way,
# as a server across a network would (the kernel here has no netem). For each, timed side by
# side, FERRY_BENCH_REPS runs each, alternating, after one warm-up of each:
#   one     `ferry migrate status` of a fleet of one tenant
#   fleet   `ferry migrate status` of the fleet of FERRY_BENCH_TENANTS tenants
#   start   `ferry migrate new --dry-run` on the same config: process start, config and
#           migrations directory read, no database (the fixed cost)
# Medians printed, with the target: fleet <= 2 x (one - start) + start. On loopback every
# tenant's work is CPU (connection start-up and authentication on both sides), so the
# CPU time of one fleet status (ferry's and the server's) over the cores is printed too:
# the floor no scheduling can beat on this machine.
#
#   bench/migrate_status_bench.sh [build/cli/ferry]
# Uses the server named by FERRY_TEST_PG, or starts throwaway ones (scripts/test-servers).
set -euo pipefail
cd "$(dirname "$0")/.."
ferry=$(realpath "${1:-build/cli/ferry}")
tenants=${FERRY_BENCH_TENANTS:-50}
migrations=${FERRY_BENCH_MIGRATIONS:-20}
reps=${FERRY_BENCH_REPS:-9}
delay_ms=${FERRY_BENCH_DELAY_MS:-5}

started_servers=""
dir=""
proxy=""
prefix=ferry_mstat_$$
base=""
pg_bin=/usr/lib/postgresql/15/bin
psql() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
if [ -z "${FERRY_TEST_PG:-}" ]; then
  state=$(mktemp -d /tmp/ferry-bench-XXXXXX)
  scripts/test-servers start "$state" >/dev/null
  started_servers=$state
  export $(cat "$state/env")
fi
base=${FERRY_TEST_PG%/*}
cleanup() {
  if [ -n "$base" ]; then
    for i in $(seq -f '%02g' 1 "$tenants"); do
      psql "$FERRY_TEST_PG" -c "DROP DATABASE IF EXISTS ${prefix}_$i" >/dev/null 2>&1 || true
    done
  fi
  [ -n "$proxy" ] && kill "$proxy" 2>/dev/null
  [ -n "$dir" ] && rm -rf "$dir"
  [ -n "$started_servers" ] && scripts/test-servers stop "$started_servers"
}
trap cleanup EXIT
dir=$(mktemp -d /tmp/ferry-bench-migrate-XXXXXX)

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "creating $tenants tenant databases and $migrations migrations..." >&2
for i in $(seq -f '%02g' 1 "$tenants"); do
  psql "$FERRY_TEST_PG" -c "CREATE DATABASE ${prefix}_$i" >/dev/null
done
mkdir -p "$dir/migrations"
for v in $(seq 1 "$migrations"); do
  n=$(printf '%04d' "$v")
  printf 'CREATE TABLE t%d (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE INDEX t%d_name ON t%d (name);\n' \
    "$v" "$v" "$v" > "$dir/migrations/${n}_t$v.up.sql"
  printf 'DROP TABLE t%d;\n' "$v" > "$dir/migrations/${n}_t$v.down.sql"
done

# fleet_config DIR BASE_URL COUNT: a ferry.yaml of COUNT tenants in DIR, sharing the migrations.
fleet_config() {
  mkdir -p "$1"
  ln -sfn "$dir/migrations" "$1/migrations"
  {
    echo "master: '$2/${prefix}_01'"
    echo "state_dir: state"
    echo "tenants:"
    for i in $(seq -f '%02g' 1 "$3"); do echo "  - {name: t$i, url: '$2/${prefix}_$i'}"; done
  } > "$1/ferry.yaml"
}
fleet_config "$dir/loopback/one" "$base" 1
fleet_config "$dir/loopback/fleet" "$base" "$tenants"

t0=$(now)
"$ferry" -q -c "$dir/loopback/fleet/ferry.yaml" migrate up > /dev/null
t1=$(now)
awk -v a="$t0" -v b="$t1" -v n="$tenants" -v m="$migrations" 'BEGIN {
  printf "migrate up: %d migrations on %d tenants in %.2fs\n", m, n, b - a }'
# Two tenants one version behind: status has pending work to report.
"$ferry" -q -c "$dir/loopback/fleet/ferry.yaml" migrate down --to $((migrations - 1)) \
  --tenants t02,t03 > /dev/null

# The remote fleet: the same databases through the latency proxy.
hostport=${base#*@}
hostport=${hostport%%/*}
proxy_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 bench/latency_proxy.py "$proxy_port" "$hostport" "$delay_ms" > "$dir/proxy.out" &
proxy=$!
for _ in $(seq 1 50); do grep -q ready "$dir/proxy.out" && break; sleep 0.1; done
grep -q ready "$dir/proxy.out" || { echo "the latency proxy did not start" >&2; exit 1; }
remote_base=${base%%@*}@127.0.0.1:$proxy_port
fleet_config "$dir/remote/one" "$remote_base" 1
fleet_config "$dir/remote/fleet" "$remote_base" "$tenants"

# CPU seconds (user + system) of the server's finished backends, from the postmaster.
data_dir=$(psql "$FERRY_TEST_PG" -At -c "SHOW data_directory")
postmaster=$(head -1 "$data_dir/postmaster.pid")
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($16 + $17) / hz }' "/proc/$postmaster/stat"; }

# bench NAME: times one, fleet and start on the fleet NAME and prints the medians.
bench() {
  local d=$dir/$1
  status_one() { "$ferry" -c "$d/one/ferry.yaml" migrate status > /dev/null; }
  status_fleet() { "$ferry" -c "$d/fleet/ferry.yaml" migrate status > "$d/fleet.out"; }
  start_only() { "$ferry" -c "$d/fleet/ferry.yaml" migrate new probe --dry-run > /dev/null; }
  status_one; status_fleet; start_only  # warm-up
  grep -q "$tenants tenant(s): $((tenants - 2)) up to date, 2 behind" "$d/fleet.out" || {
    echo "unexpected status of the $1 fleet:" >&2; cat "$d/fleet.out" >&2; exit 1; }
  : > "$d/one.times"; : > "$d/fleet.times"; : > "$d/start.times"
  for _ in $(seq 1 "$reps"); do
    a=$(now); status_one; b=$(now); status_fleet; c=$(now); start_only; e=$(now)
    awk -v x="$a" -v y="$b" 'BEGIN { print y - x }' >> "$d/one.times"
    awk -v x="$b" -v y="$c" 'BEGIN { print y - x }' >> "$d/fleet.times"
    awk -v x="$c" -v y="$e" 'BEGIN { print y - x }' >> "$d/start.times"
  done
  one=$(median < "$d/one.times"); fleet=$(median < "$d/fleet.times")
  start=$(median < "$d/start.times")
  awk -v name="$1" -v o="$one" -v f="$fleet" -v s="$start" -v n="$tenants" 'BEGIN {
    limit = 2 * (o - s) + s
    printf "%s: migrate status of one tenant %.3fs, of %d tenants %.3fs (ratio %.2f), fixed cost %.3fs\n",
      name, o, n, f, f / o, s
    printf "%s: target %d tenants <= 2 x (one - fixed) + fixed = %.3fs: %s\n", name, n, limit,
      (f <= limit) ? "met" : "NOT met" }'
}

bench loopback
before=$(server_cpu)
/usr/bin/time -f "%U %S" -o "$dir/ferry.cpu" "$ferry" -c "$dir/loopback/fleet/ferry.yaml" migrate status > /dev/null
after=$(server_cpu)
awk -v b="$before" -v a="$after" -v cores="$(nproc)" -v n="$tenants" -v s="$start" \
  '{ total = $1 + $2 + a - b
     printf "loopback: one status of %d tenants takes %.3fs of CPU (ferry %.3fs, server %.3fs); over %d cores the floor is %.3fs + the fixed cost %.3fs = %.3fs\n",
       n, total, $1 + $2, a - b, cores, total / cores, s, total / cores + s }' "$dir/ferry.cpu"
echo "remote: every byte delayed ${delay_ms} ms each way" >&2
bench remote
