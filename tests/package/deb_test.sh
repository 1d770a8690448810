#!/usr/bin/env bash
# The Debian package: CPack builds it from the build tree (into a scratch directory), dpkg
# installs it into a scratch root (the machine's dpkg database untouched), and the result is
# checked: Depends computed from the shared libraries, /usr/bin/ferry runs, the manual pages
# render, the completion scripts, documentation and examples are in place, and no test or
# benchmark program is packaged. Anything missing fails the test.
# Usage: deb_test.sh BUILD_DIR
set -euo pipefail
build=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
export LC_ALL=C.UTF-8 MANWIDTH=80

for tool in cpack dpkg dpkg-deb dpkg-shlibdeps man; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps installs it)" >&2; exit 1; }
done

(cd "$scratch" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/out") >"$scratch/cpack.log" 2>&1 ||
  { cat "$scratch/cpack.log" >&2; echo "FAIL: cpack" >&2; exit 1; }
debs=("$scratch"/out/ferry_*.deb)
[ -f "${debs[0]}" ] || { cat "$scratch/cpack.log" >&2; echo "FAIL: cpack made no ferry_*.deb" >&2; exit 1; }
deb=${debs[0]}
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
[ "${deb##*/}" = "ferry_${version}_${arch}.deb" ] || fail "package file ${deb##*/}, want ferry_${version}_${arch}.deb"

[ "$(dpkg-deb -f "$deb" Package)" = ferry ] || fail "Package is not ferry"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is not $version"
[ -n "$(dpkg-deb -f "$deb" Maintainer)" ] || fail "no Maintainer"
[ -n "$(dpkg-deb -f "$deb" Description)" ] || fail "no Description"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
depends_names=$(sed 's/, */\n/g' <<<"$depends" | awk '{print $1}')
# Package names as extended regular expressions (spdlog's is libspdlog1.10-fmt9 on Debian 12).
for lib in libc6 'libstdc\+\+6' libpq5 libsqlite3-0 libmysqlcppconn7v5 libzstd1 libxxhash0 libtbb12 \
  'libyaml-cpp0\.7' libfmt9 'libspdlog1\..*' libdate-tz3 tzdata; do
  grep -Eqx -- "$lib" <<<"$depends_names" || fail "Depends lacks $lib"
done

# Nothing but ferry's own files: no tests, no benchmarks.
dpkg-deb -c "$deb" | awk '{print $6}' >"$scratch/files"
grep -v '^\./usr/share/doc/' "$scratch/files" | grep -E '/(unit|integration)_[a-z_]*$|/bench/|transport_probe|gtest|/tests/' &&
  fail "test or benchmark files in the package"
executables=$(dpkg-deb -c "$deb" | awk '$1 ~ /^-..x/ {print $6}' | grep -v '^./usr/share/doc/' || true)
[ "$executables" = "./usr/bin/ferry" ] || fail "executables in the package: $executables"

root=$scratch/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpkg --root="$root" --force-script-chrootless --force-depends --force-not-root \
  --log=/dev/null -i "$deb" >"$scratch/dpkg.log" 2>&1 ||
  { cat "$scratch/dpkg.log" >&2; fail "dpkg -i into a scratch root"; }
grep -q '^Status: install ok installed' <<<"$(dpkg --root="$root" -s ferry 2>/dev/null)" ||
  fail "ferry is not installed in the scratch root"

out=$("$root/usr/bin/ferry" --version 2>&1) || fail "usr/bin/ferry --version: $out"
[ "$out" = "ferry $version" ] || fail "usr/bin/ferry --version printed '$out'"

for page in ferry ferry-sync ferry-data ferry-schema ferry-push ferry-release ferry-completion; do
  file=$root/usr/share/man/man1/$page.1.gz
  if [ ! -f "$file" ]; then
    fail "no $file"
    continue
  fi
  warnings=$(man --warnings -l "$file" 2>&1 >/dev/null) || fail "man -l $page: $warnings"
  [ -z "$warnings" ] || fail "man warns about $page: $warnings"
done
grep -q '^NAME' <<<"$(man -l "$root/usr/share/man/man1/ferry.1.gz" 2>/dev/null)" ||
  fail "ferry(1) does not render"
# Through MANPATH, as `man ferry-sync` finds it once installed.
MANPATH=$root/usr/share/man man -w ferry-sync >/dev/null 2>&1 || fail "man -w ferry-sync with MANPATH"

bash_completion=$root/usr/share/bash-completion/completions/ferry
[ -s "$bash_completion" ] || fail "no $bash_completion"
[ -s "$bash_completion" ] && { bash -n "$bash_completion" || fail "bash -n $bash_completion"; }
grep -q '^complete -F _ferry ferry' "$bash_completion" 2>/dev/null || fail "bash completion does not register _ferry"
[ -s "$root/usr/share/zsh/vendor-completions/_ferry" ] || fail "no zsh completion"
doc=$root/usr/share/doc/ferry
for f in README.md docs/ARCHITECTURE.md docs/scale-out.md examples/ferry.yaml \
  examples/systemd/ferry-night-sync.service examples/systemd/ferry-night-sync.timer \
  examples/docker/Dockerfile examples/kubernetes/night-sync-cronjob.yaml; do
  [ -f "$doc/$f" ] || fail "no $doc/$f"
done
[ -d "$doc/docs/img" ] && [ -n "$(ls -A "$doc/docs/img")" ] || fail "no $doc/docs/img"

[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "package: ${deb##*/} ok"
