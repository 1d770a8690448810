#!/usr/bin/env bash
# shellcheck disable=SC2154  # times are set through printf -v
# Release pushes over a real, rate-limited link: `ferry push` over ssh:// to 3 nodes next to
# the usual rsync + symlink routines over ssh.
#
# The nodes: each of 3 nodes is a network namespace joined to this (the root) namespace by a
# veth pair (host 10.213.N.1/30, node 10.213.N.2/30), with a `tc tbf` rate limit on both ends
# of the pair, so both directions of each node's link run at the rate. Each namespace runs its
# own sshd (own host key and config, listening on the node's address, root login with a
# throwaway key only). The nodes' release roots are separate directories on the local disk.
# Every link speed of FERRY_BENCH_RATES (default 100mbit and 1gbit) is run in turn, with
# fresh, empty node roots for each.
#
# Two deltas, each a v1 and a v2 tree:
#   synthetic: files of /usr/share (FERRY_BENCH_SYNTH_MIB of them) plus an incompressible big
#     file (FERRY_BENCH_BIG_MIB); v2 is v1 with 1 % of its files modified (a third appended
#     to, a third patched in the middle, a third rewritten), 200 removed, 200 added (50 of
#     them copies of v1 files under new names), 100 bytes inserted in the middle of the big
#     file; untouched files keep their inodes and mtimes (as bench/push_bench.sh does).
#   postgresql: two consecutive Debian builds of postgresql-15 (`apt-get download`, then
#     `dpkg -x`), FERRY_BENCH_PG_V1 and FERRY_BENCH_PG_V2. The .deb files are cached in
#     FERRY_BENCH_CACHE, which is kept between runs.
#
# Per delta and link speed, what is measured (wall time of the whole routine, flips included):
#   initial (r1), to 3 empty nodes:
#     ferry    `ferry push v1 --to ssh://... x3 --release r1 --flip --no-scan-cache`
#     rsync    per node, 3 in parallel: `ssh mkdir -p ROOT/releases`,
#              `rsync -az v1/ node:ROOT/releases/r1/`, then the flip over ssh
#              (`ln -sfn releases/r1 ROOT/current.tmp && mv -T ROOT/current.tmp ROOT/current`)
#   incremental (r2), each tool on nodes that hold r1 (the batch nodes are hard-linked copies
#   of the rsync nodes):
#     ferry    `ferry push v2 ... --release r2 --flip --no-scan-cache` (v2 read in full)
#     rsync    per node, 3 in parallel: `rsync -az --delete --link-dest=../r1 v2/
#              node:ROOT/releases/r2/`, then the flip
#     batch    `rsync -a --delete --no-whole-file --link-dest=../r1 --write-batch=B v2/
#              MIRROR/releases/r2/` once, against a local mirror of r1 (as a release host
#              keeps one), the batch compressed once with `zstd -3`, then per node, 3 in
#              parallel: `ssh node 'zstd -dc | rsync --read-batch=- -a --delete
#              --link-dest=../r1 ROOT/releases/r2/' < B.zst`, then the flip
#   bytes per node: ferry's nodes[].bytes_sent (--json), rsync's "Total bytes sent" (--stats),
#   for batch mode the size of the compressed batch file that each node is sent; and for
#   every run the bytes that actually crossed each node's veth towards the node (ssh and
#   TCP/IP included), from the kernel's interface counters.
# And, without any namespace, the initial push of each v1 on local paths: `ferry push v1 --to
# local:... x3 --flip` next to `rsync -a v1/ NODE/releases/r1/` to 3 nodes in parallel + flip.
#
# Every node's `current` is checked against its source with `diff -r --no-dereference` and a
# listing of type, mode, size and mtime of every entry; the script exits 1 if any differs.
# Targets (printed with met / NOT met):
#   incremental push wall time <= 0.5 x the fastest rsync variant, at 100 Mbit/s
#   incremental bytes per node <= 0.5 x rsync -az's, on the postgresql delta
#   initial push on local paths <= 1.0 x rsync -a's wall time
#
#   bench/push_link_bench.sh [build/cli/ferry]      (as root: namespaces, veths, tc, sshd)
# FERRY_BENCH_RATES: link speeds in tc's units (default "100mbit 1gbit");
# FERRY_BENCH_DELTAS: which deltas run (default "synthetic postgresql");
# FERRY_BENCH_SYNTH_MIB (default 80), FERRY_BENCH_BIG_MIB (default 20): the synthetic v1 (about
# 20 minutes for everything on 2 busy cores; each link speed adds a third of that);
# FERRY_BENCH_PG_V1, FERRY_BENCH_PG_V2: postgresql-15 versions (15.18-0+deb12u1, 15.20-0+deb12u1);
# FERRY_BENCH_NET: the first two octets of the nodes' 10.x.0.0/16 addresses (default 10.213);
# FERRY_BENCH_TIMEOUT: seconds any one command may take (default 900);
# FERRY_BENCH_DIR: where the scratch directory is made (default /tmp; removed at exit);
# FERRY_BENCH_CACHE: where the .deb files are kept (default FERRY_BENCH_DIR/ferry-bench-debs);
# FERRY_BENCH_OUT=FILE.json: a machine-readable summary; FERRY_BENCH_PLOT=FILE.svg: a bar
# chart of the pushes.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/release_trees.sh
source bench/release_trees.sh
ferry_src=$(realpath -m "${1:-build/cli/ferry}")
rates=${FERRY_BENCH_RATES:-100mbit 1gbit}
deltas=${FERRY_BENCH_DELTAS:-synthetic postgresql}
synth_mib=${FERRY_BENCH_SYNTH_MIB:-80}
big_mib=${FERRY_BENCH_BIG_MIB:-20}
pg_v1=${FERRY_BENCH_PG_V1:-15.18-0+deb12u1}
pg_v2=${FERRY_BENCH_PG_V2:-15.20-0+deb12u1}
net=${FERRY_BENCH_NET:-10.213}
limit=${FERRY_BENCH_TIMEOUT:-900}
scratch=${FERRY_BENCH_DIR:-/tmp}
cache=${FERRY_BENCH_CACHE:-$scratch/ferry-bench-debs}
out_json=${FERRY_BENCH_OUT:-}
out_svg=${FERRY_BENCH_PLOT:-}
# Absolute paths: the script works in other directories later.
[ -z "$out_json" ] || out_json=$(realpath -m "$out_json")
[ -z "$out_svg" ] || out_svg=$(realpath -m "$out_svg")

