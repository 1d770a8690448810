#!/usr/bin/env bash
# `ferry completion bash|zsh`: the scripts load (bash -n, sourced in a plain bash, zsh -n and
# autoloaded by compinit), and the bash one completes commands, options, choices and the
# names of a scratch ferry.yaml (tenants, groups, nodes, runbooks), found in the directory or
# through -c.
# Usage: completion_test.sh FERRY
set -euo pipefail
ferry=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

"$ferry" completion bash >"$scratch/ferry.bash"
"$ferry" completion zsh >"$scratch/_ferry"
bash -n "$scratch/ferry.bash" || fail "bash -n rejects the bash script"

# An interactive shell (as a user's .bashrc would source it), without bash-completion.
out=$(bash --norc --noprofile -i -c "source '$scratch/ferry.bash' && complete -p ferry" 2>&1 </dev/null) ||
  fail "sourcing the bash script in an interactive bash: $out"
grep -qx 'complete -F _ferry ferry' <<<"$out" || fail "no 'complete -F _ferry ferry' after sourcing: $out"

mkdir -p "$scratch/fleet/runbooks" "$scratch/elsewhere"
cat >"$scratch/fleet/ferry.yaml" <<'YAML'
version: 1
master: sqlite:master.db
tenants:
  - {name: tst, url: "sqlite:tst.db", group: test}
  - {name: acc, url: "sqlite:acc.db", group: acceptance}
  - {name: prd, url: "sqlite:prd.db", group: production}
  - {name: prd-eu, url: "sqlite:prd-eu.db", group: production}
groups: [test, acceptance, production]
nodes:
  - {name: web1, target: "local:/srv/app1", group: web}
  - {name: web2, target: "local:/srv/app2", group: web}
runbooks:
  nightly:
    steps:
      - name: sync
        sync: {mode: full}
YAML
cat >"$scratch/fleet/runbooks/deploy.yaml" <<'YAML'
steps:
  - name: hello
    command: "true"
YAML

