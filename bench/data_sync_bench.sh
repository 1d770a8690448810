#!/usr/bin/env bash
# Data sync with 0.1 % of the master's rows changed since the tenants were last synced.
#   PostgreSQL (pgbench schema, at each scale of FERRY_BENCH_SCALES, default "10 50"): the
#   tenants start as copies of the master, and a `ferry data diff` finds them equal (as the
#   last night's sync would have left them) before 0.1 % of pgbench_accounts changes.
#     (a) `ferry data sync` of pgbench_accounts, _branches, _tellers to a tenant copy
#     (b) the usual full reload of the same tables: pg_dump --clean -t ... | psql
#     (c) `ferry data diff` of identical tables, next to count(*) and a server-side
#         COPY ... TO '/dev/null' of pgbench_accounts on the master (median of 3 each)
#     at the first scale only:
#     (d) the same sync and diff with --hashing client (rows hashed in ferry, not on the
#         servers), on a third tenant copy: which way is faster where
#     (e) an SQLite tenant of the same master (engines differ: always hashed in ferry):
#         first load of pgbench_accounts, identical diff (median of 3), and the sync of
#         1,001 rows changed on the tenant (990 updates, 11 deletes)
#   MariaDB (sysbench tables, 4 x 250,000 rows by default): two tenant copies, then a
#     sysbench oltp_write_only workload on the master; `ferry data sync` to tenant 1 next to
#     `pt-table-sync --execute` to tenant 2, table by table.
# Every synced tenant is checked against the master with an independent SQL aggregate;
# the script exits 1 if any differs. Prints the times and the ratios with their targets.
#
#   bench/data_sync_bench.sh [build/cli/ferry]
# Uses the servers named by FERRY_TEST_PG and FERRY_TEST_MYSQL, or starts throwaway ones
# (scripts/test-servers). FERRY_BENCH_PARTS=pg or =mariadb runs one part only;
# FERRY_BENCH_SCALES sets the pgbench scales; FERRY_BENCH_SB_TABLES and FERRY_BENCH_SB_ROWS
# the sysbench tables; FERRY_BENCH_SB_EVENTS the workload's transactions (default 250, each
# writes four rows). ferry keeps its state (which tables it left equal) in a scratch
# directory of the run.
set -euo pipefail
cd "$(dirname "$0")/.."
ferry=$(realpath "${1:-build/cli/ferry}")
scales=${FERRY_BENCH_SCALES:-10 50}
parts=${FERRY_BENCH_PARTS:-pg,mariadb}
want() { [[ ",$parts," == *",$1,"* ]]; }

started_servers=""
if [ -z "${FERRY_TEST_PG:-}" ] || { want mariadb && [ -z "${FERRY_TEST_MYSQL:-}" ]; }; then
  state=$(mktemp -d /tmp/ferry-bench-XXXXXX)
  scripts/test-servers start "$state" >/dev/null
  started_servers=$state
  export $(cat "$state/env")
fi

pg_bin=/usr/lib/postgresql/15/bin
psql() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t ? "met" : "NOT met") }'; }

