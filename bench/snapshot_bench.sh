#!/usr/bin/env bash
# shellcheck disable=SC2154,SC2016  # arrays filled by functions; the bash -c scripts read $1, $2, ...
# Snapshots and copies, side by side with the usual tools, one run each:
#   PostgreSQL, two source databases, each timed with every tool:
#     pgbench   `pgbench -i -s SCALE` (SCALE x 100,000 accounts; default scale 50)
#     small     200 small tables: identity key, 5 columns, a secondary index, 1,000 rows
#   (a) `ferry snapshot create -j2` next to `pg_dump -Fd -j2`                 target <= 0.5
#   (b) `ferry snapshot restore -j2` next to `pg_restore -j2`, each into an
#       empty database                                                        target <= 0.7
#   (c) `ferry copy -j2` next to `pgcopydb clone --table-jobs 2 --index-jobs 2`
#       (target <= 0.5) and `pg_dump | psql`, each into an empty database
#   (d) stored bytes: the ferry store (du -sb) next to the pg_dump -Fd directory
#                                                                             target <= 1.0
#   (e) peak RSS of every ferry command (/usr/bin/time -v)                    target <= 256 MiB
#   MariaDB, one source database: a sysbench-like sbtest1 of 1 M rows (INSERT ... SELECT FROM
#   seq_1_to_N) plus the same 200 small tables:
#     `ferry snapshot create -j2` next to `mydumper -t 2` and `mysqldump --single-transaction`;
#     `ferry snapshot restore -j2` next to `myloader -t 2` and `mysql < dump.sql`
#     (no targets; ratios printed), peak RSS of the ferry commands (target <= 256 MiB).
# Every restored or copied database is compared with its source by SQL the script runs itself
# (per table: row count and the sum of a hash of every row's text; the pgbench balances;
# columns, indexes and constraints; the next value of every sequence / AUTO_INCREMENT), so a
# fast but wrong load cannot pass: the script exits 1 if any differs or any tool fails.
# Per run it prints wall time, the client's CPU (user + system, /usr/bin/time), the
# server's CPU over the run (from /proc, when the server runs on this machine) and the
# client's peak RSS; for ferry also the phases of its report (--json). Before each run the
# server checkpoints and the file system syncs, so no run pays for another's writes.
#
#   bench/snapshot_bench.sh [build/cli/ferry]
# SCALE (or FERRY_BENCH_SCALE): pgbench scale, default 50.
# FERRY_BENCH_SMALL_TABLES (200), FERRY_BENCH_SMALL_ROWS (1000): the small tables.
# FERRY_BENCH_MYSQL_ROWS (1000000): rows of sbtest1.
# FERRY_BENCH_PARTS=pgbench,small,mariadb (default all three): which datasets run.
# FERRY_BENCH_JOBS (2): -j of ferry and of every yardstick.
# FERRY_BENCH_DIR: where the scratch directory (stores, dumps, logs) is made (default /tmp);
# it is removed at exit unless FERRY_BENCH_KEEP=1 (then its path is printed).
# Uses the servers named by FERRY_TEST_PG and FERRY_TEST_MYSQL, or starts throwaway ones
# (scripts/test-servers). Needs pgcopydb, mydumper and GNU time (scripts/install-deps).
set -euo pipefail
cd "$(dirname "$0")/.."
ferry=$(realpath "${1:-build/cli/ferry}")
scale=${SCALE:-${FERRY_BENCH_SCALE:-50}}
small_tables=${FERRY_BENCH_SMALL_TABLES:-200}
small_rows=${FERRY_BENCH_SMALL_ROWS:-1000}
my_rows=${FERRY_BENCH_MYSQL_ROWS:-1000000}
parts=${FERRY_BENCH_PARTS:-pgbench,small,mariadb}
jobs=${FERRY_BENCH_JOBS:-2}
want() { [[ ",$parts," == *",$1,"* ]]; }
want_pg() { want pgbench || want small; }

