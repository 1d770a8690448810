#!/usr/bin/env bash
# shellcheck disable=SC2154  # times and checks are set through printf -v
# Release push of a large realistic tree to 3 local nodes: `ferry push` next to the usual
# rsync + symlink routine.
#   v1: copies of /usr/lib/x86_64-linux-gnu and /usr/share, plus one incompressible big file
#   v2: v1 with ~1 % of its files modified (a third appended to, a third patched in the
#       middle, a third rewritten), ~200 files added (150 new, 50 copies of existing files
#       under new names), ~200 removed, and 100 bytes inserted in the middle of the big
#       file; untouched files keep their inodes and mtimes
#   (a) initial: `ferry push v1 --release r1 --flip` to 3 nodes, next to
#       `rsync -a v1/ NODE/releases/r1/` to 3 nodes in parallel, each then flipping `current`
#   (b) incremental: `ferry push v2 --release r2 --flip`, once from a directory it never
#       scanned (every file is read) and once from the directory v1 was pushed from (its scan
#       cache spares the unchanged files), next to
#       `rsync -a --delete --link-dest=../r1 v2/ NODE/releases/r2/` to 3 nodes in parallel,
#       then a flip; rsync as it runs between local paths (whole files), with --no-whole-file
#       (its delta algorithm, as over a network) and with -z --no-whole-file. Each of these
#       five runs has its own 3 nodes, holding the same r1 (hard-linked copies).
# Each run starts with the page cache warm (the source read once) and nothing dirty (sync).
# Every node's `current` is checked against its source with `diff -r --no-dereference` and a
# listing of type, mode, size and mtime of every entry; the script exits 1 if any differs.
# Prints wall time and bytes sent (ferry: nodes[].bytes_sent of --json; rsync: "Total bytes
# sent" of --stats, summed over the nodes) per run, and the ratios with their targets.
#
#   bench/push_bench.sh [build/cli/ferry]
# FERRY_BENCH_TREE=full (default, about 2 GB) or small (a few hundred MB of /usr/share);
# FERRY_BENCH_BIG_MIB: size of the big file (default 200, small: 50);
# FERRY_BENCH_DIR: where the scratch directory is made (default /tmp); it is removed at exit,
# and holds everything the runs write, ferry's scan cache included.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/release_trees.sh
source bench/release_trees.sh
ferry_src=$(realpath -m "${1:-build/cli/ferry}")
tree=${FERRY_BENCH_TREE:-full}
case $tree in
  full) big_mib=${FERRY_BENCH_BIG_MIB:-200} ;;
  small) big_mib=${FERRY_BENCH_BIG_MIB:-50} ;;
  *) echo "FERRY_BENCH_TREE must be full or small" >&2; exit 2 ;;
esac
for tool in rsync diff find awk; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done

work=$(mktemp -d "${FERRY_BENCH_DIR:-/tmp}/ferry-push-bench-XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
log=$work/log

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t ? "met" : "NOT met") }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The binary may be rebuilt while this runs: wait for it, then work on a private copy.
for _ in $(seq 1 60); do [ -x "$ferry_src" ] && break; sleep 5; done
[ -x "$ferry_src" ] || { echo "no ferry binary at $ferry_src" >&2; exit 2; }
mkdir "$work/bin"
cp "$ferry_src" "$work/bin/ferry"
ferry=$work/bin/ferry

# JSON fields of ferry's report, with jq if it is there, else python3.
if command -v jq >/dev/null; then
  ferry_bytes() { jq '[.nodes[].bytes_sent] | add' "$1"; }
  ferry_max() { jq "[.nodes[].$2] | max" "$1"; }  # FILE FIELD: the largest over the nodes
  ferry_scan() { jq '.scan_seconds' "$1"; }
  ferry_nodes() {
    jq -r '.nodes[] | [(.target | split("/") | last), .status, .linked, .assembled, .resumed,
             .new_bytes, .need_bytes, .need_chunks, .bytes_sent, .stage_seconds] | @tsv' "$1"
  }
