#!/usr/bin/env bash
# `ferry migrate status` over a fleet: tenants are read in parallel, so the status of a
# 50-tenant fleet should cost little more than the status of one tenant. Each tenant is a
# database (PostgreSQL and MariaDB, one server each) with FERRY_BENCH_MIGRATIONS migrations
# applied by `ferry migrate up` (timed once, for the record); two of them are left one
# version behind so the matrix has work to show.
#
# Per engine, two fleets of the same databases: "loopback" talks to the server directly;
# "remote" goes through bench/latency_proxy.py, which delays every byte by
# FERRY_BENCH_DELAY_MS each way, as a server across a network would (the kernel here has no
# netem). For each, timed side by side, FERRY_BENCH_REPS runs each, alternating, after one
# warm-up of each:
#   one     `ferry migrate status` of a fleet of one tenant
#   fleet   `ferry migrate status` of the fleet of FERRY_BENCH_TENANTS tenants
#   start   `ferry migrate new --dry-run` on the same config: process start, config and
#           migrations directory read, no database (the fixed cost)
# Medians printed, with the target: fleet <= 2 x (one - start) + start. The servers run on
# this machine, so every tenant's connection start-up costs CPU here: the CPU time of one
# fleet status (ferry's and the server's) over the cores is printed too, the floor no
# scheduling can beat on this machine.
#
#   bench/migrate_status_bench.sh [build/cli/ferry]
# FERRY_BENCH_ENGINES=postgres,mysql (default both). Uses the servers named by FERRY_TEST_PG
# and FERRY_TEST_MYSQL, or starts throwaway ones (scripts/test-servers).
set -euo pipefail
cd "$(dirname "$0")/.."
ferry=$(realpath "${1:-build/cli/ferry}")
tenants=${FERRY_BENCH_TENANTS:-50}
migrations=${FERRY_BENCH_MIGRATIONS:-20}
reps=${FERRY_BENCH_REPS:-9}
delay_ms=${FERRY_BENCH_DELAY_MS:-5}
engines=${FERRY_BENCH_ENGINES:-postgres,mysql}
want() { [[ ",$engines," == *",$1,"* ]]; }

started_servers=""
dir=""
proxies=()
prefix=ferry_mstat_$$
if { want postgres && [ -z "${FERRY_TEST_PG:-}" ]; } || { want mysql && [ -z "${FERRY_TEST_MYSQL:-}" ]; }; then
  state=$(mktemp -d /tmp/ferry-bench-XXXXXX)
  scripts/test-servers start "$state" >/dev/null
  started_servers=$state
  export $(cat "$state/env")
fi