pg_bin=/usr/lib/postgresql/15/bin
[ -x "$ferry" ] || { echo "no ferry binary at $ferry" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed: scripts/install-deps" >&2; exit 2; }
if want_pg; then
  for tool in pgcopydb "$pg_bin/pg_dump" "$pg_bin/pg_restore" "$pg_bin/pgbench"; do
    command -v "$tool" >/dev/null || { echo "$tool is needed: scripts/install-deps" >&2; exit 2; }
  done
fi
if want mariadb; then
  for tool in mydumper myloader mariadb mariadb-dump; do
    command -v "$tool" >/dev/null || { echo "$tool is needed: scripts/install-deps" >&2; exit 2; }
  done
fi
command -v python3 >/dev/null || { echo "python3 is needed (ferry's JSON reports)" >&2; exit 2; }

started_servers=""
if { want_pg && [ -z "${FERRY_TEST_PG:-}" ]; } || { want mariadb && [ -z "${FERRY_TEST_MYSQL:-}" ]; }; then
  state=$(mktemp -d /tmp/ferry-bench-XXXXXX)
  scripts/test-servers start "$state" >/dev/null
  started_servers=$state
  # shellcheck disable=SC2046
  export $(cat "$state/env")
fi

work=$(mktemp -d "${FERRY_BENCH_DIR:-/tmp}/ferry-snapshot-bench-XXXXXX")
log=$work/log
prefix=ferry_sbench_$$
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

psql() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t ? "PASS" : "MISS") }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# jfield FILE EXPR: a field of a JSON report, EXPR in Python over `d`
jfield() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

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

pg_dbs=() my_dbs=()
cleanup() {
  set +e
  local d
  for d in "${pg_dbs[@]}"; do psql "$FERRY_TEST_PG" -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1; done
  for d in "${my_dbs[@]}"; do mdb -e "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1; done
  if [ "${FERRY_BENCH_KEEP:-0}" = 1 ]; then echo "kept: $work" >&2; else rm -rf "$work"; fi
  [ -n "$started_servers" ] && scripts/test-servers stop "$started_servers"
}
trap cleanup EXIT
pg_create() { pg_dbs+=("$1"); psql "$FERRY_TEST_PG" -c "CREATE DATABASE $1"; }
pg_drop() { psql "$FERRY_TEST_PG" -c "DROP DATABASE IF EXISTS $1" >/dev/null; }
my_create() { my_dbs+=("$1"); mdb -e "CREATE DATABASE $1"; }
my_drop() { mdb -e "DROP DATABASE IF EXISTS $1"; }

########################################################################## server CPU
# The CPU the database server used over a run, when it runs on this machine: PostgreSQL's
# postmaster with its reaped children (cutime, cstime) and the live ones; MariaDB's process
# (all its threads). Empty when the server's process cannot be read.
clk=$(getconf CLK_TCK)
pg_pm=""
if want_pg; then
  dd=$(psql "$FERRY_TEST_PG" -At -c "SHOW data_directory" 2>/dev/null || true)
  [ -n "$dd" ] && [ -r "$dd/postmaster.pid" ] && pg_pm=$(head -1 "$dd/postmaster.pid")
  [ -n "$pg_pm" ] && [ -r "/proc/$pg_pm/stat" ] || pg_pm=""
fi
my_pid=""
if want mariadb; then
  pf=$(mdb -N -B -e "SELECT @@pid_file" 2>/dev/null || true)
  [ -n "$pf" ] && [ -r "$pf" ] && my_pid=$(head -1 "$pf")
  [ -n "$my_pid" ] && [ -r "/proc/$my_pid/stat" ] || my_pid=""