# complete DIR WORD...: what _ferry offers for the last word (the cursor's), one a line,
# sorted, with ferry run from DIR as the completion would be.
complete_words() {
  local dir=$1
  shift
  (cd "$dir" && bash --norc --noprofile -c '
    source "$1"
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    _ferry
    printf "%s\n" "${COMPREPLY[@]}"' _ "$scratch/ferry.bash" "$ferry" "$@" | sort)
}

# expect DIR "WANT" WORD...: the offers, space-separated, are exactly WANT.
expect() {
  local dir=$1 want=$2 got
  shift 2
  got=$(complete_words "$dir" "$@" | tr '\n' ' ' | sed 's/ $//')
  [ "$got" = "$want" ] || fail "ferry ${*:2}<TAB>: want '$want', got '$got'"
}
# offers DIR WANT WORD...: WANT is among the offers.
offers() {
  local dir=$1 want=$2
  shift 2
  grep -qx -- "$want" <<<"$(complete_words "$dir" "$@")" || fail "ferry ${*:2}<TAB>: '$want' not offered"
}

fleet=$scratch/fleet
# Names from ferry.yaml in the current directory.
expect "$fleet" "prd prd-eu" "$ferry" data sync --from master --to p
expect "$fleet" "acc master prd prd-eu tst" "$ferry" data sync --from master --to prd ""
expect "$fleet" "master" "$ferry" data diff --from m
expect "$fleet" "acc" "$ferry" schema diff master a
expect "$fleet" "prd prd-eu" "$ferry" inspect pr
expect "$fleet" "acceptance production test" "$ferry" sync --group ""
expect "$fleet" "tst,acc" "$ferry" sync --tenants tst,a
expect "$fleet" "web web1 web2" "$ferry" release list --on w
expect "$fleet" "web web1 web2" "$ferry" push build --to w
expect "$fleet" "deploy nightly" "$ferry" run ""
# --opt=VALUE: bash splits the words at = (COMP_WORDBREAKS); without = there, one word.
expect "$fleet" "prd prd-eu" "$ferry" -v data sync --from = master --to = p
expect "$fleet" "acc master prd prd-eu tst" "$ferry" data sync --from = master --to =
expect "$fleet" "--to=prd --to=prd-eu" "$ferry" data sync --from=master --to=p
# Through -c, from another directory.
expect "$scratch/elsewhere" "prd prd-eu" "$ferry" -c "$fleet/ferry.yaml" data sync --from master --to p
expect "$scratch/elsewhere" "prd prd-eu" "$ferry" data sync -c "$fleet/ferry.yaml" --to p
# No ferry.yaml: nothing, and no error.
expect "$scratch/elsewhere" "" "$ferry" data sync --from master --to p
# Commands, options and choices, from the command definitions.
expect "$fleet" "data demo" "$ferry" d
expect "$fleet" "diff sync" "$ferry" schema ""
offers "$fleet" "--from" "$ferry" data sync --
offers "$fleet" "--dry-run" "$ferry" data sync --
offers "$fleet" "--config" "$ferry" sync --
expect "$fleet" "full" "$ferry" sync --mode f
expect "$fleet" "keep propagate" "$ferry" data sync --deletes ""
offers "$fleet" "completion" "$ferry" ""
grep -qx man <<<"$(complete_words "$fleet" "$ferry" "")" && fail "the hidden 'man' command is offered"

if ! command -v zsh >/dev/null; then
  fail "zsh is missing (scripts/install-deps installs it)"
else
  zsh -n "$scratch/_ferry" || fail "zsh -n rejects the zsh script"
  mkdir -p "$scratch/zfunc"
  cp "$scratch/_ferry" "$scratch/zfunc/_ferry"
  out=$(HOME=$scratch zsh -f -c "fpath=('$scratch/zfunc' \$fpath); autoload -Uz compinit; compinit -u -d '$scratch/zcompdump'; print -r -- \$_comps[ferry]" 2>&1) ||
    fail "compinit with the zsh script: $out"
  [ "$out" = "_ferry" ] || fail "compinit does not bind ferry to _ferry: $out"
  out=$(zsh -f -c "autoload -Uz compinit; compinit -u -d '$scratch/zcompdump2'; source '$scratch/_ferry'; print -r -- \$_comps[ferry]; print -r -- \"\${_ferry_args[ferry data sync --to]}\"" 2>&1) ||
    fail "sourcing the zsh script: $out"
  [ "$out" = $'_ferry\nnames:endpoints...' ] || fail "sourcing the zsh script: $out"
  # What _ferry hands to compadd and _describe (zsh filters by the prefix itself), with
  # those stood in for outside a completion widget.
  zsh_offers() {
    (cd "$fleet" && zsh -f -c '
      compdef() { : }
      compadd() { if [[ $1 == -a ]]; then print -l -- ${(P)2}; else shift ${@[(i)--]}; print -l -- "$@"; fi }
      compset() { : }
      _describe() { local -a list; list=(${(P)4}); print -l -- ${list%%:*} }
      _files() { print -- "<files>" }
      _message() { : }
      source "$1"; shift
      words=("$@"); CURRENT=$#words
      _ferry' _ "$scratch/_ferry" "$ferry" "$@" | sort | tr '\n' ' ' | sed 's/ $//')
  }
  zexpect() {
    local want=$1 got
    shift
    got=$(zsh_offers "$@")
    [ "$got" = "$want" ] || fail "zsh: ferry ${*:2}<TAB>: want '$want', got '$got'"
  }
  zexpect "acc master prd prd-eu tst" "$ferry" data sync --from master --to p
  zexpect "acc master prd prd-eu tst" "$ferry" data sync --from master --to prd ""
  zexpect "acceptance production test" "$ferry" sync --group ""
  zexpect "web web1 web2" "$ferry" release list --on ""
  zexpect "deploy nightly" "$ferry" run ""
  zexpect "diff sync" "$ferry" schema ""
  zexpect "auto full structure" "$ferry" sync --mode ""
  zexpect "<files>" "$ferry" -c ""
  grep -qw -- --from <<<"$(zsh_offers "$ferry" data sync --)" || fail "zsh: ferry data sync --<TAB> lacks --from"
fi

[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "completion: ok"