pg_bin=/usr/lib/postgresql/15/bin
psql() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 "$FERRY_TEST_PG" "$@"; }
# MariaDB connection pieces from mysql://user:password@host:port/db
my_rest=${FERRY_TEST_MYSQL:-x://u:p@h:0/d}
my_rest=${my_rest#*://}
my_user=${my_rest%%:*}
my_pw=${my_rest%%@*}
my_pw=${my_pw#*:}
mdb() {
  local hp=${my_rest#*@}
  hp=${hp%%/*}
  mariadb --no-defaults -h "${hp%%:*}" -P "${hp##*:}" -u "$my_user" -p"$my_pw" "$@"
}

# sql ENGINE STATEMENT: on the engine's server, outside any tenant database.
sql() { if [ "$1" = postgres ]; then psql -c "$2" > /dev/null; else mdb -e "$2"; fi; }
# base_url ENGINE: the server's URL without a database.
base_url() { if [ "$1" = postgres ]; then echo "${FERRY_TEST_PG%/*}"; else echo "${FERRY_TEST_MYSQL%/*}"; fi; }

cleanup() {
  for p in "${proxies[@]}"; do kill "$p" 2>/dev/null || true; done
  for engine in postgres mysql; do
    want "$engine" || continue
    for i in $(seq -f '%02g' 1 "$tenants"); do
      sql "$engine" "DROP DATABASE IF EXISTS ${prefix}_$i" 2>/dev/null || true
    done
  done
  [ -n "$dir" ] && rm -rf "$dir"
  [ -n "$started_servers" ] && scripts/test-servers stop "$started_servers"
}
trap cleanup EXIT
dir=$(mktemp -d /tmp/ferry-bench-migrate-XXXXXX)

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

mkdir -p "$dir/migrations"
for v in $(seq 1 "$migrations"); do
  n=$(printf '%04d' "$v")
  printf 'CREATE TABLE t%d (id bigint PRIMARY KEY, name varchar(100) NOT NULL);\nCREATE INDEX t%d_name ON t%d (name);\n' \
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

# server_cpu ENGINE: CPU seconds (user + system) the server has used: PostgreSQL's finished
# backends (the postmaster's children), MariaDB's threads.
server_cpu() {
  local pid stat
  if [ "$1" = postgres ]; then
    pid=$(head -1 "$("$pg_bin/psql" -X -At "$FERRY_TEST_PG" -c "SHOW data_directory")/postmaster.pid")
    stat='($16 + $17)'
  else
    pid=$(cat "$(mdb -N -e 'SELECT @@pid_file')")
    stat='($14 + $15)'
  fi
  awk -v hz="$(getconf CLK_TCK)" "{ print $stat / hz }" "/proc/$pid/stat"
}

# bench ENGINE NAME: times one, fleet and start on the fleet ENGINE/NAME, prints the medians.
bench() {
  local d=$dir/$1/$2
  status_one() { "$ferry" -c "$d/one/ferry.yaml" migrate status > /dev/null; }
  status_fleet() { "$ferry" -c "$d/fleet/ferry.yaml" migrate status > "$d/fleet.out"; }
  start_only() { "$ferry" -c "$d/fleet/ferry.yaml" migrate new probe --dry-run > /dev/null; }
  status_one; status_fleet; start_only  # warm-up
  grep -q "$tenants tenant(s): $((tenants - 2)) up to date, 2 behind" "$d/fleet.out" || {
    echo "unexpected status of the $1 $2 fleet:" >&2; cat "$d/fleet.out" >&2; exit 1; }
  : > "$d/one.times"; : > "$d/fleet.times"; : > "$d/start.times"
  for _ in $(seq 1 "$reps"); do
    a=$(now); status_one; b=$(now); status_fleet; c=$(now); start_only; e=$(now)
    awk -v x="$a" -v y="$b" 'BEGIN { print y - x }' >> "$d/one.times"
    awk -v x="$b" -v y="$c" 'BEGIN { print y - x }' >> "$d/fleet.times"
    awk -v x="$c" -v y="$e" 'BEGIN { print y - x }' >> "$d/start.times"
  done
  one=$(median < "$d/one.times"); fleet=$(median < "$d/fleet.times")
  start=$(median < "$d/start.times")
  awk -v name="$1 $2" -v o="$one" -v f="$fleet" -v s="$start" -v n="$tenants" 'BEGIN {
    limit = 2 * (o - s) + s
    printf "%s: status of one tenant %.3fs, of %d tenants %.3fs (ratio %.2f), fixed cost %.3fs; target <= %.3fs: %s\n",
      name, o, n, f, f / o, s, limit, (f <= limit) ? "met" : "NOT met" }'
}

for engine in postgres mysql; do
  want "$engine" || continue
  echo "$engine: creating $tenants tenant databases..." >&2
  for i in $(seq -f '%02g' 1 "$tenants"); do sql "$engine" "CREATE DATABASE ${prefix}_$i"; done
  base=$(base_url "$engine")
  fleet_config "$dir/$engine/loopback/one" "$base" 1
  fleet_config "$dir/$engine/loopback/fleet" "$base" "$tenants"
  t0=$(now)
  "$ferry" -q -c "$dir/$engine/loopback/fleet/ferry.yaml" migrate up > /dev/null
  t1=$(now)
  awk -v e="$engine" -v a="$t0" -v b="$t1" -v n="$tenants" -v m="$migrations" 'BEGIN {
    printf "%s: migrate up of %d migrations on %d tenants in %.2fs\n", e, m, n, b - a }'
  "$ferry" -q -c "$dir/$engine/loopback/fleet/ferry.yaml" migrate down --to $((migrations - 1)) \
    --tenants t02,t03 > /dev/null

  # The remote fleet: the same databases through the latency proxy.
  hostport=${base#*@}
  proxy_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 bench/latency_proxy.py "$proxy_port" "$hostport" "$delay_ms" > "$dir/$engine.proxy" &
  proxies+=($!)
  for _ in $(seq 1 50); do grep -q ready "$dir/$engine.proxy" && break; sleep 0.1; done
  grep -q ready "$dir/$engine.proxy" || { echo "the latency proxy did not start" >&2; exit 1; }
  fleet_config "$dir/$engine/remote/one" "${base%@*}@127.0.0.1:$proxy_port" 1
  fleet_config "$dir/$engine/remote/fleet" "${base%@*}@127.0.0.1:$proxy_port" "$tenants"

  bench "$engine" loopback
  before=$(server_cpu "$engine")
  /usr/bin/time -f "%U %S" -o "$dir/ferry.cpu" \
    "$ferry" -c "$dir/$engine/loopback/fleet/ferry.yaml" migrate status > /dev/null
  after=$(server_cpu "$engine")
  awk -v e="$engine" -v b="$before" -v a="$after" -v cores="$(nproc)" -v n="$tenants" -v s="$start" \
    '{ total = $1 + $2 + a - b
       printf "%s loopback: one status of %d tenants takes %.3fs of CPU (ferry %.3fs, server %.3fs); over %d cores the floor is %.3fs + the fixed cost %.3fs = %.3fs\n",
         e, n, total, $1 + $2, a - b, cores, total / cores, s, total / cores + s }' "$dir/ferry.cpu"
  bench "$engine" remote
done
echo "remote: every byte delayed ${delay_ms} ms each way by the proxy" >&2