fi
ticks() { # PID [children]: utime + stime (+ cutime + cstime) in clock ticks
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
    awk -v c="${2:-}" '{ t = $12 + $13; if (c != "") t += $14 + $15; print t }'
}
server_cpu() { # pg | my: seconds of CPU so far, or empty
  local t=0 c x
  case $1 in
    pg)
      [ -n "$pg_pm" ] || return 0
      t=$(ticks "$pg_pm" children)
      for c in $(pgrep -P "$pg_pm" || true); do
        x=$(ticks "$c") && [ -n "$x" ] && t=$((t + x))
      done ;;
    my)
      [ -n "$my_pid" ] || return 0
      t=$(ticks "$my_pid") ;;
  esac
  awk -v t="$t" -v c="$clk" 'BEGIN { printf "%.2f", t / c }'
}
quiesce() { # pg | my: no dirty pages left from the previous run
  if [ "$1" = pg ]; then psql "$FERRY_TEST_PG" -c CHECKPOINT; else mdb -e "FLUSH TABLES"; fi
  sync
}

########################################################################## runs
# run ENGINE KEY CMD...: CMD under /usr/bin/time -v, stdout to $work/KEY.out, stderr to the
# log; sets wall[KEY], cpu[KEY] (client user + system), rss[KEY] (KiB), srv[KEY]
declare -A wall cpu rss srv result
run() {
  local engine=$1 key=$2 t0 t1 s0 s1 rc=0
  shift 2
  quiesce "$engine"
  printf '\n=== %s: %s\n' "$key" "$*" >>"$log"
  s0=$(server_cpu "$engine")
  t0=$(now)
  /usr/bin/time -v -o "$work/$key.time" "$@" >"$work/$key.out" 2>>"$log" || rc=$?
  t1=$(now)
  s1=$(server_cpu "$engine")
  wall[$key]=$(elapsed "$t0" "$t1")
  cpu[$key]=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$work/$key.time")
  rss[$key]=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/$key.time")
  if [ -n "$s0" ] && [ -n "$s1" ]; then srv[$key]=$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.2f", b - a }'); else srv[$key]=-; fi
  result[$key]=-
  return $rc
}

########################################################################## PostgreSQL checks
# Rows: per table its count and the sum of hashtext() of each row's text; structure: the
# columns (type, NOT NULL, identity, default), the index definitions, the constraints; the
# next value of every sequence. Each is one line; a database equals its source when every
# line does.
pg_rows() { # URL [EXTRA-SQL]
  psql "$1" -At <<SQL
SELECT string_agg(format('SELECT %L, count(*), coalesce(sum(hashtext(x::text)), 0) FROM %I.%I x',
                         n.nspname || '.' || c.relname, n.nspname, c.relname),
                  ' UNION ALL ' ORDER BY n.nspname, c.relname) || ' ORDER BY 1'
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg_toast%'
\gexec
${2:-}
SQL
}
pg_struct() { # URL
  psql "$1" -At <<'SQL'
SELECT 'columns', count(*), md5(string_agg(format('%s.%s %s %s %s %s', c.relname, a.attname,
         format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
         coalesce(pg_get_expr(d.adbin, d.adrelid), '')), ',' ORDER BY n.nspname, c.relname, a.attnum))
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg_toast%' AND a.attnum > 0 AND NOT a.attisdropped;
SELECT 'indexes', count(*), md5(string_agg(schemaname || ' ' || indexdef, ',' ORDER BY schemaname, tablename, indexdef))
  FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema');
SELECT 'constraints', count(*), md5(string_agg(format('%s %s %s %s', conrelid::regclass, conname, contype,
         pg_get_constraintdef(oid)), ',' ORDER BY conrelid::regclass::text, conname))
  FROM pg_constraint WHERE connamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema');
SELECT 'sequences', count(*) FROM pg_sequences;
SELECT string_agg(format('SELECT %L, CASE WHEN is_called THEN last_value + %s ELSE last_value END FROM %I.%I',
                         schemaname || '.' || sequencename, increment_by, schemaname, sequencename),
                  ' UNION ALL ' ORDER BY schemaname, sequencename) || ' ORDER BY 1'
  FROM pg_sequences
\gexec
SQL
}