if [ "$(id -u)" -ne 0 ]; then
  echo "push_link_bench.sh needs root (network namespaces, veth pairs, tc, sshd)" >&2
  exit 2
fi
sshd_bin=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd_bin" ] || { echo "sshd is needed (scripts/install-deps)" >&2; exit 2; }
for tool in ip tc ssh ssh-keygen rsync zstd diff find awk python3 timeout apt-get dpkg; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (scripts/install-deps)" >&2; exit 2; }
done
for r in $rates; do
  [[ $r =~ ^[0-9]+(kbit|mbit|gbit)$ ]] || { echo "FERRY_BENCH_RATES: $r is not like 100mbit or 1gbit" >&2; exit 2; }
done
for d in $deltas; do
  case $d in synthetic | postgresql) ;; *) echo "FERRY_BENCH_DELTAS: $d is not synthetic or postgresql" >&2; exit 2 ;; esac
done
[[ $net =~ ^10\.[0-9]{1,3}$ ]] || { echo "FERRY_BENCH_NET must be like 10.213" >&2; exit 2; }
if ip -o addr show | grep " $net\." >/dev/null; then
  echo "addresses in $net.0.0/16 are in use here: pick another FERRY_BENCH_NET" >&2
  exit 2
fi

work=$(mktemp -d "$scratch/ferry-link-bench-XXXXXX")
tag=$$                          # names of the namespaces and veths of this run
nss=() hveths=()
for i in 1 2 3; do nss+=("ferry-bench-$tag-n$i"); hveths+=("fb${tag}h$i"); done

