#!/usr/bin/env bash
# Data sync of a 1 M-row table with 0.1 % of its rows changed on the master.
#   PostgreSQL (pgbench schema, scale 10):
#     (a) `ferry data sync` of pgbench_accounts, _branches, _tellers to a tenant copy
#     (b) the usual full reload of the same tables: pg_dump --clean -t ... | psql
#     (c) `ferry data diff` of identical tables, next to count(*) and a server-side
#         COPY ... TO '/dev/null' of pgbench_accounts on the master (median of 3 each)
#     (d) the same sync and diff with --hashing client (rows hashed in ferry, not on the
#         servers), on a third tenant copy: which way is faster where
#     (e) an SQLite tenant of the same master (engines differ: always hashed in ferry):
#         first load of pgbench_accounts, identical diff (median of 3), and the sync of
#         1,001 rows changed on the tenant (990 updates, 11 deletes)
#   MariaDB (an `accounts` table shaped like pgbench_accounts, 1 M rows):
#     `ferry data sync` to tenant 1 next to `pt-table-sync --execute` to tenant 2
# Every synced tenant is checked against the master with an independent SQL aggregate;
# the script exits 1 if any differs. Prints the times and the ratios with their targets.
#
#   bench/data_sync_bench.sh [build/cli/ferry]
# Uses the servers named by FERRY_TEST_PG and FERRY_TEST_MYSQL, or starts throwaway ones
# (scripts/test-servers). FERRY_BENCH_PARTS=pg or =mariadb runs one part only.
set -euo pipefail
cd "$(dirname "$0")/.."
ferry=$(realpath "${1:-build/cli/ferry}")
scale=${FERRY_BENCH_SCALE:-10}
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
  fi
  if want mariadb; then
    for d in m t1 t2; do mdb -e "DROP DATABASE IF EXISTS ${prefix}_$d" >/dev/null 2>&1; done
  fi
  rm -f "$log"
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
if want pg; then
  m=$base/${prefix}_m t=$base/${prefix}_t t2=$base/${prefix}_t2 t3=$base/${prefix}_t3
  tables=pgbench_accounts,pgbench_branches,pgbench_tellers
  accounts=$((scale * 100000))
  changes=$((accounts / 1000))
  ins=$((changes / 100 > 0 ? changes / 100 : 1))
  del=$ins
  upd=$((changes - ins - del))

  echo "PostgreSQL: pgbench -i -s $scale ($accounts accounts) and two tenant copies..." >&2
  psql "$FERRY_TEST_PG" -c "CREATE DATABASE ${prefix}_m" >/dev/null
  "$pg_bin/pgbench" -i -s "$scale" -q "$m" >>"$log" 2>&1
  psql "$FERRY_TEST_PG" -c "CREATE DATABASE ${prefix}_t TEMPLATE ${prefix}_m" >/dev/null
  psql "$FERRY_TEST_PG" -c "CREATE DATABASE ${prefix}_t2 TEMPLATE ${prefix}_m" >/dev/null
  psql "$FERRY_TEST_PG" -c "CREATE DATABASE ${prefix}_t3 TEMPLATE ${prefix}_m" >/dev/null

  echo "PostgreSQL: changing $changes rows on the master ($upd updates, $ins inserts, $del deletes)..." >&2
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
  time_cmd pg_sync "$ferry" data sync --from "$m" --to "$t" --tables "$tables" \
    || fail "PostgreSQL: ferry data sync exited $? (log below)"
  pg_sync_report=$(grep -E 'tenant\(s\)' "$log" | tail -1 || true)
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
  diffs=() counts=() copies=() diff_rc=0
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

  echo "PostgreSQL: (d) the same with --hashing client..." >&2
  time_cmd pg_client_sync "$ferry" data sync --hashing client --from "$m" --to "$t3" \
    --tables "$tables" || fail "PostgreSQL: ferry data sync --hashing client exited $?"
  if [ "$(pg_check "$t3")" = "$master_sum" ]; then pg_client_ok=equal; else
    pg_client_ok=DIFFERENT
    fail "PostgreSQL: after ferry data sync --hashing client the tenant differs from the master"
  fi
  client_diffs=() client_rc=0
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
  sq_diffs=() sq_rc=0
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
  pg_count=$(median3 "${counts[@]}")
  pg_copy=$(median3 "${copies[@]}")
