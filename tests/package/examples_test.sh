#!/usr/bin/env bash
# The deployment examples: the systemd units pass systemd-analyze verify (with ExecStart
# pointed at the built ferry) and run a sync command ferry accepts, the Kubernetes manifests
# parse with the expected kinds and docs/scale-out.md shows them as they are, and the
# Dockerfile builds in one stage and runs from another that installs every library ferry
# links.
# Usage: examples_test.sh SOURCE_DIR FERRY
set -euo pipefail
src=$1
ferry=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# systemd
units=$src/examples/systemd
for f in ferry-night-sync.service ferry-night-sync.timer; do
  [ -f "$units/$f" ] || fail "no examples/systemd/$f"
done
grep -qx 'Type=oneshot' "$units/ferry-night-sync.service" || fail "the service is not Type=oneshot"
exec_start=$(sed -n 's/^ExecStart=//p' "$units/ferry-night-sync.service")
[[ $exec_start == "/usr/bin/ferry "* ]] || fail "ExecStart does not run /usr/bin/ferry: $exec_start"
# The command line parses: its --help (appended) is what CLI11 prints for `ferry sync`.
read -r -a argv <<<"${exec_start#/usr/bin/ferry }"
grep -q -- '--mode' <<<"$("$ferry" "${argv[@]}" --help)" || fail "ferry does not accept: $exec_start"
[[ " ${argv[*]} " == *" sync "*"--mode full"* ]] || fail "the service does not run a full sync: $exec_start"
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$scratch/units"
  sed "s|^ExecStart=/usr/bin/ferry |ExecStart=$ferry |" "$units/ferry-night-sync.service" \
    >"$scratch/units/ferry-night-sync.service"
  cp "$units/ferry-night-sync.timer" "$scratch/units/"
  out=$(cd "$scratch/units" && systemd-analyze verify --man=no \
    ./ferry-night-sync.service ./ferry-night-sync.timer 2>&1) || fail "systemd-analyze verify: $out"
  # Only what is about these units counts (the machine's own units may draw warnings).
  about=$(grep -i 'ferry-night-sync' <<<"$out" || true)
  [ -z "$about" ] || fail "systemd-analyze verify: $about"
else
  fail "systemd-analyze is missing"
fi

# Kubernetes, and the copies docs/scale-out.md shows.
python3 - "$src" <<'PY' || fail "Kubernetes manifests"
import glob, re, sys, yaml
src = sys.argv[1]
want = {"night-sync-cronjob.yaml": ["CronJob", "PersistentVolumeClaim"],
        "sharded-sync-job.yaml": ["Job"]}
docs = []
ok = True
for name, kinds in want.items():
    with open(f"{src}/examples/kubernetes/{name}") as f:
        parsed = [d for d in yaml.safe_load_all(f) if d is not None]
    got = [d.get("kind") for d in parsed]
    if got != kinds:
        print(f"{name}: kinds {got}, want {kinds}"); ok = False
    for d in parsed:
        if not d.get("apiVersion") or not d.get("metadata", {}).get("name"):
            print(f"{name}: a document without apiVersion or metadata.name"); ok = False
    docs += parsed
for path in glob.glob(f"{src}/examples/kubernetes/*.yaml"):
    if path.rsplit("/", 1)[1] not in want:
        print(f"{path}: not checked by this test"); ok = False
with open(f"{src}/docs/scale-out.md") as f:
    blocks = re.findall(r"```yaml\n(.*?)```", f.read(), re.S)
if not blocks:
    print("docs/scale-out.md shows no manifests"); ok = False
for block in blocks:
    shown = yaml.safe_load(block)
    if shown not in docs:
        print(f"docs/scale-out.md shows a {shown.get('kind')} that examples/kubernetes/ does not hold"); ok = False
for d in docs:
    spec = d.get("spec", {})
    pod = spec.get("jobTemplate", {}).get("spec", spec).get("template", {}).get("spec")
    if pod is None:
        continue
    for c in pod["containers"]:
        text = " ".join(c.get("command", []) + c.get("args", []))
        if "ferry" not in text or " sync " not in text:
            print(f"{d['kind']}: the container does not run ferry sync: {text}"); ok = False
sys.exit(0 if ok else 1)
PY

# Docker: two stages, the runtime stage copies the binary from the build stage and installs
# the package of every shared library ferry links (libc and the C++ runtime come with the
# base image).
dockerfile=$src/examples/docker/Dockerfile
if [ ! -f "$dockerfile" ]; then
  fail "no examples/docker/Dockerfile"
else
  froms=$(grep -c '^FROM ' "$dockerfile")
  [ "$froms" -ge 2 ] || fail "the Dockerfile has $froms FROM stage(s), want 2 or more"
  grep -q '^FROM debian:12-slim' "$dockerfile" || fail "the Dockerfile is not based on debian:12-slim"
  grep -Eq '^COPY --from=[a-z]+ .*/ferry /usr/bin/ferry' "$dockerfile" ||
    fail "the Dockerfile does not COPY --from the build stage"
  grep -q -- '--target ferry' "$dockerfile" || fail "the build stage does not build the ferry target"
  runtime=$(awk '/^FROM /{n++} n>=2' "$dockerfile")
  for lib in $(objdump -p "$ferry" | awk '/NEEDED/ {print $2}'); do
    # (awk reads all: an early exit would kill ldconfig with SIGPIPE, and pipefail with it)
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !found {print $NF; found = 1}')
    pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | awk -F: 'NR == 1 {print $1}') || true
    case $pkg in
      "" | libc6 | libstdc++6 | libgcc-s1) continue ;;
    esac
    grep -Eq "(^|[[:space:]])$pkg([[:space:]]|$)" <<<"$runtime" ||
      fail "the Dockerfile's runtime stage does not install $pkg ($lib)"
  done
fi

[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "examples: ok"