########################################################################## cleanup
# Stops the sshds (by their pid files) and anything else left in our namespaces (by pid), then
# removes the namespaces (which removes the veth pairs), the host ends if still there and the
# scratch directory.
cleanup() {
  set +e
  local i ns pid
  for i in 1 2 3; do
    ns=${nss[i - 1]}
    [ -f "$work/ssh/n$i/sshd.pid" ] && kill "$(cat "$work/ssh/n$i/sshd.pid")" 2>/dev/null
    if [ -e "/run/netns/$ns" ]; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
    ip link show "${hveths[i - 1]}" >/dev/null 2>&1 && ip link del "${hveths[i - 1]}" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log=$work/log
: >"$log"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.3f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "nan" && r <= t ? "met" : "NOT met") }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }
mean() { echo "$@" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.0f", s / NF }'; }
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# run CMD...: CMD bounded in time
run() { timeout --kill-after=10 "$limit" "$@"; }

# The binary may be rebuilt while this runs: wait for it, then work on a private copy (the
# nodes run the same copy: their namespaces share this file system).
for _ in $(seq 1 60); do [ -x "$ferry_src" ] && break; sleep 5; done
[ -x "$ferry_src" ] || { echo "no ferry binary at $ferry_src" >&2; exit 2; }
mkdir "$work/bin"
cp "$ferry_src" "$work/bin/ferry"
ferry=$work/bin/ferry
export XDG_CACHE_HOME=$work/cache   # every push says --no-scan-cache; nothing lands in ~

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$(now)
# progress MESSAGE: on stderr, with the seconds since the start
progress() { echo "[$(elapsed "$t_start" "$(now)") s] $*" >&2; }

########################################################################## the trees
# synth_v1 DIR: files of /usr/share in path order up to synth_mib MiB, plus the big file
synth_v1() {
  local dir=$1
  mkdir -p "$dir/share"
  find /usr/share -mindepth 1 \( -type f -o -type l \) -printf '%s\t%P\n' | LC_ALL=C sort -t$'\t' -k2 \
    | awk -F'\t' -v max=$((synth_mib << 20)) '{ s += $1 } s <= max { print $2 }' >"$work/synth.files"
  rsync -a --files-from="$work/synth.files" /usr/share/ "$dir/share/"
  head -c "${big_mib}M" /dev/urandom >"$dir/big.bin"
}

# synth_v2 V1 V2: v1 changed as bench/push_bench.sh changes it (release_v2)
synth_v2() {
  release_v2 "$1" "$2" "$work" "$big_mib"
  delta_note[synthetic]="v1: $nfiles files of /usr/share + a $big_mib MiB big file; v2: $nmod modified, $nrm removed, $nadd added ($ncopy copies), 100 bytes inserted in the big file"
}

# pg_tree VERSION DIR: postgresql-15=VERSION unpacked in DIR (the .deb from the cache)
pg_tree() {
  local version=$1 dir=$2 deb
  mkdir -p "$cache"
  deb=$cache/postgresql-15_${version/:/%3a}_amd64.deb
  if [ ! -s "$deb" ]; then
    (cd "$cache" && run apt-get -q -o APT::Sandbox::User=root download "postgresql-15=$version") >>"$log" 2>&1 \
      || { echo "apt-get download postgresql-15=$version failed (see apt-cache policy postgresql-15)" >&2; tail -5 "$log" >&2; exit 2; }
  fi
  mkdir -p "$dir"
  dpkg -x "$deb" "$dir"
}

declare -A delta_note
# make_trees DELTA: $work/DELTA/v1 and v2
make_trees() {
  local d=$1
  mkdir -p "$work/$d"
  case $d in
    synthetic)
      synth_v1 "$work/$d/v1"
      synth_v2 "$work/$d/v1" "$work/$d/v2"
      ;;
    postgresql)
      pg_tree "$pg_v1" "$work/$d/v1"
      pg_tree "$pg_v2" "$work/$d/v2"
      delta_note[postgresql]="postgresql-15 $pg_v1 -> $pg_v2 (dpkg -x of the Debian packages)"
      ;;
  esac
  delta_note[$d]+="; v1 $(tree_size "$work/$d/v1"), v2 $(tree_size "$work/$d/v2")"
}
tree_size() { printf '%s files, %s MB' "$(find "$1" -type f | wc -l)" "$(mb "$(du -sb "$1" | cut -f1)")"; }

########################################################################## the link
# rate_bits RATE: bits per second of a tc rate like 100mbit
rate_bits() {
  awk -v r="$1" 'BEGIN { n = r + 0; u = substr(r, length(n "") + 1)
    m = (u == "kbit") ? 1e3 : (u == "mbit") ? 1e6 : 1e9; printf "%.0f", n * m }'
}
# set_rate RATE: tbf on both ends of every node's veth pair. The bucket holds 4 ms of the
# rate (at least 64 KiB, so that a GSO packet fits); at most 50 ms of data may queue.
set_rate() {
  local rate=$1 burst i
  burst=$(awk -v b="$(rate_bits "$rate")" 'BEGIN { x = b / 8 * 0.004; if (x < 65536) x = 65536; printf "%.0f", x }')
  for i in 1 2 3; do
    tc qdisc replace dev "${hveths[i - 1]}" root tbf rate "$rate" burst "$burst" latency 50ms
    ip netns exec "${nss[i - 1]}" tc qdisc replace dev "fbn$i" root tbf rate "$rate" burst "$burst" latency 50ms
  done
}
node_addr() { echo "$net.$1.2"; }

# setup_node I: namespace, veth pair, addresses
setup_node() {
  local i=$1 ns=${nss[$1 - 1]} h=${hveths[$1 - 1]}
  ip netns add "$ns"
  ip link add "$h" type veth peer name "fbn$i" netns "$ns"
  ip addr add "$net.$i.1/30" dev "$h"
  ip link set "$h" up
  ip -n "$ns" addr add "$(node_addr "$i")/30" dev "fbn$i"
  ip -n "$ns" link set "fbn$i" up
  ip -n "$ns" link set lo up
}