else
  ferry_bytes() { python3 -c 'import json,sys; print(sum(n["bytes_sent"] for n in json.load(open(sys.argv[1]))["nodes"]))' "$1"; }
  ferry_scan() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["scan_seconds"])' "$1"; }
  ferry_max() { python3 -c 'import json,sys; print(max(n[sys.argv[2]] for n in json.load(open(sys.argv[1]))["nodes"]))' "$1" "$2"; }
  ferry_nodes() {
    python3 - "$1" <<'PY'
import json, sys
for n in json.load(open(sys.argv[1]))["nodes"]:
    n["target"] = n["target"].rsplit("/", 1)[-1]
    print("\t".join(str(n[k]) for k in ("target", "status", "linked", "assembled", "resumed",
          "new_bytes", "need_bytes", "need_chunks", "bytes_sent", "stage_seconds")))
PY
  }
fi

load_start=$(cut -d' ' -f1-3 /proc/loadavg)

########################################################################## the trees
echo "building v1 ($tree tree, $big_mib MiB big file) under $work..." >&2
v1=$work/v1 v2=$work/v2
mkdir -p "$v1/lib" "$v1/share"
if [ "$tree" = full ]; then
  cp -a /usr/lib/x86_64-linux-gnu "$v1/lib/"
  cp -a /usr/share/. "$v1/share/"
else
  for d in doc man locale perl vim; do
    [ -d "/usr/share/$d" ] && cp -a "/usr/share/$d" "$v1/share/"
  done
fi
head -c "${big_mib}M" /dev/urandom >"$v1/big.bin"

echo "building v2 from v1..." >&2
release_v2 "$v1" "$v2" "$work" "$big_mib"

v1_bytes=$(du -sb "$v1" | cut -f1)
v1_files=$(find "$v1" -type f | wc -l)
v2_files=$(find "$v2" -type f | wc -l)
v2_links=$(find "$v2" -type l | wc -l)
echo "v1: $v1_files files, $(mib "$v1_bytes") MiB; v2: $nmod modified, $nrm removed, $nadd added ($ncopy of them copies), big file +100 bytes" >&2

########################################################################## helpers
# warm: read the source once so every run starts from the same page cache; sync so that no
# run pays for writing back another's data.
warm() { find "$1" -type f -print0 | xargs -0 -r cat >/dev/null; sync; }

# time_cmd VAR CMD...: run CMD (stdout to $work/out, stderr to the log), wall time in VAR,
# the time of a `sync` right after it in VAR_sync
time_cmd() {
  local var=$1 t0 t1 t2 rc=0
  shift
  t0=$(now)
  "$@" >"$work/out" 2>>"$log" || rc=$?
  t1=$(now)
  sync
  t2=$(now)
  printf -v "$var" '%s' "$(elapsed "$t0" "$t1")"
  printf -v "${var}_sync" '%s' "$(elapsed "$t1" "$t2")"
  return $rc
}

check_all() { # VAR LABEL SOURCE RELEASE ROOT...: VAR=equal, or DIFFERENT if any node differs
  local var=$1 label=$2 src=$3 rel=$4 r result=equal
  shift 4
  for r in "$@"; do check "$label $(basename "$r")" "$src" "$r" "$rel" || result=DIFFERENT; done
  printf -v "$var" '%s' "$result"
}

nodes() { local s=$1; echo "$work/$s/n1" "$work/$s/n2" "$work/$s/n3"; }

# ferry_push SET SOURCE RELEASE: the 3 nodes of SET
ferry_push() {
  local set=$1 src=$2 rel=$3 n targets=()
  for n in $(nodes "$set"); do targets+=("local:$n"); done
  "$ferry" push "$src" --to "${targets[@]}" --release "$rel" --flip --json
}
# copy_set FROM TO: a second set of nodes holding the same releases, hard-linked (ferry's
# own records, which it rewrites, are copied)
copy_set() {
  local i
  mkdir -p "$work/$2"
  for i in 1 2 3; do
    cp -a -l "$work/$1/n$i" "$work/$2/"
    if [ -d "$work/$1/n$i/.ferry" ]; then
      rm -rf "$work/$2/n$i/.ferry"
      cp -a "$work/$1/n$i/.ferry" "$work/$2/n$i/"
    fi
  done
}

