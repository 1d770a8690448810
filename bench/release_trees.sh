# shellcheck shell=bash
# Sourced by the push benchmarks: the synthetic second release both of them push, and the
# check that a node's release equals its source.
#
# release_v2 V1 V2 WORK BIG_MIB: V2 as V1 (hard-linked) with, in a fixed pseudo-random order of
# V1's regular files other than big.bin, the first 1 % modified (a third appended to, a third
# patched in the middle, a third rewritten), the next 200 removed, the next 200 giving the
# places (and 50 of them the content) of added files, and 100 bytes inserted in the middle of
# big.bin (BIG_MIB MiB). Untouched files keep their inodes and mtimes. WORK holds the order.
# Sets nfiles, nmod, nrm, nadd and ncopy for the caller's report.

# unlink_copy PATH: gives PATH its own inode (v2 is hard-linked to v1) before it is changed.
unlink_copy() { cp -p "$1" "$1.ferry-tmp" && mv "$1.ferry-tmp" "$1"; }

release_v2() {
  local v1=$1 v2=$2 work=$3 big_mib=$4 i f p size dir half
  nrm=200 nadd=200 ncopy=50
  cp -al "$v1" "$v2"
  (cd "$v1" && find . -type f ! -path ./big.bin -printf '%P\n') | LC_ALL=C sort \
    | awk 'BEGIN { srand(42) } { printf "%.12f\t%s\n", rand(), $0 }' | LC_ALL=C sort -k1,1 \
    | cut -f2- >"$work/order"
  nfiles=$(wc -l <"$work/order")
  nmod=$((nfiles / 100))
  i=0
  while IFS= read -r f; do
    p=$v2/$f
    unlink_copy "$p"
    size=$(stat -c %s "$p")
    case $((i % 3)) in
      0) printf 'ferry bench: appended line %d, a change of this release\n' "$i" >>"$p" ;;
      1) dd if=/dev/urandom of="$p" bs=64 count=1 seek=$((size / 2)) oflag=seek_bytes conv=notrunc status=none ;;
      2) head -c "$size" /dev/urandom >"$p" ;;
    esac
    i=$((i + 1))
  done < <(head -n "$nmod" "$work/order")
  sed -n "$((nmod + 1)),$((nmod + nrm))p" "$work/order" | while IFS= read -r f; do rm -f "$v2/$f"; done
  i=0
  while IFS= read -r f; do
    dir=$(dirname "$v2/$f")
    [ -d "$dir" ] || dir=$v2/share
    if [ "$i" -lt "$ncopy" ]; then
      cp -p "$v1/$f" "$dir/ferry-bench-moved-$i-$(basename "$f")"
    else
      head -c $((1024 + (i * 7919) % 65536)) /dev/urandom | base64 >"$dir/ferry-bench-new-$i.txt"
    fi
    i=$((i + 1))
  done < <(sed -n "$((nmod + nrm + 1)),$((nmod + nrm + nadd))p" "$work/order")
  half=$((big_mib << 19))
  { head -c "$half" "$v1/big.bin"; head -c 100 /dev/urandom; tail -c +$((half + 1)) "$v1/big.bin"; } >"$v2/big.bin.tmp"
  mv "$v2/big.bin.tmp" "$v2/big.bin"
}

# A listing of every entry below the top: path, type, mode, size (files), mtime (not of
# symlinks; their targets are compared by diff). The top directory is looked at apart.
meta() {
  (cd "$1" && find . -mindepth 1 \( -type l -printf '%P l\n' -o -type d -printf '%P d %m %T@\n' \
    -o -printf '%P %y %m %s %T@\n' \)) | LC_ALL=C sort
}
notes=()
note() { [[ " ${notes[*]} " == *" $1 "* ]] || notes+=("$1"); }
# check LABEL SOURCE ROOT RELEASE: ROOT/current is RELEASE and equals SOURCE (content,
# types, modes, sizes, mtimes); calls the caller's fail() and uses its $work. LABEL's last
# word names the node: a top directory whose mtime differs is noted under the rest of it.
check() {
  local label=$1 src=$2 root=$3 rel=$4 ok=1
  if [ "$(readlink "$root/current" || true)" != "releases/$rel" ]; then
    fail "$label: $root/current does not point at releases/$rel"
    ok=0
  fi
  if ! diff -r --no-dereference "$src" "$root/releases/$rel" >"$work/diff" 2>&1; then
    fail "$label: $root/releases/$rel differs from the source"
    head -20 "$work/diff" >&2
    ok=0
  fi
  if ! cmp -s <(meta "$src") <(meta "$root/releases/$rel"); then
    fail "$label: types, modes, sizes or mtimes in $root/releases/$rel differ from the source"
    diff <(meta "$src") <(meta "$root/releases/$rel") | head -20 >&2 || true
    ok=0
  fi
  if [ "$(stat -c %a "$src")" != "$(stat -c %a "$root/releases/$rel")" ]; then
    fail "$label: the mode of $root/releases/$rel differs from the source's"
    ok=0
  fi
  # Not counted as a failure: the mtime of the top directory itself.
  [ "$(stat -c %Y "$src")" = "$(stat -c %Y "$root/releases/$rel")" ] || note "${label% *}"
  [ "$ok" = 1 ]
}