# start_sshd I: an sshd inside node I's namespace, on the node's address, that takes the
# throwaway client key for root and nothing else; waits (at most 10 s) until it answers.
start_sshd() {
  local i=$1 dir=$work/ssh/n$1 addr tries=0
  addr=$(node_addr "$i")
  mkdir -p "$dir"
  chmod 700 "$dir"
  ssh-keygen -q -t ed25519 -N '' -C "ferry-bench-n$i" -f "$dir/host_key"
  printf '%s %s\n' "$addr" "$(cut -d' ' -f1,2 "$dir/host_key.pub")" >>"$work/ssh/known_hosts"
  cat >"$dir/sshd_config" <<CONF
Port 22
ListenAddress $addr
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $work/ssh/authorized_keys
AllowUsers root
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
StrictModes no
UsePAM no
PrintMotd no
MaxStartups 30:30:60
# A home without shell start-up files, as a deploy account has: what the node's shell
# sources at each connection is no part of either tool's cost.
SetEnv HOME=$work/ssh/home
LogLevel ERROR
CONF
  mkdir -p /run/sshd && chmod 755 /run/sshd   # privilege separation directory
  ip netns exec "${nss[i - 1]}" "$sshd_bin" -f "$dir/sshd_config" -E "$dir/server.log" \
    || { cat "$dir/server.log" >&2; echo "sshd of node $i did not start" >&2; exit 2; }
  until timeout 5 ssh -F "$work/ssh/config" "root@$addr" true >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { cat "$dir/server.log" >&2; echo "sshd of node $i does not answer on $addr" >&2; exit 2; }
    sleep 0.1
  done
}

setup_nodes() {
  local i
  mkdir -p "$work/ssh/home"
  ssh-keygen -q -t ed25519 -N '' -C ferry-bench-client -f "$work/ssh/client_key"
  cp "$work/ssh/client_key.pub" "$work/ssh/authorized_keys"
  chmod 600 "$work/ssh/authorized_keys"
  cat >"$work/ssh/config" <<CONF
Host *
  User root
  IdentityFile $work/ssh/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $work/ssh/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ControlMaster no
  Compression no
  ConnectTimeout 10
  ServerAliveInterval 15
  ServerAliveCountMax 4
  LogLevel ERROR
CONF
  for i in 1 2 3; do setup_node "$i"; done
  for i in 1 2 3; do start_sshd "$i"; done
}
ssh_cmd="ssh -F $work/ssh/config"
# node_ssh I CMD: CMD on node I
node_ssh() { local i=$1; shift; run ssh -F "$work/ssh/config" "root@$(node_addr "$i")" "$@"; }

# wire bytes: what crossed node I's veth towards the node so far
wire_tx() { cat "/sys/class/net/${hveths[$1 - 1]}/statistics/tx_bytes"; }
wire_snapshot() { echo "$(wire_tx 1) $(wire_tx 2) $(wire_tx 3)"; }
wire_since() { # the per-node growth since a wire_snapshot
  local a i out=()
  read -r -a a <<<"$1"
  for i in 1 2 3; do out+=($(($(wire_tx "$i") - a[i - 1]))); done
  echo "${out[@]}"
}

########################################################################## checks
warm() { find "$1" -type f -print0 | xargs -0 -r cat >/dev/null; sync; }

check_nodes() { # VAR LABEL SOURCE RELEASE ROOT...: VAR=equal, or DIFFERENT if any node differs
  local var=$1 label=$2 src=$3 rel=$4 r result=equal
  shift 4
  for r in "$@"; do check "$label $r" "$src" "$r" "$rel" || result=DIFFERENT; done
  printf -v "$var" '%s' "$result"
}

########################################################################## the routines
# roots SET: the release roots of the 3 nodes for one set of runs (node I's disk is
# $work/disk/nI)
roots() { echo "$work/disk/n1/$1" "$work/disk/n2/$1" "$work/disk/n3/$1"; }
ferry_json() { # FILE FIELD: the field of every node, in target order
  python3 -c 'import json,sys; print(" ".join(str(n[sys.argv[2]]) for n in json.load(open(sys.argv[1]))["nodes"]))' "$1" "$2"
}

# ferry_ssh SET SOURCE RELEASE JSON: ferry push to the 3 nodes over ssh
ferry_ssh() {
  local set=$1 src=$2 rel=$3 json=$4 i targets=()
  for i in 1 2 3; do targets+=("ssh://root@$(node_addr "$i")$work/disk/n$i/$set"); done
  run "$ferry" push "$src" --to "${targets[@]}" --release "$rel" --flip --no-scan-cache --json \
    --ssh "$ssh_cmd" --remote-ferry "$ferry" >"$json" 2>>"$log"
}
# ferry_local SET SOURCE RELEASE JSON: ferry push to the 3 nodes' roots as local paths
ferry_local() {
  local set=$1 src=$2 rel=$3 json=$4 r targets=()
  for r in $(roots "$set"); do targets+=("local:$r"); done
  run "$ferry" push "$src" --to "${targets[@]}" --release "$rel" --flip --no-scan-cache --json >"$json" 2>>"$log"
}