fi

########################################################################## MariaDB
if want mariadb; then
  rows=${FERRY_BENCH_MYSQL_ROWS:-1000000}
  mchanges=$((rows / 1000))
  mins=$((mchanges / 100 > 0 ? mchanges / 100 : 1))
  mdel=$mins
  mupd=$((mchanges - mins - mdel))
  mm=${prefix}_m mt1=${prefix}_t1 mt2=${prefix}_t2

  echo "MariaDB: $rows-row accounts table and two tenant copies..." >&2
  mdb -e "CREATE DATABASE $mm; CREATE DATABASE $mt1; CREATE DATABASE $mt2"
  # seq_1_to_N (the Sequence engine) needs a current database.
  mdb "$mm" <<SQL
CREATE TABLE $mm.accounts (aid INT PRIMARY KEY, bid INT, abalance INT, filler CHAR(84)) ENGINE=InnoDB;
INSERT INTO $mm.accounts
  SELECT seq, 1 + (seq - 1) DIV 100000, 0, LEFT(CONCAT(MD5(seq), MD5(-seq), MD5(seq * 7)), 84)
  FROM seq_1_to_$rows;
CREATE TABLE $mt1.accounts LIKE $mm.accounts;
INSERT INTO $mt1.accounts SELECT * FROM $mm.accounts;
CREATE TABLE $mt2.accounts LIKE $mm.accounts;
INSERT INTO $mt2.accounts SELECT * FROM $mm.accounts;
SQL

  echo "MariaDB: changing $mchanges rows on the master ($mupd updates, $mins inserts, $mdel deletes)..." >&2
  mdb "$mm" <<SQL
CREATE TEMPORARY TABLE picks AS
  SELECT aid, MIN(g) AS g
  FROM (SELECT 1 + FLOOR(RAND(42) * $rows) AS aid, seq AS g FROM seq_1_to_$((mchanges * 2))) s
  GROUP BY aid;
UPDATE accounts a JOIN (SELECT aid FROM picks ORDER BY g LIMIT $mupd) p ON a.aid = p.aid
   SET a.abalance = a.abalance + 1 + a.aid % 997,
       a.filler = IF(a.aid % 3 = 0, MD5(a.aid), a.filler);
DELETE a FROM accounts a JOIN (SELECT aid FROM picks ORDER BY g LIMIT $mupd, $mdel) p ON a.aid = p.aid;
INSERT INTO accounts SELECT $rows + seq, 10, seq * 10, CONCAT('new ', seq) FROM seq_1_to_$mins;
SQL

  my_check() {
    mdb -N -B -e "SELECT COUNT(*), SUM(abalance), SUM(CRC32(filler)),
                         SUM(CRC32(CONCAT_WS('#', aid, bid, abalance, filler))) FROM $1.accounts"
  }
  my_master=$(my_check "$mm")
  [ "$(my_check "$mt1")" != "$my_master" ] || fail "MariaDB: the master's changes did not take"

  echo "MariaDB: ferry data sync to tenant 1..." >&2
  time_cmd my_sync "$ferry" data sync --from "$(my_url "$mm")" --to "$(my_url "$mt1")" --tables accounts \
    || fail "MariaDB: ferry data sync exited $? (log below)"
  my_sync_report=$(grep -E 'tenant\(s\)' "$log" | tail -1 || true)
  if [ "$(my_check "$mt1")" = "$my_master" ]; then my_sync_ok=equal; else
    my_sync_ok=DIFFERENT
    fail "MariaDB: after ferry data sync tenant 1 differs from the master"
    printf 'master: %s\ntenant: %s\n' "$my_master" "$(my_check "$mt1")" >&2
  fi

  echo "MariaDB: pt-table-sync --execute to tenant 2..." >&2
  dsn="h=$my_host,P=$my_port,u=$my_user,p=$my_pw"
  # Exit status 2 means "tables differed and were synced"; 1 and 3 mean an error.
  pt_rc=0
  time_cmd my_pt pt-table-sync --execute --verbose --no-check-triggers \
    "$dsn,D=$mm,t=accounts" "$dsn,D=$mt2,t=accounts" || pt_rc=$?
  [ "$pt_rc" = 0 ] || [ "$pt_rc" = 2 ] || fail "MariaDB: pt-table-sync exited $pt_rc"
  pt_report=$(grep -A1 '^# DELETE REPLACE' "$log" | tail -1 || true)
  if [ "$(my_check "$mt2")" = "$my_master" ]; then my_pt_ok=equal; else
    my_pt_ok=DIFFERENT
    fail "MariaDB: after pt-table-sync tenant 2 differs from the master"
  fi