# check_db ENGINE KEY SOURCE-NAME TARGET: result[KEY] = equal, or what differs
declare -A src_rows src_struct
check_db() {
  local engine=$1 key=$2 src=$3 target=$4 rows struct what=""
  if [ "$engine" = pg ]; then
    rows=$(pg_rows "$base/$target" "${pg_extra[$src]:-}" 2>&1) || true
    struct=$(pg_struct "$base/$target" 2>&1) || true
  else
    rows=$(my_rows "$target" 2>&1) || true
    struct=$(my_struct "$target" 2>&1) || true
  fi
  if [ "$rows" != "${src_rows[$src]}" ]; then
    what="rows"
    diff <(echo "${src_rows[$src]}") <(echo "$rows") | head -10 >&2 || true
  fi
  if [ "$struct" != "${src_struct[$src]}" ]; then
    what="${what:+$what, }structure/counters"
    diff <(echo "${src_struct[$src]}") <(echo "$struct") | head -10 >&2 || true
  fi
  if [ -z "$what" ]; then result[$key]=equal; else
    result[$key]="DIFFERENT ($what)"
    fail "$key: $target differs from $src: $what"
  fi
}

########################################################################## PostgreSQL
declare -A pg_extra pg_src_bytes pg_store pg_store_files pg_dumpdir
files_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
pg_extra[pgbench]="SELECT 'balances', (SELECT sum(abalance) FROM pgbench_accounts),
  (SELECT sum(bbalance) FROM pgbench_branches), (SELECT sum(tbalance) FROM pgbench_tellers);"