flip_cmd() { echo "ln -sfn releases/$2 $1/current.tmp && mv -T $1/current.tmp $1/current"; }
# rsync_node_ssh I SET SOURCE RELEASE STATS RSYNC-OPTIONS...: the usual routine on node I
rsync_node_ssh() {
  local i=$1 root=$work/disk/n$1/$2 src=$3 rel=$4 stats=$5
  shift 5
  # (explicit &&: errexit does not hold in a function called from a condition)
  node_ssh "$i" mkdir -p "$root/releases" \
    && run rsync -a --stats -e "$ssh_cmd" "$@" "$src/" "root@$(node_addr "$i"):$root/releases/$rel/" >"$stats" 2>>"$log" \
    && node_ssh "$i" "$(flip_cmd "$root" "$rel")"
}
# rsync_node_local ROOT SOURCE RELEASE STATS RSYNC-OPTIONS...: the same between local paths
rsync_node_local() {
  local root=$1 src=$2 rel=$3 stats=$4
  shift 4
  mkdir -p "$root/releases" \
    && run rsync -a --stats "$@" "$src/" "$root/releases/$rel/" >"$stats" 2>>"$log" \
    && bash -c "$(flip_cmd "$root" "$rel")"
}
# rsync_all WHERE SET SOURCE RELEASE STATS-PREFIX RSYNC-OPTIONS...: 3 nodes in parallel
rsync_all() {
  local where=$1 set=$2 src=$3 rel=$4 stats=$5 pids=() rc=0 i p
  shift 5
  for i in 1 2 3; do
    if [ "$where" = ssh ]; then
      rsync_node_ssh "$i" "$set" "$src" "$rel" "$stats.n$i" "$@" &
    else
      rsync_node_local "$work/disk/n$i/$set" "$src" "$rel" "$stats.n$i" "$@" &
    fi
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return $rc
}
rsync_sent() { # STATS-PREFIX: "Total bytes sent" of each node
  local i out=()
  for i in 1 2 3; do
    out+=("$(awk '/^Total bytes sent:/ { gsub(/[^0-9]/, "", $4); print $4 + 0 }' "$1.n$i")")
  done
  echo "${out[@]}"
}

# batch_all SET SOURCE MIRROR BATCH: the batch routine (see the top of the file)
batch_all() {
  local set=$1 src=$2 mirror=$3 batch=$4 pids=() rc=0 i p root
  rm -rf "$mirror/releases/r2" "$batch" "$batch.sh" "$batch.zst"
  run rsync -a --delete --no-whole-file --link-dest=../r1 --write-batch="$batch" "$src/" "$mirror/releases/r2/" >>"$log" 2>&1 \
    || return 1
  zstd -q -3 -T0 "$batch" -o "$batch.zst" || return 1
  for i in 1 2 3; do
    root=$work/disk/n$i/$set
    node_ssh "$i" "mkdir -p $root/releases && zstd -dc | rsync --read-batch=- -a --delete --link-dest=../r1 $root/releases/r2/ && $(flip_cmd "$root" r2)" \
      <"$batch.zst" >>"$log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return $rc
}

# copy_roots FROM TO: node roots holding the same releases, hard-linked
copy_roots() {
  local i
  for i in 1 2 3; do cp -a -l "$work/disk/n$i/$1" "$work/disk/n$i/$2"; done
}
drop_roots() {
  local r
  progress "  removing the node roots of $1"
  for r in $(roots "$1"); do rm -rf "$r"; done
}

########################################################################## bookkeeping
# Results, one line each: delta, link, run key, wall seconds, bytes per node (3, as the tool
# counts them), wire bytes per node (3, towards the node; "-" on local paths), check.
results=$work/results.tsv
: >"$results"
declare -A r_wall r_bytes r_wire r_ok
record() { # DELTA LINK KEY WALL BYTES WIRE CHECK
  local k="$1/$2/$3"
  r_wall[$k]=$4 r_bytes[$k]=$5 r_wire[$k]=$6 r_ok[$k]=$7
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" >>"$results"
}