prefix=ferry_dbench_$$
log=$(mktemp /tmp/${prefix}_XXXXXX.log)
FERRY_STATE_DIR=$(mktemp -d /tmp/${prefix}_state_XXXXXX)
export FERRY_STATE_DIR
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# MariaDB connection pieces from mysql://user:password@host:port/db
my_user="" my_pw="" my_host="" my_port=""
if want mariadb; then
  rest=${FERRY_TEST_MYSQL#*://}
  creds=${rest%%@*}
  hostport=${rest#*@}
  hostport=${hostport%%/*}
  my_user=${creds%%:*}
  my_pw=${creds#*:}
  my_host=${hostport%%:*}
  my_port=${hostport##*:}
fi
mdb() { mariadb --no-defaults -h "$my_host" -P "$my_port" -u "$my_user" -p"$my_pw" "$@"; }
my_url() { echo "mysql://$my_user:$my_pw@$my_host:$my_port/$1"; }

base=${FERRY_TEST_PG%/*}
cleanup() {
  set +e
  if want pg; then
    for d in m t t2 t3; do psql "$FERRY_TEST_PG" -c "DROP DATABASE IF EXISTS ${prefix}_$d" >/dev/null 2>&1; done
    [ -n "${sqlite_dir:-}" ] && rm -rf "$sqlite_dir"
  fi
  if want mariadb; then
    for d in m t1 t2; do mdb -e "DROP DATABASE IF EXISTS ${prefix}_$d" >/dev/null 2>&1; done
  fi
  rm -f "$log"
  rm -rf "$FERRY_STATE_DIR"
  [ -n "${sqlite_dir:-}" ] && rm -rf "$sqlite_dir"
  [ -n "$started_servers" ] && scripts/test-servers stop "$started_servers"
}
trap cleanup EXIT

# time_cmd VAR CMD...: run CMD, output to the log, wall time in VAR
time_cmd() {
  local var=$1 t0 t1 rc=0
  shift
  t0=$(now)
  "$@" >>"$log" 2>&1 || rc=$?
  t1=$(now)
  printf -v "$var" '%s' "$(elapsed "$t0" "$t1")"
  return $rc
}

########################################################################## PostgreSQL
pg_stat_writes() {
  psql "$1" -At -c "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables
                    WHERE relname = 'pgbench_accounts'"
}
# pg_run SCALE FIRST: the PostgreSQL part at one pgbench scale; FIRST=1 adds (d) and (e).
pg_run() {
  local scale=$1 first=$2
  m=$base/${prefix}_m t=$base/${prefix}_t t2=$base/${prefix}_t2 t3=$base/${prefix}_t3
  tables=pgbench_accounts,pgbench_branches,pgbench_tellers
  accounts=$((scale * 100000))
  changes=$((accounts / 1000))
  ins=$((changes / 100 > 0 ? changes / 100 : 1))
  del=$ins
  upd=$((changes - ins - del))
  for d in m t t2 t3; do psql "$FERRY_TEST_PG" -c "DROP DATABASE IF EXISTS ${prefix}_$d" >/dev/null 2>&1; done
  rm -rf "$FERRY_STATE_DIR"/*

  echo "PostgreSQL: pgbench -i -s $scale ($accounts accounts) and tenant copies..." >&2
  psql "$FERRY_TEST_PG" -c "CREATE DATABASE ${prefix}_m" >/dev/null
  "$pg_bin/pgbench" -i -s "$scale" -q "$m" >>"$log" 2>&1
  psql "$FERRY_TEST_PG" -c "CREATE DATABASE ${prefix}_t TEMPLATE ${prefix}_m" >/dev/null
  psql "$FERRY_TEST_PG" -c "CREATE DATABASE ${prefix}_t2 TEMPLATE ${prefix}_m" >/dev/null
  [ "$first" = 1 ] && psql "$FERRY_TEST_PG" -c "CREATE DATABASE ${prefix}_t3 TEMPLATE ${prefix}_m" >/dev/null
  # The last sync: the tenant found equal, as ferry records it.
  "$ferry" data diff --from "$m" --to "$t" --tables "$tables" >>"$log" 2>&1 \
    || fail "PostgreSQL: the first diff of the tenant copy exited $?"

  echo "PostgreSQL: changing $changes rows on the master ($upd updates, $ins inserts, $del deletes)..." >&2
  local writes_before
  writes_before=$(pg_stat_writes "$m")
  # Distinct random aids in the order they were drawn: the first $upd are updated, the
  # next $del deleted. setseed makes the draw the same on every run.
  psql "$m" >/dev/null <<SQL
SELECT setseed(0.42);
CREATE TEMP TABLE picks AS
  SELECT aid, min(g) AS g
  FROM (SELECT 1 + floor(random() * $accounts)::int AS aid, g
        FROM generate_series(1, $((changes * 2))) g) s
  GROUP BY aid;
UPDATE pgbench_accounts a
   SET abalance = a.abalance + 1 + a.aid % 997,
       filler = CASE WHEN a.aid % 3 = 0 THEN md5(a.aid::text) ELSE a.filler END
  FROM (SELECT aid FROM picks ORDER BY g LIMIT $upd) p
 WHERE a.aid = p.aid;
DELETE FROM pgbench_accounts a
 USING (SELECT aid FROM picks ORDER BY g OFFSET $upd LIMIT $del) p
 WHERE a.aid = p.aid;
INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
  SELECT $accounts + i, $scale, i * 10, 'new ' || i FROM generate_series(1, $ins) i;
SQL
  # The server's statistics count the writes once the session's exit has flushed them.
  for _ in $(seq 100); do
    [ "$(pg_stat_writes "$m")" -gt "$writes_before" ] && break
    sleep 0.1
  done

  # An aggregate over every row, computed by the server and independent of ferry's hashes.
  pg_check() {
    psql "$1" -At <<'SQL'
SELECT 'accounts', count(*), sum(abalance), sum(hashtext(filler)), sum(hashtext(a::text)) FROM pgbench_accounts a;
SELECT 'branches', count(*), sum(bbalance), sum(hashtext(b::text)) FROM pgbench_branches b;
SELECT 'tellers', count(*), sum(tbalance), sum(hashtext(t::text)) FROM pgbench_tellers t;
SQL
  }
  before=$(pg_check "$t")
  master_sum=$(pg_check "$m")
  [ "$before" != "$master_sum" ] || fail "PostgreSQL: the master's changes did not take"

  echo "PostgreSQL: (a) ferry data sync..." >&2
  local json
  json=$(mktemp /tmp/${prefix}_json_XXXXXX)
  time_cmd pg_sync sh -c '"$0" data sync --json --from "$1" --to "$2" --tables "$3" > "$4"' \
    "$ferry" "$m" "$t" "$tables" "$json" || fail "PostgreSQL: ferry data sync exited $? (log below)"
  pg_passes=$(python3 -c 'import json, sys
t = [t for t in json.load(open(sys.argv[1]))["tenants"][0]["tables"] if t["table"].endswith("pgbench_accounts")][0]
print("%s first, %s summary pass(es); +%s ~%s -%s" % (t.get("first_pass"), t.get("summary_passes"), t["inserts"], t["updates"], t["deletes"]))' "$json" 2>&1 || true)
  rm -f "$json"
  if [ "$(pg_check "$t")" = "$master_sum" ]; then pg_sync_ok=equal; else
    pg_sync_ok=DIFFERENT
    fail "PostgreSQL: after ferry data sync the tenant differs from the master"
    printf 'master:\n%s\ntenant:\n%s\n' "$master_sum" "$(pg_check "$t")" >&2
  fi

  echo "PostgreSQL: (b) pg_dump --clean | psql..." >&2
  reload() {
    "$pg_bin/pg_dump" --clean -t pgbench_accounts -t pgbench_branches -t pgbench_tellers -d "$m" \
      | psql "$t2"
  }
  time_cmd pg_reload reload || fail "PostgreSQL: pg_dump | psql failed"
  if [ "$(pg_check "$t2")" = "$master_sum" ]; then pg_reload_ok=equal; else
    pg_reload_ok=DIFFERENT
    fail "PostgreSQL: after pg_dump | psql the tenant differs from the master"
  fi

  echo "PostgreSQL: (c) identical tables: ferry data diff, count(*), COPY TO /dev/null..." >&2
  diffs=() counts=() copies=()
  local diff_rc=0 x
  for _ in 1 2 3; do
    time_cmd x "$ferry" data diff --from "$m" --to "$t" --tables "$tables" || diff_rc=$?
    diffs+=("$x")
    time_cmd x psql "$m" -c "SELECT count(*) FROM pgbench_accounts"
    counts+=("$x")
    time_cmd x psql "$m" -c "COPY pgbench_accounts TO '/dev/null'"
    copies+=("$x")
  done
  [ "$diff_rc" = 0 ] || fail "PostgreSQL: ferry data diff of identical tables exited $diff_rc"
  pg_diff=$(median3 "${diffs[@]}")
  pg_count=$(median3 "${counts[@]}")
  pg_copy=$(median3 "${copies[@]}")

  printf '\ndata sync, PostgreSQL, pgbench scale %s (%s accounts), %s rows changed\n' "$scale" "$accounts" "$changes"
  printf '%-52s %9s  %s\n' "run" "wall (s)" "tenant vs master"
  printf '%-52s %9.3f  %s\n' "(a) ferry data sync, 3 tables" "$pg_sync" "$pg_sync_ok"
  printf '%-52s %9.3f  %s\n' "(b) pg_dump --clean -t ... | psql (full reload)" "$pg_reload" "$pg_reload_ok"
  printf '%-52s %9.3f  (runs: %s)\n' "(c) ferry data diff, identical tables, median of 3" "$pg_diff" "${diffs[*]}"
  printf '%-52s %9.3f  (runs: %s)\n' "    SELECT count(*) FROM pgbench_accounts, median" "$pg_count" "${counts[*]}"
  printf '%-52s %9.3f  (runs: %s)\n' "    COPY pgbench_accounts TO '/dev/null', median" "$pg_copy" "${copies[*]}"
  printf 'ferry on pgbench_accounts: %s\n' "$pg_passes"
  local r1 r2 r3 r4
  r1=$(ratio "$pg_sync" "$pg_diff")
  r2=$(ratio "$pg_sync" "$pg_reload")
  r3=$(ratio "$pg_diff" "$pg_copy")
  r4=$(ratio "$pg_diff" "$pg_count")
  printf 'ratio sync / identical diff: %s (target <= 1.3: %s)\n' "$r1" "$(verdict "$r1" 1.3)"
  printf 'ratio sync / full reload:    %s (target <= 0.3: %s)\n' "$r2" "$(verdict "$r2" 0.3)"
  printf 'ratio diff / COPY read:      %s (target <= 0.7: %s)\n' "$r3" "$(verdict "$r3" 0.7)"
  printf 'ratio diff / count(*):       %s\n' "$r4"
  [ "$first" = 1 ] || return 0
  echo "PostgreSQL: (d) the same with --hashing client..." >&2
  time_cmd pg_client_sync "$ferry" data sync --hashing client --from "$m" --to "$t3" \
    --tables "$tables" || fail "PostgreSQL: ferry data sync --hashing client exited $?"
  if [ "$(pg_check "$t3")" = "$master_sum" ]; then pg_client_ok=equal; else
    pg_client_ok=DIFFERENT
    fail "PostgreSQL: after ferry data sync --hashing client the tenant differs from the master"
  fi
  client_diffs=()
  local client_rc=0 sq_rc=0
  for _ in 1 2 3; do
    time_cmd x "$ferry" data diff --hashing client --from "$m" --to "$t3" --tables "$tables" \
      || client_rc=$?
    client_diffs+=("$x")
  done
  [ "$client_rc" = 0 ] || fail "PostgreSQL: ferry data diff --hashing client exited $client_rc"
  pg_client_diff=$(median3 "${client_diffs[@]}")

  echo "PostgreSQL: (e) an SQLite tenant: first load, identical diff, sync of changes..." >&2
  sqlite_dir=$(mktemp -d /tmp/${prefix}_sqlite_XXXXXX)
  sq="sqlite://$sqlite_dir/tenant.db"
  sqlite3 "$sqlite_dir/tenant.db" "CREATE TABLE pgbench_accounts (aid integer PRIMARY KEY,
    bid integer, abalance integer, filler character(84))"
  # An aggregate both engines compute alike, pairing each key with its row's values.
  accounts_check() {
    local sql="SELECT count(*), sum(bid), sum(abalance), sum(aid * (abalance % 1000)),
      sum(length(trim(filler))) FROM pgbench_accounts"
    if [ "$1" = sqlite ]; then sqlite3 -separator '|' "$sqlite_dir/tenant.db" "$sql"; else
      psql "$m" -At -c "$sql"; fi
  }
  accounts_master=$(accounts_check pg)
  time_cmd sq_load "$ferry" data sync --from "$m" --to "$sq" --tables pgbench_accounts \
    || fail "SQLite tenant: first load exited $?"
  [ "$(accounts_check sqlite)" = "$accounts_master" ] \
    || fail "SQLite tenant: after the first load it differs from the master"
  sq_diffs=()
  for _ in 1 2 3; do
    time_cmd x "$ferry" data diff --from "$m" --to "$sq" --tables pgbench_accounts || sq_rc=$?
    sq_diffs+=("$x")
  done
  [ "$sq_rc" = 0 ] || fail "SQLite tenant: ferry data diff of identical tables exited $sq_rc"
  sq_diff=$(median3 "${sq_diffs[@]}")
  sqlite3 "$sqlite_dir/tenant.db" "UPDATE pgbench_accounts SET abalance = abalance + 7
    WHERE aid % 1000 = 7 AND aid > 10007; DELETE FROM pgbench_accounts WHERE aid <= 10007
    AND aid % 1000 = 7"
  [ "$(accounts_check sqlite)" != "$accounts_master" ] || fail "SQLite tenant: changes did not take"
  time_cmd sq_sync "$ferry" data sync --from "$m" --to "$sq" --tables pgbench_accounts \
    || fail "SQLite tenant: ferry data sync exited $?"
  if [ "$(accounts_check sqlite)" = "$accounts_master" ]; then sq_ok=equal; else
    sq_ok=DIFFERENT
    fail "SQLite tenant: after ferry data sync it differs from the master"
  fi
  printf '%-52s %9.3f  %s\n' "(d) ferry data sync --hashing client" "$pg_client_sync" "$pg_client_ok"
  printf '%-52s %9.3f  (runs: %s)\n' "    ferry data diff --hashing client, identical" "$pg_client_diff" "${client_diffs[*]}"
  printf 'hashed in ferry / on the servers: sync %s, identical diff %s\n' \
    "$(ratio "$pg_client_sync" "$pg_sync")" "$(ratio "$pg_client_diff" "$pg_diff")"
  printf '%-52s %9.3f\n' "(e) SQLite tenant: first load of pgbench_accounts" "$sq_load"
  printf '%-52s %9.3f  (runs: %s)\n' "    ferry data diff, identical, median" "$sq_diff" "${sq_diffs[*]}"
  printf '%-52s %9.3f  %s\n' "    ferry data sync, 1001 rows changed on the tenant" "$sq_sync" "$sq_ok"
}

if want pg; then
  first=1
  for scale in $scales; do
    pg_run "$scale" "$first"
    first=0
  done
fi

########################################################################## MariaDB
if want mariadb; then
  sb_tables=${FERRY_BENCH_SB_TABLES:-4}
  sb_rows=${FERRY_BENCH_SB_ROWS:-250000}
  sb_events=${FERRY_BENCH_SB_EVENTS:-250}
  mm=${prefix}_m mt1=${prefix}_t1 mt2=${prefix}_t2
  sb_list=$(seq -s, -f 'sbtest%g' 1 "$sb_tables")
  sysbench_on() {
    local db=$1
    shift
    sysbench oltp_write_only --db-driver=mysql --mysql-host="$my_host" --mysql-port="$my_port" \
      --mysql-user="$my_user" --mysql-password="$my_pw" --mysql-db="$db" \
      --tables="$sb_tables" --table-size="$sb_rows" "$@"
  }

  echo "MariaDB: sysbench tables ($sb_tables x $sb_rows rows) and two tenant copies..." >&2
  mdb -e "CREATE DATABASE $mm; CREATE DATABASE $mt1; CREATE DATABASE $mt2"
  sysbench_on "$mm" --threads=2 prepare >>"$log" 2>&1 || fail "MariaDB: sysbench prepare failed"
  for i in $(seq "$sb_tables"); do
    for d in $mt1 $mt2; do
      mdb -e "CREATE TABLE $d.sbtest$i LIKE $mm.sbtest$i; INSERT INTO $d.sbtest$i SELECT * FROM $mm.sbtest$i"
    done
  done

  echo "MariaDB: sysbench oltp_write_only, $sb_events transactions on the master..." >&2
  sysbench_on "$mm" --threads=1 --time=0 --events="$sb_events" --rand-seed=42 run >>"$log" 2>&1 \
    || fail "MariaDB: the sysbench workload failed"

  # An aggregate over every row of every table, independent of ferry's hashes.
  my_check() {
    local i
    for i in $(seq "$sb_tables"); do
      mdb -N -B -e "SELECT COUNT(*), SUM(k), SUM(CRC32(CONCAT_WS('#', id, k, c, pad)))
                    FROM $1.sbtest$i"
    done
  }
  my_master=$(my_check "$mm")
  # What ferry still finds different on a tenant (a dry run): inserts, updates, deletes.
  ferry_left() {
    "$ferry" data sync --dry-run --json --from "$(my_url "$mm")" --to "$(my_url "$1")" \
      --tables "$sb_list" 2>/dev/null | python3 -c 'import json, sys
doc = json.load(sys.stdin)
t = doc["tenants"][0]["tables"]
print("%d inserts, %d updates, %d deletes" % tuple(sum(x[k] for x in t) for k in ("inserts", "updates", "deletes")))' || true
  }
  [ "$(my_check "$mt1")" != "$my_master" ] || fail "MariaDB: the master's changes did not take"

  echo "MariaDB: ferry data sync to tenant 1..." >&2
  time_cmd my_sync "$ferry" data sync --from "$(my_url "$mm")" --to "$(my_url "$mt1")" \
    --tables "$sb_list" || fail "MariaDB: ferry data sync exited $? (log below)"
  my_sync_report=$(grep -E 'tenant\(s\)' "$log" | tail -1 || true)
  if [ "$(my_check "$mt1")" = "$my_master" ]; then my_sync_ok=equal; else
    my_sync_ok=DIFFERENT
    fail "MariaDB: after ferry data sync tenant 1 differs from the master"
  fi

  echo "MariaDB: pt-table-sync --execute to tenant 2, table by table..." >&2
  dsn="h=$my_host,P=$my_port,u=$my_user,p=$my_pw"
  # Exit status 2 means "tables differed and were synced"; 1 and 3 mean an error.
  pt_all() {
    local i rc
    for i in $(seq "$sb_tables"); do
      rc=0
      pt-table-sync --execute --verbose --no-check-triggers \
        "$dsn,D=$mm,t=sbtest$i" "$dsn,D=$mt2,t=sbtest$i" || rc=$?
      [ "$rc" = 0 ] || [ "$rc" = 2 ] || return "$rc"
    done
  }
  time_cmd my_pt pt_all || fail "MariaDB: pt-table-sync failed ($?)"
  # The lines pt-table-sync prints per table: DELETE REPLACE INSERT UPDATE ALGORITHM ...
  pt_report=$(grep -A"$sb_tables" '^# DELETE REPLACE' "$log" | grep -v '^# DELETE' | grep -v '^--' \
    | awk '{d += $2; r += $3; i += $4; u += $5} END {print d " deletes, " r " replaces, " i " inserts, " u " updates"}' || true)
  # pt-table-sync is the yardstick, not the code under test: a tenant it leaves different
  # is reported with the rows that differ, not counted as a failure of the bench.
  if [ "$(my_check "$mt2")" = "$my_master" ]; then my_pt_ok=equal; else
    my_pt_ok=DIFFERENT
    pt_left=$(ferry_left "$mt2")
  fi

  echo "MariaDB: the floor, one checksum scan of the master and of a tenant at once..." >&2
  floor_scan() { my_check "$mm" >/dev/null & my_check "$mt1" >/dev/null; wait; }
  time_cmd my_floor floor_scan
fi

########################################################################## report
[ "$failures" = 0 ] || { echo "--- log ---" >&2; cat "$log" >&2; }
if want mariadb; then
  printf '\ndata sync, MariaDB, %s sysbench tables of %s rows, %s write transactions\n' "$sb_tables" "$sb_rows" "$sb_events"
  printf '%-52s %9s  %s\n' "run" "wall (s)" "tenant vs master"
  printf '%-52s %9.3f  %s\n' "ferry data sync (tenant 1)" "$my_sync" "$my_sync_ok"
  printf '%-52s %9.3f  %s\n' "pt-table-sync --execute (tenant 2)" "$my_pt" "$my_pt_ok"
  printf '%-52s %9.3f\n' "floor: checksum scan of master and tenant at once" "$my_floor"
  [ -n "${pt_left:-}" ] && printf 'after pt-table-sync, tenant 2 still differs from the master: %s (ferry data diff)\n' "$pt_left"
  [ -n "$my_sync_report" ] && printf 'ferry: %s\n' "$my_sync_report"
  [ -n "$pt_report" ] && printf 'pt-table-sync: %s\n' "$pt_report"
  r=$(ratio "$my_sync" "$my_pt")
  printf 'ratio ferry / pt-table-sync: %s (target <= 0.1: %s)\n' "$r" "$(verdict "$r" 0.1)"
  printf 'ratio floor / pt-table-sync: %s\n' "$(ratio "$my_floor" "$my_pt")"
fi
if [ "$failures" != 0 ]; then
  echo "$failures check(s) FAILED (see above)" >&2
  exit 1
fi