# rsync_node SOURCE ROOT RELEASE STATS RSYNC-OPTIONS...: the usual routine on one node
rsync_node() {
  local src=$1 root=$2 rel=$3 stats=$4
  shift 4
  # (explicit &&: errexit does not hold in a function called from a condition)
  mkdir -p "$root/releases" \
    && rsync -a --stats "$@" "$src/" "$root/releases/$rel/" >"$stats" \
    && ln -sfn "releases/$rel" "$root/current.tmp" \
    && mv -T "$root/current.tmp" "$root/current"
}
# rsync_run SET SOURCE RELEASE RSYNC-OPTIONS...: the 3 nodes of SET in parallel
rsync_run() {
  local set=$1 src=$2 rel=$3 pids=() rc=0 i p
  shift 3
  for i in 1 2 3; do
    rsync_node "$src" "$work/$set/n$i" "$rel" "$work/$set.$rel.n$i.stats" "$@" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return $rc
}
rsync_bytes() { # SET RELEASE: "Total bytes sent" over the 3 nodes
  cat "$work/$1.$2".n?.stats | awk '/^Total bytes sent:/ { gsub(/[^0-9]/, "", $4); s += $4 } END { print s + 0 }'
}

# ferry keeps a scan cache per source directory (by its path): the next push of the same
# directory reads only the files whose size, mtime, ctime or inode changed. ferry pushes v1
# from $work/build (v1 renamed there and back), so that v2 can be pushed twice: from its own
# directory (never scanned: every file is read) and from $work/build (v2 renamed there, as
# when a build directory is rebuilt in place). The cache lives in the scratch directory.
export XDG_CACHE_HOME=$work/cache
build=$work/build

declare -A w_time w_sync w_bytes w_ok   # wall, sync after, bytes sent, check, by run
run_ferry() { # KEY SET SOURCE-DIR PUSH-FROM RELEASE
  local key=$1 set=$2 src=$3 from=$4 rel=$5 t t_sync ok
  warm "$src"
  [ "$from" = "$src" ] || mv -T "$src" "$from"
  time_cmd t ferry_push "$set" "$from" "$rel" || fail "ferry push $rel ($key) exited $?"
  [ "$from" = "$src" ] || mv -T "$from" "$src"
  cp "$work/out" "$work/$key.json"
  w_time[$key]=$t w_sync[$key]=$t_sync
  w_bytes[$key]=$(ferry_bytes "$work/$key.json")
  read -r -a set_nodes <<<"$(nodes "$set")"
  check_all ok "$key" "$src" "$rel" "${set_nodes[@]}"
  w_ok[$key]=$ok
}
run_rsync() { # KEY SET SOURCE RELEASE RSYNC-OPTIONS...
  local key=$1 set=$2 src=$3 rel=$4 t t_sync ok
  shift 4
  warm "$src"
  time_cmd t rsync_run "$set" "$src" "$rel" "$@" || fail "rsync $* of $rel failed"
  w_time[$key]=$t w_sync[$key]=$t_sync
  w_bytes[$key]=$(rsync_bytes "$set" "$rel")
  read -r -a set_nodes <<<"$(nodes "$set")"
  check_all ok "$key" "$src" "$rel" "${set_nodes[@]}"
  w_ok[$key]=$ok
}

########################################################################## (a) initial
echo "(a) initial push of v1: ferry..." >&2
run_ferry ferry_r1 ferry "$v1" "$build" r1
echo "(a) initial push of v1: rsync -a, 3 nodes in parallel..." >&2
run_rsync rsync_r1 rsync "$v1" r1
# Every incremental run starts from the same r1: hard-linked copies of the first sets.
copy_set ferry ferry_cached
copy_set rsync rsync_delta
copy_set rsync rsync_z