# measure DELTA LINK KEY SOURCE RELEASE SET CMD...: run CMD (a routine above) from a warm
# page cache with nothing dirty, record its wall time, wire bytes and the check of the nodes;
# the bytes the tool counts are left in $work/bytes by the caller's CMD wrapper.
measure() {
  local delta=$1 link=$2 key=$3 src=$4 rel=$5 set=$6 t0 t1 w0 wire="- - -" ok
  shift 6
  warm "$src"
  progress "  $key..."
  [ "$link" = local ] || w0=$(wire_snapshot)
  t0=$(now)
  "$@" || fail "$delta $link $key: the routine failed (exit $?; see the log below)"
  t1=$(now)
  [ "$link" = local ] || wire=$(wire_since "$w0")
  progress "  $key: $(elapsed "$t0" "$t1") s; checking the nodes..."
  read -r -a node_roots <<<"$(roots "$set")"
  check_nodes ok "$delta $link $key" "$src" "$rel" "${node_roots[@]}"
  record "$delta" "$link" "$key" "$(elapsed "$t0" "$t1")" "$(cat "$work/bytes" 2>/dev/null || echo "0 0 0")" "$wire" "$ok"
  rm -f "$work/bytes"
}

# The runs, each leaving the per-node bytes its tool counted in $work/bytes.
do_ferry_ssh() { # SET SOURCE RELEASE
  local json=$work/$1.$3.json
  ferry_ssh "$1" "$2" "$3" "$json" || { ferry_json "$json" bytes_sent >"$work/bytes" 2>/dev/null; return 1; }
  ferry_json "$json" bytes_sent >"$work/bytes"
}
do_ferry_local() {
  local json=$work/$1.$3.local.json
  ferry_local "$1" "$2" "$3" "$json" || return 1
  ferry_json "$json" bytes_sent >"$work/bytes"
}
do_rsync() { # WHERE SET SOURCE RELEASE RSYNC-OPTIONS...
  local where=$1 set=$2 src=$3 rel=$4 rc=0
  shift 4
  rsync_all "$where" "$set" "$src" "$rel" "$work/$set.$rel.stats" "$@" || rc=1
  rsync_sent "$work/$set.$rel.stats" >"$work/bytes" 2>/dev/null || true
  return $rc
}
do_batch() { # SET SOURCE MIRROR
  local batch=$work/$1.batch rc=0 size
  batch_all "$1" "$2" "$3" "$batch" || rc=1
  size=$(stat -c %s "$batch.zst" 2>/dev/null || echo 0)
  echo "$size $size $size" >"$work/bytes"
  stat -c %s "$batch" >"$work/batch_raw" 2>/dev/null || echo 0 >"$work/batch_raw"
  return $rc
}

########################################################################## one delta
# local_initial DELTA: the initial push of v1 between local paths, no namespace involved
local_initial() {
  local d=$1 v1=$work/$1/v1
  progress "$d, local paths: initial push of v1"
  measure "$d" local ferry_r1 "$v1" r1 "$d-local-ferry" do_ferry_local "$d-local-ferry" "$v1" r1
  measure "$d" local rsync_r1 "$v1" r1 "$d-local-rsync" do_rsync local "$d-local-rsync" "$v1" r1
  drop_roots "$d-local-ferry"
  drop_roots "$d-local-rsync"
}

# link_runs DELTA RATE: every push of the delta over links of RATE, on fresh nodes
link_runs() {
  local d=$1 rate=$2 v1=$work/$1/v1 v2=$work/$1/v2 f=$1-$2-ferry r=$1-$2-rsync b=$1-$2-batch
  progress "$d, $rate links: initial push of v1"
  set_rate "$rate"
  measure "$d" "$rate" ferry_r1 "$v1" r1 "$f" do_ferry_ssh "$f" "$v1" r1
  measure "$d" "$rate" rsync_r1 "$v1" r1 "$r" do_rsync ssh "$r" "$v1" r1 -z
  copy_roots "$r" "$b"
  progress "$d, $rate links: incremental push of v2"
  measure "$d" "$rate" ferry_r2 "$v2" r2 "$f" do_ferry_ssh "$f" "$v2" r2
  measure "$d" "$rate" rsync_r2 "$v2" r2 "$r" do_rsync ssh "$r" "$v2" r2 -z --delete --link-dest=../r1
  measure "$d" "$rate" batch_r2 "$v2" r2 "$b" do_batch "$b" "$v2" "$work/$d/mirror"
  r_batch_raw[$d/$rate]=$(cat "$work/batch_raw")
  drop_roots "$f"
  drop_roots "$r"
  drop_roots "$b"
}
declare -A r_batch_raw

########################################################################## run
echo "scratch directory $work; ferry $ferry_src" >&2
for d in $deltas; do
  progress "building the $d trees..."
  make_trees "$d"
  # The release host's mirror of r1 that the batch is written against.
  mkdir -p "$work/$d/mirror/releases"
  cp -a "$work/$d/v1" "$work/$d/mirror/releases/r1"
done
for d in $deltas; do local_initial "$d"; done
progress "setting up 3 nodes (namespaces, veths, sshd)..."
setup_nodes
for rate in $rates; do
  for d in $deltas; do link_runs "$d" "$rate"; done