fi

########################################################################## report
[ "$failures" = 0 ] || { echo "--- log ---" >&2; cat "$log" >&2; }
if want pg; then
  printf '\ndata sync, PostgreSQL, pgbench scale %s (%s accounts), %s rows changed\n' "$scale" "$accounts" "$changes"
  printf '%-52s %9s  %s\n' "run" "wall (s)" "tenant vs master"
  printf '%-52s %9.3f  %s\n' "(a) ferry data sync, 3 tables" "$pg_sync" "$pg_sync_ok"
  printf '%-52s %9.3f  %s\n' "(b) pg_dump --clean -t ... | psql (full reload)" "$pg_reload" "$pg_reload_ok"
  printf '%-52s %9.3f  (runs: %s)\n' "(c) ferry data diff, identical tables, median of 3" "$pg_diff" "${diffs[*]}"
  printf '%-52s %9.3f  (runs: %s)\n' "    SELECT count(*) FROM pgbench_accounts, median" "$pg_count" "${counts[*]}"
  printf '%-52s %9.3f  (runs: %s)\n' "    COPY pgbench_accounts TO '/dev/null', median" "$pg_copy" "${copies[*]}"
  [ -n "$pg_sync_report" ] && printf 'ferry: %s\n' "$pg_sync_report"
  r1=$(ratio "$pg_sync" "$pg_reload")
  r2=$(ratio "$pg_diff" "$pg_copy")
  r3=$(ratio "$pg_diff" "$pg_count")
  printf 'ratio sync / full reload:  %s (target <= 0.15: %s)\n' "$r1" "$(verdict "$r1" 0.15)"
  printf 'ratio diff / COPY read:    %s (target <= 1.5: %s)\n' "$r2" "$(verdict "$r2" 1.5)"
  printf 'ratio diff / count(*):     %s\n' "$r3"
  printf '%-52s %9.3f  %s\n' "(d) ferry data sync --hashing client" "$pg_client_sync" "$pg_client_ok"
  printf '%-52s %9.3f  (runs: %s)\n' "    ferry data diff --hashing client, identical" "$pg_client_diff" "${client_diffs[*]}"
  printf 'hashed in ferry / on the servers: sync %s, identical diff %s\n' \
    "$(ratio "$pg_client_sync" "$pg_sync")" "$(ratio "$pg_client_diff" "$pg_diff")"
  printf '%-52s %9.3f\n' "(e) SQLite tenant: first load of pgbench_accounts" "$sq_load"
  printf '%-52s %9.3f  (runs: %s)\n' "    ferry data diff, identical, median" "$sq_diff" "${sq_diffs[*]}"
  printf '%-52s %9.3f  %s\n' "    ferry data sync, 1001 rows changed on the tenant" "$sq_sync" "$sq_ok"
fi
if want mariadb; then
  printf '\ndata sync, MariaDB, accounts table (%s rows), %s rows changed\n' "$rows" "$mchanges"
  printf '%-52s %9s  %s\n' "run" "wall (s)" "tenant vs master"
  printf '%-52s %9.3f  %s\n' "ferry data sync (tenant 1)" "$my_sync" "$my_sync_ok"
  printf '%-52s %9.3f  %s\n' "pt-table-sync --execute (tenant 2)" "$my_pt" "$my_pt_ok"
  [ -n "$my_sync_report" ] && printf 'ferry: %s\n' "$my_sync_report"
  [ -n "$pt_report" ] && printf 'pt-table-sync: DELETE REPLACE INSERT UPDATE ALGORITHM START END EXIT TABLE: %s\n' "$(echo "${pt_report#\# }" | tr -s " ")"
  printf 'ratio ferry / pt-table-sync: %s\n' "$(ratio "$my_sync" "$my_pt")"
fi
if [ "$failures" != 0 ]; then
  echo "$failures check(s) FAILED (see above)" >&2
  exit 1
fi
