#!/usr/bin/env bash
# The manual pages the build made (cli/man/*.1.gz): ferry(1) and one page for every command
# `ferry --help` lists; each renders without a warning from man, and names every option and
# subcommand that the command's --help (and its subcommands' --help) shows.
# Usage: man_pages_test.sh FERRY MANDIR
set -euo pipefail
ferry=$1
mandir=$2
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
export LC_ALL=C.UTF-8 MANWIDTH=80
unset MAN_KEEP_FORMATTING

# The lines of a CLI11 help's "Subcommands:" section: "  name   description".
subcommands() { sed -n '/^Subcommands:/,/^$/{/^  [a-z]/{s/^  \([a-z0-9-]*\).*/\1/p}}'; }
# Every long option a help text shows.
long_options() { grep -o -- '--[a-z][a-z0-9-]*' | sort -u; }

# render PAGE: man's text, with its warnings on stderr going to FILE.warnings.
render() {
  local page=$1 warnings
  warnings=$(man --warnings -l "$page" 2>&1 >/dev/null) || fail "man -l $page failed: $warnings"
  [ -z "$warnings" ] || fail "man warns about $page: $warnings"
  man -l "$page" 2>/dev/null
}

commands=$("$ferry" --help | subcommands)
[ -n "$commands" ] || fail "no commands in ferry --help"
[ -f "$mandir/ferry.1.gz" ] || fail "no ferry.1.gz in $mandir"
top=$(render "$mandir/ferry.1.gz")
for opt in $("$ferry" --help | long_options); do
  grep -q -- "$opt" <<<"$top" || fail "ferry(1) does not show $opt"
done
grep -q "EXIT STATUS" <<<"$top" || fail "ferry(1) has no EXIT STATUS"

for cmd in $commands; do
  page=$mandir/ferry-$cmd.1.gz
  if [ ! -f "$page" ]; then
    fail "no manual page for 'ferry $cmd' ($page)"
    continue
  fi
  grep -q "ferry-$cmd(1)" <<<"$top" || fail "ferry(1) does not point to ferry-$cmd(1)"
  text=$(render "$page")
  grep -q "^NAME" <<<"$text" || fail "ferry-$cmd(1) has no NAME"
  grep -q "^SYNOPSIS" <<<"$text" || fail "ferry-$cmd(1) has no SYNOPSIS"
  # The command and its subcommands, as deep as they go: their options and names.
  queue=("$cmd")
  while [ ${#queue[@]} -gt 0 ]; do
    words=${queue[0]}
    queue=("${queue[@]:1}")
    # shellcheck disable=SC2086
    help=$("$ferry" $words --help)
    for opt in $(long_options <<<"$help"); do
      [ "$opt" = --help ] && continue
      grep -q -- "$opt" <<<"$text" || fail "ferry-$cmd(1) does not show $opt of 'ferry $words'"
    done
    for sub in $(subcommands <<<"$help"); do
      grep -q "ferry $words $sub" <<<"$text" || fail "ferry-$cmd(1) has no 'ferry $words $sub'"
      queue+=("$words $sub")
    done
  done
done
# No page for a command that does not exist (the hidden man command included).
for page in "$mandir"/ferry-*.1.gz; do
  name=${page##*/ferry-}
  name=${name%.1.gz}
  grep -qx -- "$name" <<<"$commands" || fail "$page is not the page of a command in ferry --help"
done

[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "man pages: $(wc -w <<<"$commands") commands, ok"