done

########################################################################## report
[ "$failures" = 0 ] || { echo "--- log ---" >&2; tail -50 "$log" >&2; }
declare -A label=(
  [ferry_r1]="ferry push --flip"
  [rsync_r1]="rsync -az, 3 in parallel + flip"
  [ferry_r2]="ferry push --flip"
  [rsync_r2]="rsync -az --delete --link-dest, 3 in parallel + flip"
  [batch_r2]="rsync --write-batch once, --read-batch x3 + flip"
)
printf '\nrelease push to 3 nodes over ssh, each node in its own network namespace behind a tbf-limited veth pair\n'
for d in $deltas; do printf '%s: %s\n' "$d" "${delta_note[$d]}"; done
printf '\n%-11s %-8s %-12s %-52s %9s %14s %14s  %s\n' delta link phase run "wall (s)" "bytes/node" "wire/node" "nodes vs source"
row() { # DELTA LINK KEY
  local k="$1/$2/$3" phase=initial
  [[ $3 == *_r2 ]] && phase=incremental
  local lab=${label[$3]}
  [ "$2" = local ] && [ "$3" = rsync_r1 ] && lab="rsync -a, 3 in parallel + flip"
  printf '%-11s %-8s %-12s %-52s %9.3f %14s %14s  %s\n' "$1" "$2" "$phase" "$lab" "${r_wall[$k]}" \
    "$(mean "${r_bytes[$k]}")" "$(if [ "$2" = local ]; then echo -; else mean "${r_wire[$k]}"; fi)" "${r_ok[$k]}"
}
for d in $deltas; do
  row "$d" local ferry_r1
  row "$d" local rsync_r1
  for rate in $rates; do
    for key in ferry_r1 rsync_r1 ferry_r2 rsync_r2 batch_r2; do row "$d" "$rate" "$key"; done
  done
done
echo "(bytes/node: ferry's nodes[].bytes_sent, rsync's \"Total bytes sent\", the zstd-compressed batch file;"
echo " wire/node: bytes that crossed the node's veth towards it, ssh and TCP/IP included; means of the 3 nodes)"
for d in $deltas; do
  for rate in $rates; do
    printf 'batch file of %s at %s: %s bytes, %s compressed\n' "$d" "$rate" "${r_batch_raw[$d/$rate]}" \
      "$(mean "${r_bytes[$d/$rate/batch_r2]}")"
  done
done
for n in "${notes[@]}"; do
  printf 'note: %s: the top directory of the release has not the source'"'"'s mtime\n' "$n"
done

# Ratios and targets; also collected for the summary file.
ratios=$work/ratios.tsv
: >"$ratios"
ratio_line() { # NAME VALUE TARGET ("" for none)
  local v=""
  [ -z "$3" ] || v=$(verdict "$2" "$3")
  printf '  %-78s %7s %s\n' "$1" "$2" "${3:+(target <= $3: $v)}"
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$v" >>"$ratios"
}
printf '\nratios, ferry / the other\n'
for d in $deltas; do
  printf '%s:\n' "$d"
  ratio_line "$d: initial push on local paths, wall vs rsync -a" \
    "$(ratio "${r_wall[$d/local/ferry_r1]}" "${r_wall[$d/local/rsync_r1]}")" 1.0
  for rate in $rates; do
    k=$d/$rate
    ratio_line "$d @ $rate: initial push, wall vs rsync -az" "$(ratio "${r_wall[$k/ferry_r1]}" "${r_wall[$k/rsync_r1]}")" ""
    ratio_line "$d @ $rate: initial push, bytes/node vs rsync -az" \
      "$(ratio "$(mean "${r_bytes[$k/ferry_r1]}")" "$(mean "${r_bytes[$k/rsync_r1]}")")" ""
    best=rsync_r2
    awk -v a="${r_wall[$k/batch_r2]}" -v b="${r_wall[$k/rsync_r2]}" 'BEGIN { exit !(a < b) }' && best=batch_r2
    ratio_line "$d @ $rate: incremental, wall vs the fastest rsync ($([ $best = rsync_r2 ] && echo "-az --link-dest" || echo batch))" \
      "$(ratio "${r_wall[$k/ferry_r2]}" "${r_wall[$k/$best]}")" "$([ "$rate" = 100mbit ] && echo 0.5)"
    ratio_line "$d @ $rate: incremental, bytes/node vs rsync -az --link-dest" \
      "$(ratio "$(mean "${r_bytes[$k/ferry_r2]}")" "$(mean "${r_bytes[$k/rsync_r2]}")")" "$([ "$d" = postgresql ] && echo 0.5)"
    ratio_line "$d @ $rate: incremental, wire bytes/node vs rsync -az --link-dest" \
      "$(ratio "$(mean "${r_wire[$k/ferry_r2]}")" "$(mean "${r_wire[$k/rsync_r2]}")")" ""
    ratio_line "$d @ $rate: incremental, bytes/node vs the batch file" \
      "$(ratio "$(mean "${r_bytes[$k/ferry_r2]}")" "$(mean "${r_bytes[$k/batch_r2]}")")" ""
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'load average at the start and the end: %s / %s; %s s in all\n' "$load_start" "$load_end" "$(elapsed "$t_start" "$(now)")"