########################################################################## (b) incremental
echo "(b) incremental push of v2: ferry, from v2's own directory..." >&2
run_ferry ferry_r2 ferry "$v2" "$v2" r2
echo "(b) incremental push of v2: ferry, from the directory v1 was pushed from..." >&2
run_ferry ferry_cached_r2 ferry_cached "$v2" "$build" r2
rsync_variants=(rsync_r2 rsync_delta_r2 rsync_z_r2)
declare -A rsync_label=(
  [rsync_r2]="rsync -a --delete --link-dest (whole files)"
  [rsync_delta_r2]="rsync ... --no-whole-file (delta)"
  [rsync_z_r2]="rsync ... -z --no-whole-file"
)
echo "(b) incremental push of v2: rsync -a --delete --link-dest=../r1, 3 nodes in parallel..." >&2
run_rsync rsync_r2 rsync "$v2" r2 --delete --link-dest=../r1
echo "(b) incremental push of v2: the same with --no-whole-file..." >&2
run_rsync rsync_delta_r2 rsync_delta "$v2" r2 --delete --link-dest=../r1 --no-whole-file
echo "(b) incremental push of v2: the same with -z --no-whole-file..." >&2
run_rsync rsync_z_r2 rsync_z "$v2" r2 --delete --link-dest=../r1 --no-whole-file -z

# Where ferry's incremental time goes, on the nodes of its first run (which hold r1 and r2):
#   a dry run of v2 as r3: scan and plan only; what it sends is the request and the manifest
#   a push of v2 as r3 (no flip): every file is linked from r2, nothing else is sent
#   yardstick: `cp -al` of r1 on the 3 nodes in parallel, the bare cost of the links
echo "where ferry's time goes: dry run, a push with everything linked, cp -al..." >&2
ferry_targets=()
for n in $(nodes ferry); do ferry_targets+=("local:$n"); done
warm "$v2"
t0=$(now)
"$ferry" push "$v2" --to "${ferry_targets[@]}" --release r3 --dry-run --json >"$work/ferry.dry.json" 2>>"$log" \
  || fail "ferry push --dry-run exited $?"
t1=$(now)
dry_wall=$(elapsed "$t0" "$t1")
dry_bytes=$(ferry_max "$work/ferry.dry.json" bytes_sent)
warm "$v2"
t0=$(now)
"$ferry" push "$v2" --to "${ferry_targets[@]}" --release r3 --json >"$work/ferry.r3.json" 2>>"$log" \
  || fail "ferry push r3 exited $?"
t1=$(now)
relink_wall=$(elapsed "$t0" "$t1")
sync
t0=$(now)
for n in $(nodes ferry); do cp -al "$n/releases/r1" "$n/cp-al-r1" & done
wait
t1=$(now)
cpal_wall=$(elapsed "$t0" "$t1")

########################################################################## report
[ "$failures" = 0 ] || { echo "--- log ---" >&2; tail -50 "$log" >&2; }
printf '\nrelease push to 3 local nodes, %s tree: v1 %s files + %s MiB big file, %s MiB in all\n' \
  "$tree" "$((v1_files - 1))" "$big_mib" "$(mib "$v1_bytes")"
printf 'v2: %s files modified, %s removed, %s added (%s copies of v1 files), 100 bytes inserted in the big file; %s files, %s symlinks\n' \
  "$nmod" "$nrm" "$nadd" "$ncopy" "$v2_files" "$v2_links"
printf '%-12s %-52s %9s %14s %10s  %s\n' phase tool "wall (s)" "bytes sent" "sync (s)" "nodes vs source"
row() { # PHASE LABEL KEY
  printf '%-12s %-52s %9.3f %14s %10.3f  %s\n' "$1" "$2" "${w_time[$3]}" "${w_bytes[$3]}" "${w_sync[$3]}" "${w_ok[$3]}"
}
row initial "ferry push --flip" ferry_r1
row initial "rsync -a, 3 in parallel + flip" rsync_r1
row incremental "ferry push --flip, v2 never scanned (reads all)" ferry_r2
row incremental "ferry push --flip, v2 where v1 was (scan cache)" ferry_cached_r2
for key in "${rsync_variants[@]}"; do row incremental "${rsync_label[$key]}" "$key"; done
echo "(sync: a \`sync\` right after the run, not in its wall time; ferry syncs the nodes' file system itself)"