small_tables_pg() { # the DO block making the small tables
  cat <<SQL
DO \$\$
BEGIN
  FOR i IN 1..$small_tables LOOP
    EXECUTE format('CREATE TABLE %I (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      account integer NOT NULL, name text NOT NULL, amount numeric(12,2),
      created timestamptz NOT NULL DEFAULT now(), note varchar(40))', 'small_' || lpad(i::text, 3, '0'));
    EXECUTE format('CREATE INDEX %I ON %I (account, created)',
      'small_' || lpad(i::text, 3, '0') || '_account', 'small_' || lpad(i::text, 3, '0'));
    EXECUTE format('INSERT INTO %I (account, name, amount, created, note)
      SELECT g %% 97, md5(g::text || %L), round((g * 7.31 + %s)::numeric, 2),
             timestamptz ''2026-01-01 00:00+00'' + g * interval ''1 minute'',
             CASE WHEN g %% 5 = 0 THEN NULL ELSE ''note '' || g END
        FROM generate_series(1, $small_rows) g', 'small_' || lpad(i::text, 3, '0'), i, i);
  END LOOP;
END
\$\$;
SQL
}

pg_dataset() { # DATASET: make the source, then every run against it
  local ds=$1 src=${prefix}_$1 store=$work/store_$1 dump=$work/dump_$1 t
  echo "PostgreSQL $ds: making the source..." >&2
  pg_create "$src" >/dev/null
  if [ "$ds" = pgbench ]; then
    "$pg_bin/pgbench" -i -s "$scale" -q "$base/$src" >>"$log" 2>&1
  else
    small_tables_pg | psql "$base/$src"
    psql "$base/$src" -c "VACUUM ANALYZE"
  fi
  pg_src_bytes[$ds]=$(psql "$base/$src" -At -c "SELECT pg_database_size(current_database())")
  src_rows[$ds]=$(pg_rows "$base/$src" "${pg_extra[$ds]:-}")
  src_struct[$ds]=$(pg_struct "$base/$src")

  echo "PostgreSQL $ds: (a) ferry snapshot create -j$jobs, pg_dump -Fd -j$jobs..." >&2
  run pg "${ds}_create" "$ferry" snapshot create "$base/$src" --store "$store" --name "$ds" -j "$jobs" --json \
    || fail "$ds: ferry snapshot create exited $?"
  run pg "${ds}_pgdump" "$pg_bin/pg_dump" -Fd -j "$jobs" -f "$dump" -d "$base/$src" \
    || fail "$ds: pg_dump -Fd exited $?"
  pg_store[$ds]=$(du -sb "$store" | cut -f1)
  pg_store_files[$ds]=$(files_bytes "$store")
  pg_dumpdir[$ds]=$(du -sb "$dump" | cut -f1)

  echo "PostgreSQL $ds: (b) ferry snapshot restore -j$jobs, pg_restore -j$jobs..." >&2
  t=${src}_r1
  pg_create "$t" >/dev/null
  run pg "${ds}_restore" "$ferry" snapshot restore "$ds" --store "$store" --to "$base/$t" -j "$jobs" --json \
    || fail "$ds: ferry snapshot restore exited $?"
  check_db pg "${ds}_restore" "$ds" "$t"
  pg_drop "$t"
  t=${src}_r2
  pg_create "$t" >/dev/null
  run pg "${ds}_pgrestore" "$pg_bin/pg_restore" -j "$jobs" -d "$base/$t" "$dump" \
    || fail "$ds: pg_restore exited $?"
  check_db pg "${ds}_pgrestore" "$ds" "$t"
  pg_drop "$t"

  echo "PostgreSQL $ds: (c) ferry copy -j$jobs, pgcopydb clone, pg_dump | psql..." >&2
  t=${src}_c1
  pg_create "$t" >/dev/null
  run pg "${ds}_copy" "$ferry" copy "$base/$src" "$base/$t" -j "$jobs" --json \
    || fail "$ds: ferry copy exited $?"
  check_db pg "${ds}_copy" "$ds" "$t"
  pg_drop "$t"
  t=${src}_c2
  pg_create "$t" >/dev/null
  # pgcopydb runs pg_dump and pg_restore from PATH: the server's own version first.
  run pg "${ds}_pgcopydb" env PATH="$pg_bin:$PATH" pgcopydb clone --source "$base/$src" --target "$base/$t" \
    --table-jobs "$jobs" --index-jobs "$jobs" --dir "$work/pgcopydb_$ds" \
    || fail "$ds: pgcopydb clone exited $?"
  check_db pg "${ds}_pgcopydb" "$ds" "$t"
  pg_drop "$t"
  t=${src}_c3
  pg_create "$t" >/dev/null
  run pg "${ds}_pipe" bash -c 'set -o pipefail; "$1/pg_dump" -d "$2" | "$1/psql" -X -q -v ON_ERROR_STOP=1 -d "$3" >/dev/null' \
    _ "$pg_bin" "$base/$src" "$base/$t" || fail "$ds: pg_dump | psql exited $?"
  check_db pg "${ds}_pipe" "$ds" "$t"
  pg_drop "$t"
  pg_drop "$src"
}

########################################################################## MariaDB
my_rows() { # DB: per table its count and the sum of CRC32 of each row's fields
  local q
  q=$(mdb -N -B -r -e "SET SESSION group_concat_max_len = 16777216;
    SELECT CONCAT(GROUP_CONCAT(CONCAT('SELECT ''', table_name, ''', COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS(''#'', ',
             cols, '))), 0) FROM \`', table_schema, '\`.\`', table_name, '\`')
           ORDER BY table_name SEPARATOR ' UNION ALL '), ' ORDER BY 1')
      FROM (SELECT table_schema, table_name,
                   GROUP_CONCAT(CONCAT('COALESCE(\`', column_name, '\`, ''~N~'')') ORDER BY ordinal_position) AS cols
              FROM information_schema.columns WHERE table_schema = '$1'
             GROUP BY table_schema, table_name) t")
  mdb -N -B -e "$q"
  mdb -N -B -e "SELECT 'sbtest1 sums', SUM(k), SUM(CRC32(c)), SUM(CRC32(pad)) FROM \`$1\`.sbtest1"
}
my_struct() { # DB: columns, indexes, AUTO_INCREMENT counters
  mdb -N -B -e "SET SESSION group_concat_max_len = 16777216;
    SELECT 'columns', COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS(' ', table_name, column_name, column_type,
             is_nullable, IFNULL(column_default, '-'), extra) ORDER BY table_name, ordinal_position))
      FROM information_schema.columns WHERE table_schema = '$1';
    SELECT 'indexes', COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS(' ', table_name, index_name, seq_in_index,
             column_name, non_unique) ORDER BY table_name, index_name, seq_in_index))
      FROM information_schema.statistics WHERE table_schema = '$1';
    SELECT 'auto_increment', COUNT(*), MD5(GROUP_CONCAT(CONCAT(table_name, '=', IFNULL(auto_increment, '-'))
             ORDER BY table_name))
      FROM information_schema.tables WHERE table_schema = '$1'"
}

my_dataset() {
  local src=${prefix}_my store=$work/store_my t
  echo "MariaDB: making the source (sbtest1 of $my_rows rows, $small_tables small tables)..." >&2
  my_create "$src"
  {
    echo "CREATE TABLE sbtest1 (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0,
      c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k)) ENGINE=InnoDB;"
    echo "INSERT INTO sbtest1 (k, c, pad)
      SELECT 1 + CRC32(seq) % $my_rows,
             LEFT(CONCAT(MD5(seq), '-', MD5(seq + 1), '-', MD5(seq + 2), '-', MD5(seq + 3)), 119),
             LEFT(CONCAT(MD5(-seq), '-', MD5(-seq - 1)), 59)
        FROM seq_1_to_$my_rows;"
    for i in $(seq 1 "$small_tables"); do
      n=$(printf 'small_%03d' "$i")
      echo "CREATE TABLE $n (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, account INT NOT NULL,
        name VARCHAR(64) NOT NULL, amount DECIMAL(12,2), created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        note VARCHAR(40), KEY ${n}_account (account, created)) ENGINE=InnoDB;"
      echo "INSERT INTO $n (account, name, amount, created, note)
        SELECT seq % 97, MD5(CONCAT(seq, '$i')), ROUND(seq * 7.31 + $i, 2),
               TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq MINUTE, IF(seq % 5 = 0, NULL, CONCAT('note ', seq))
          FROM seq_1_to_$small_rows;"
    done
    echo "ANALYZE TABLE sbtest1;"
  } | mdb "$src" >>"$log"
  my_src_bytes=$(mdb -N -B -e "SELECT SUM(data_length + index_length) FROM information_schema.tables
                               WHERE table_schema = '$src'")
  src_rows[my]=$(my_rows "$src")
  src_struct[my]=$(my_struct "$src")

  echo "MariaDB: ferry snapshot create -j$jobs, mydumper -t $jobs, mysqldump..." >&2
  run my my_create "$ferry" snapshot create "$(my_url "$src")" --store "$store" --name my -j "$jobs" --json \
    || fail "MariaDB: ferry snapshot create exited $?"
  run my my_mydumper mydumper -h "$my_host" -P "$my_port" -u "$my_user" -p "$my_pw" -B "$src" \
    -o "$work/mydumper" -t "$jobs" || fail "MariaDB: mydumper exited $?"
  run my my_mysqldump bash -c 'mariadb-dump --no-defaults -h "$1" -P "$2" -u "$3" -p"$4" --single-transaction "$5" >"$6"' \
    _ "$my_host" "$my_port" "$my_user" "$my_pw" "$src" "$work/mysqldump.sql" || fail "MariaDB: mysqldump exited $?"
  my_store=$(du -sb "$store" | cut -f1)
  my_dumpdir=$(du -sb "$work/mydumper" | cut -f1)
  my_dumpfile=$(du -sb "$work/mysqldump.sql" | cut -f1)

  echo "MariaDB: ferry snapshot restore -j$jobs, myloader -t $jobs, mysql < dump..." >&2
  t=${src}_r1
  my_create "$t"
  run my my_restore "$ferry" snapshot restore my --store "$store" --to "$(my_url "$t")" -j "$jobs" --json \
    || fail "MariaDB: ferry snapshot restore exited $?"
  check_db my my_restore my "$t"
  my_drop "$t"
  t=${src}_r2
  my_create "$t"
  run my my_myloader myloader -h "$my_host" -P "$my_port" -u "$my_user" -p "$my_pw" -d "$work/mydumper" \
    -B "$t" -t "$jobs" || fail "MariaDB: myloader exited $?"
  check_db my my_myloader my "$t"
  my_drop "$t"
  t=${src}_r3
  my_create "$t"
  run my my_mysql bash -c 'mariadb --no-defaults -h "$1" -P "$2" -u "$3" -p"$4" "$5" <"$6"' \
    _ "$my_host" "$my_port" "$my_user" "$my_pw" "$t" "$work/mysqldump.sql" || fail "MariaDB: mysql < dump exited $?"
  check_db my my_mysql my "$t"
  my_drop "$t"
  my_drop "$src"
}

want pgbench && pg_dataset pgbench
want small && pg_dataset small
want mariadb && my_dataset

########################################################################## report
[ "$failures" = 0 ] || { echo "--- log (last 60 lines) ---" >&2; tail -60 "$log" >&2; }
header() { printf '%-50s %9s %9s %9s %9s  %s\n' run "wall (s)" "cpu (s)" "srv (s)" "RSS MiB" "vs source"; }
row() { # LABEL KEY
  printf '%-50s %9.3f %9s %9s %9s  %s\n' "$1" "${wall[$2]}" "${cpu[$2]}" "${srv[$2]}" \
    "$(awk -v k="${rss[$2]}" 'BEGIN { printf "%.1f", k / 1024 }')" "${result[$2]}"
}
phases() { # LABEL KEY: the phases of a restore or copy report
  local f=$work/$2.out
  [ -s "$f" ] || return 0
  printf '  ferry %s phases: %s\n' "$1" "$(python3 - "$f" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["seconds"]
other = s["total"] - s["structure"] - s["data"] - s["indexes"] - s["verify"]
print(f"structure {s['structure']:.2f} s, rows {s['data']:.2f} s, indexes and constraints "
      f"{s['indexes']:.2f} s, verify {s['verify']:.2f} s, other (counters, ANALYZE) {other:.2f} s, "
      f"total {s['total']:.2f} s")
PY
)"
}
rss_line() { # KEY...: the peak RSS of the ferry commands against 256 MiB
  local k m
  for k in "$@"; do
    m=$(awk -v k="${rss[$k]}" 'BEGIN { printf "%.1f", k / 1024 }')
    printf '  peak RSS %-22s %7s MiB (target <= 256 MiB: %s)\n' "${k#*_}:" "$m" "$(verdict "$m" 256)"
  done
}
printf '\nsnapshots and copies, -j %s; cpu: the client'"'"'s user + system time; srv: the server'"'"'s CPU over the run\n' "$jobs"
for ds in pgbench small; do
  want "$ds" || continue
  if [ "$ds" = pgbench ]; then
    printf '\nPostgreSQL, pgbench scale %s (%s accounts), database %s MiB\n' "$scale" "$((scale * 100000))" "$(mib "${pg_src_bytes[$ds]}")"
  else
    printf '\nPostgreSQL, %s small tables of %s rows (identity key, 5 columns, an index), database %s MiB\n' \
      "$small_tables" "$small_rows" "$(mib "${pg_src_bytes[$ds]}")"
  fi
  header
  row "ferry snapshot create -j$jobs" "${ds}_create"
  row "pg_dump -Fd -j$jobs" "${ds}_pgdump"
  row "ferry snapshot restore -j$jobs (empty DB)" "${ds}_restore"
  row "pg_restore -j$jobs (empty DB)" "${ds}_pgrestore"
  row "ferry copy -j$jobs (empty DB)" "${ds}_copy"
  row "pgcopydb clone --table-jobs $jobs --index-jobs $jobs" "${ds}_pgcopydb"
  row "pg_dump | psql" "${ds}_pipe"
  phases restore "${ds}_restore"
  phases copy "${ds}_copy"
  stored=$(jfield "$work/${ds}_create.out" 'd["stored_bytes"]' 2>/dev/null || echo "?")
  printf '  stored: ferry store %s MiB (du -sb; its files alone %s MiB; report stored_bytes %s), pg_dump -Fd directory %s MiB\n' \
    "$(mib "${pg_store[$ds]}")" "$(mib "${pg_store_files[$ds]}")" "$stored" "$(mib "${pg_dumpdir[$ds]}")"
  r=$(ratio "${wall[${ds}_create]}" "${wall[${ds}_pgdump]}")
  printf '  ratio snapshot create / pg_dump -Fd:    %s (target <= 0.5: %s)\n' "$r" "$(verdict "$r" 0.5)"
  r=$(ratio "${wall[${ds}_restore]}" "${wall[${ds}_pgrestore]}")
  printf '  ratio snapshot restore / pg_restore:    %s (target <= 0.7: %s)\n' "$r" "$(verdict "$r" 0.7)"
  r=$(ratio "${wall[${ds}_copy]}" "${wall[${ds}_pgcopydb]}")
  printf '  ratio copy / pgcopydb clone:            %s (target <= 0.5: %s)\n' "$r" "$(verdict "$r" 0.5)"
  r=$(ratio "${wall[${ds}_copy]}" "${wall[${ds}_pipe]}")
  printf '  ratio copy / pg_dump | psql:            %s\n' "$r"
  r=$(ratio "${pg_store[$ds]}" "${pg_dumpdir[$ds]}")
  printf '  ratio store bytes / pg_dump -Fd bytes:  %s (target <= 1.0: %s)\n' "$r" "$(verdict "$r" 1.0)"
  rss_line "${ds}_create" "${ds}_restore" "${ds}_copy"
done
if want mariadb; then
  printf '\nMariaDB, sbtest1 (%s rows) + %s small tables of %s rows, %s MiB of data and indexes\n' \
    "$my_rows" "$small_tables" "$small_rows" "$(mib "$my_src_bytes")"
  header
  row "ferry snapshot create -j$jobs" my_create
  row "mydumper -t $jobs" my_mydumper
  row "mysqldump --single-transaction > file" my_mysqldump
  row "ferry snapshot restore -j$jobs (empty DB)" my_restore
  row "myloader -t $jobs (empty DB)" my_myloader
  row "mysql < dump (empty DB)" my_mysql
  phases restore my_restore
  printf '  stored: ferry store %s MiB, mydumper directory %s MiB, mysqldump file %s MiB\n' \
    "$(mib "$my_store")" "$(mib "$my_dumpdir")" "$(mib "$my_dumpfile")"
  printf '  ratio snapshot create / mydumper:       %s\n' "$(ratio "${wall[my_create]}" "${wall[my_mydumper]}")"
  printf '  ratio snapshot create / mysqldump:      %s\n' "$(ratio "${wall[my_create]}" "${wall[my_mysqldump]}")"
  printf '  ratio snapshot restore / myloader:      %s\n' "$(ratio "${wall[my_restore]}" "${wall[my_myloader]}")"
  printf '  ratio snapshot restore / mysql import:  %s\n' "$(ratio "${wall[my_restore]}" "${wall[my_mysql]}")"
  printf '  ratio store bytes / mydumper bytes:     %s\n' "$(ratio "$my_store" "$my_dumpdir")"
  rss_line my_create my_restore
fi
printf '\nload average at the start and the end: %s / %s\n' "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$failures" != 0 ]; then
  echo "$failures check(s) FAILED (see above)" >&2
  exit 1
fi