########################################################################## summary files
# summary.py RESULTS RATIOS JSON-OUT SVG-OUT META...: the JSON summary and the SVG chart
cat >"$work/summary.py" <<'PY'
import json, sys
from xml.sax.saxutils import escape

results_file, ratios_file, json_out, svg_out = sys.argv[1:5]
meta = dict(a.split("=", 1) for a in sys.argv[5:])
runs = []
for line in open(results_file):
    d, link, key, wall, nbytes, wire, check = line.rstrip("\n").split("\t")
    runs.append({
        "delta": d, "link": link, "run": key,
        "phase": "incremental" if key.endswith("_r2") else "initial",
        "tool": key.split("_")[0], "wall_seconds": float(wall),
        "bytes_per_node": [int(x) for x in nbytes.split()],
        "wire_bytes_per_node": None if wire.startswith("-") else [int(x) for x in wire.split()],
        "nodes_vs_source": check,
    })
ratios = []
for line in open(ratios_file):
    name, value, target, met = line.rstrip("\n").split("\t")
    ratios.append({"name": name, "value": None if value == "nan" else float(value),
                   "target": float(target) if target else None,
                   "met": (met == "met") if target else None})
if json_out:
    with open(json_out, "w") as f:
        json.dump({"benchmark": "push_link_bench", **meta, "runs": runs, "ratios": ratios}, f, indent=2)
        f.write("\n")

if svg_out:
    names = {"ferry_r1": "ferry", "rsync_r1": "rsync -az", "ferry_r2": "ferry",
             "rsync_r2": "rsync -az --link-dest", "batch_r2": "rsync batch"}
    colors = {"ferry": "#1f77b4", "rsync": "#ff7f0e", "batch": "#2ca02c"}
    panels = []
    for r in runs:
        key = (r["delta"], r["link"], r["phase"])
        if key not in [p[0] for p in panels]:
            panels.append((key, []))
        next(p for p in panels if p[0] == key)[1].append(r)
    cols, pw, ph = 2, 470, 125
    rows = (len(panels) + cols - 1) // cols
    width, height = cols * pw + 20, rows * ph + 60
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="14">Release push to 3 nodes: wall time (s), '
           f'{escape(meta.get("date", ""))}</text>']
    for n, ((d, link, phase), rs) in enumerate(panels):
        x0, y0 = 10 + (n % cols) * pw, 40 + (n // cols) * ph
        out.append(f'<text x="{x0}" y="{y0 + 14}" font-size="12">{escape(f"{d}, {link}, {phase}")}</text>')
        top = max(r["wall_seconds"] for r in rs) or 1
        bar_w = pw - 300
        for j, r in enumerate(rs):
            y = y0 + 26 + j * 26
            w = max(1, bar_w * r["wall_seconds"] / top)
            lab = names[r["run"]] if link != "local" or r["tool"] == "ferry" else "rsync -a"
            out.append(f'<text x="{x0}" y="{y + 13}">{escape(lab)}</text>')
            out.append(f'<rect x="{x0 + 130}" y="{y}" width="{w:.1f}" height="18" fill="{colors[r["tool"]]}"/>')
            mbn = sum(r["bytes_per_node"]) / len(r["bytes_per_node"]) / 1e6
            out.append(f'<text x="{x0 + 134 + w:.1f}" y="{y + 13}">{r["wall_seconds"]:.2f} s, {mbn:.1f} MB/node</text>')
    out.append("</svg>")
    with open(svg_out, "w") as f:
        f.write("\n".join(out) + "\n")
PY
if [ -n "$out_json$out_svg" ]; then
  python3 "$work/summary.py" "$results" "$ratios" "$out_json" "$out_svg" \
    "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" "rates=$rates" "deltas=$deltas" \
    "synthetic_mib=$synth_mib" "big_mib=$big_mib" "postgresql=$pg_v1 -> $pg_v2" \
    "rsync=$(rsync --version | head -1)" "load_start=$load_start" "load_end=$load_end" \
    "failures=$failures"
  [ -z "$out_json" ] || echo "summary: $out_json"
  [ -z "$out_svg" ] || echo "chart: $out_svg"
fi

if [ "$failures" != 0 ]; then
  echo "$failures check(s) FAILED (see above)" >&2
  exit 1
fi