ferry_report() { # KEY TITLE
  printf '\nferry, incremental push, %s (scan %.3f s of %.3f s wall):\n' "$2" "$(ferry_scan "$work/$1.json")" "${w_time[$1]}"
  printf '%-6s %-8s %8s %10s %8s %14s %14s %12s %14s %10s\n' node status linked assembled resumed \
    new_bytes need_bytes need_chunks bytes_sent "stage (s)"
  ferry_nodes "$work/$1.json" | while IFS=$'\t' read -r n s l a r nb nd nc bs st; do
    printf '%-6s %-8s %8s %10s %8s %14s %14s %12s %14s %10.3f\n' "$n" "$s" "$l" "$a" "$r" "$nb" "$nd" "$nc" "$bs" "$st"
  done
}
ferry_report ferry_r2 "v2 never scanned"
ferry_report ferry_cached_r2 "v2 where v1 was (scan cache)"
printf '\nwhere the time goes (ferry'"'"'s nodes, 3 in parallel):            wall (s)   scan (s)  stage (s, slowest node)\n'
printf '%-60s %9.3f %10.3f %10.3f\n' "ferry push --dry-run of v2 (scan, plan)" "$dry_wall" \
  "$(ferry_scan "$work/ferry.dry.json")" "$(ferry_max "$work/ferry.dry.json" stage_seconds)"
printf '%-60s %9.3f %10.3f %10.3f  (%s files linked per node)\n' "ferry push of v2 again as r3 (nothing to send)" "$relink_wall" \
  "$(ferry_scan "$work/ferry.r3.json")" "$(ferry_max "$work/ferry.r3.json" stage_seconds)" "$(ferry_max "$work/ferry.r3.json" linked)"
printf '%-60s %9.3f\n' "yardstick: cp -al of r1, 3 nodes in parallel" "$cpal_wall"
printf 'of each node'"'"'s bytes_sent, %s are the request and manifest (what the --dry-run sent)\n' "$dry_bytes"
for n in "${notes[@]}"; do
  printf 'note: %s: the top directory of the release has not the source'"'"'s mtime\n' "$n"
done

best_time="" best_time_key="" best_bytes="" best_bytes_key=""
for key in "${rsync_variants[@]}"; do
  if [ -z "$best_time" ] || awk -v a="${w_time[$key]}" -v b="$best_time" 'BEGIN { exit !(a < b) }'; then
    best_time=${w_time[$key]} best_time_key=$key
  fi
  if [ -z "$best_bytes" ] || [ "${w_bytes[$key]}" -lt "$best_bytes" ]; then
    best_bytes=${w_bytes[$key]} best_bytes_key=$key
  fi
done
printf '\nratios, ferry / rsync\n'
printf 'initial: wall %s, bytes %s\n' "$(ratio "${w_time[ferry_r1]}" "${w_time[rsync_r1]}")" \
  "$(ratio "${w_bytes[ferry_r1]}" "${w_bytes[rsync_r1]}")"
for f in ferry_r2 ferry_cached_r2; do
  [ "$f" = ferry_r2 ] && printf 'incremental, ferry with v2 never scanned:\n' || printf 'incremental, ferry with the scan cache:\n'
  for key in "${rsync_variants[@]}"; do
    rb=$(ratio "${w_bytes[$f]}" "${w_bytes[$key]}")
    printf '  vs %-46s wall %s   bytes %s (target <= 1.0: %s)\n' "${rsync_label[$key]}:" \
      "$(ratio "${w_time[$f]}" "${w_time[$key]}")" "$rb" "$(verdict "$rb" 1.0)"
  done
  rt=$(ratio "${w_time[$f]}" "$best_time")
  rb=$(ratio "${w_bytes[$f]}" "$best_bytes")
  printf '  wall vs the fastest rsync (%s): %s (target <= 0.5: %s)\n' "${rsync_label[$best_time_key]}" "$rt" "$(verdict "$rt" 0.5)"
  printf '  bytes vs the fewest rsync (%s): %s (target <= 1.0: %s)\n' "${rsync_label[$best_bytes_key]}" "$rb" "$(verdict "$rb" 1.0)"
done
printf 'load average at the start and the end: %s / %s\n' "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$failures" != 0 ]; then
  echo "$failures check(s) FAILED (see above)" >&2
  exit 1
fi
