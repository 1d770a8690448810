// `ferry completion bash|zsh`: a completion script generated from the same CLI11 definitions
// that --help prints (command words, subcommands, options, what their values are). Names of
// the master, tenants, groups, nodes and runbooks are not in the script: at completion time
// it asks `ferry [-c FILE] completion --names KIND`, which reads ferry.yaml as every command
// does (cli::config()).
#include <algorithm>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/engine/runbook.hpp"

namespace ferry::cli {
namespace {

// One command of the tree, keyed by its words: "ferry", "ferry data", "ferry data sync".
struct Command {
  std::string key;
  std::vector<std::pair<std::string, std::string>> subcommands;  // name, description
  std::vector<std::pair<std::string, std::string>> options;      // -j/--jobs, description
  std::vector<std::pair<std::string, std::string>> values;       // option word, kind
  std::vector<std::string> positionals;                          // kinds; "..." repeats
};

std::string lower(std::string text) {
  for (char& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool has(const std::string& text, const char* word) {
  return text.find(word) != std::string::npos;
}

// What an option's value or an argument is, for completion. The definitions say TEXT or INT,
// so the option's name and the words of its help decide:
//   names:KIND[:DELIM]  names from ferry.yaml (endpoints, tenants, groups, nodes, runbooks);
//                       DELIM when several go in one word (--tenants a,b)
//   words:A,B,C         the choices of a CLI::IsMember check
//   files, dirs         paths
//   none                anything else (numbers, versions, free text)
std::string kind_of(const CLI::Option& opt) {
  const std::string type = opt.get_type_name();
  if (const std::size_t brace = type.find('{'); brace != std::string::npos) {
    const std::size_t end = type.find('}', brace);
    return "words:" + type.substr(brace + 1, end == std::string::npos ? end : end - brace - 1);
  }
  const std::string name =
      opt.get_lnames().empty() ? lower(opt.get_name()) : opt.get_lnames().front();
  const std::string help = lower(opt.get_description());
  const std::string list =
      opt.get_delimiter() != '\0' ? std::string(":") + opt.get_delimiter() : std::string();
  if (name == "group")
    return "names:groups";
  if (name == "tenants")
    return "names:tenants" + list;
  if (name == "on")
    return "names:nodes";
  if (has(help, "runbook"))
    return "names:runbooks";
  if (name == "config" || name == "remote-ferry")
    return "files";
  if (name == "state-dir" || name == "delta-from")
    return "dirs";
  if (name == "ssh" || name == "tables" || name == "exclude" || name == "set" || name == "only" ||
      name == "name" || name == "release")
    return "none";
  // run --from names a step and migrate --to a version: endpoints only where the help says so.
  if (name == "endpoint" || has(help, "endpoint") || has(help, "database"))
    return "names:endpoints";
  if (has(help, "targets") || has(help, "node group"))
    return "names:nodes";
  if (name == "dir" || name == "src" || name == "root" || name == "output" || has(help, "store") ||
      has(help, "directory") || has(help, "tree"))
    return "dirs";
  if (has(help, "file"))
    return "files";
  return "none";
}

bool visible(const CLI::App* app) {
  return !app->get_group().empty() && !app->get_disabled();
}

void collect(const CLI::App& app, const std::string& key, std::vector<Command>& out) {
  Command cmd;
  cmd.key = key;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty())
      continue;  // hidden
    const bool takes_value = opt->get_items_expected_max() > 0;
    const bool repeats = opt->get_items_expected_max() > 1 || opt->get_expected_max() > 1;
    const std::string kind = takes_value ? kind_of(*opt) : std::string();
    if (!opt->nonpositional()) {
      cmd.positionals.push_back(kind + (repeats ? "..." : ""));
      continue;
    }
    std::vector<std::string> words;
    for (const std::string& s : opt->get_snames())
      words.push_back("-" + s);
    for (const std::string& l : opt->get_lnames())
      words.push_back("--" + l);
    for (const std::string& word : words) {
      cmd.options.emplace_back(word, opt->get_description());
      // A value option: its kind, "..." when it takes several words (--to a b c).
      if (takes_value)
        cmd.values.emplace_back(word,
                                kind + (repeats && opt->get_delimiter() == '\0' ? "..." : ""));
    }
  }
  const std::vector<const CLI::App*> subs =
      app.get_subcommands([](const CLI::App* a) { return visible(a); });
  for (const CLI::App* sub : subs)
    cmd.subcommands.emplace_back(sub->get_name(), sub->get_description());
  out.push_back(cmd);
  for (const CLI::App* sub : subs)
    collect(*sub, key + " " + sub->get_name(), out);
}

// 'text' for bash and zsh.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

template <typename T, typename F>
std::string joined(const std::vector<T>& items, F&& text, const char* separator) {
  std::string out;
  for (const T& item : items)
    out += (out.empty() ? "" : separator) + text(item);
  return out;
}

// The tables both shells share: _ferry_cmds[KEY], _ferry_opts[KEY] (space-separated words),
// _ferry_args["KEY WORD"] (the kind of an option's value), _ferry_pos[KEY] (argument kinds).
void write_tables(std::ostream& out, const std::vector<Command>& commands, bool zsh) {
  const char* declare = zsh ? "typeset -gA" : "declare -gA";
  out << declare << " _ferry_cmds _ferry_opts _ferry_args _ferry_pos\n";
  if (zsh)
    out << declare << " _ferry_cmd_help _ferry_opt_help\n";
  // zsh keeps the quotes of a subscript in an assignment: it adds pairs instead.
  const auto set = [&](const char* table, const std::string& key, const std::string& value) {
    if (zsh)
      out << table << "+=(" << quoted(key) << ' ' << quoted(value) << ")\n";
    else
      out << table << '[' << quoted(key) << "]=" << quoted(value) << '\n';
  };
  const auto first = [](const auto& p) { return p.first; };
  const auto described = [](const auto& p) {
    std::string name = p.first;
    for (std::size_t i = 0; (i = name.find(':', i)) != std::string::npos; i += 2)
      name.insert(i, "\\");
    std::string help = p.second;
    std::replace(help.begin(), help.end(), '\n', ' ');
    return name + ":" + help;
  };
  for (const Command& c : commands) {
    set("_ferry_cmds", c.key, joined(c.subcommands, first, " "));
    set("_ferry_opts", c.key, joined(c.options, first, " "));
    set("_ferry_pos", c.key,
        joined(
            c.positionals, [](const std::string& k) { return k; }, " "));
    for (const auto& [word, kind] : c.values)
      set("_ferry_args", c.key + " " + word, kind);
    if (zsh) {
      set("_ferry_cmd_help", c.key, joined(c.subcommands, described, "\n"));
      set("_ferry_opt_help", c.key, joined(c.options, described, "\n"));
    }
  }
}

// Both scripts walk the words before the cursor the same way: a word naming a subcommand of
// the command so far descends; an option that takes a value takes the next word (several,
// for options like --to a b c, up to the next option); -c/--config is remembered for the
// names; anything else is an argument.
constexpr const char* k_bash = R"BASH(
# The kind of WORD's value under KEY or a parent command (global options may follow the
# command), or nothing when WORD is not an option that takes a value.
_ferry_kind() {
  local key=$1
  while :; do
    if [[ -n ${_ferry_args["$key $2"]+set} ]]; then
      printf '%s' "${_ferry_args["$key $2"]}"
      return 0
    fi
    [[ $key == ferry ]] && return 1
    key=${key% *}
  done
}

_ferry_names() {
  "$_ferry_self" "${_ferry_config[@]}" completion --names "$1" 2>/dev/null
}

# Sets COMPREPLY for a value of KIND that begins with CUR.
_ferry_complete_kind() {
  local kind=${1%...} cur=$2 prefix="" what delim="" IFS=$'\n'
  case $kind in
    names:*)
      what=${kind#names:}
      if [[ $what == *:* ]]; then
        delim=${what#*:}
        what=${what%%:*}
      fi
      if [[ -n $delim && $cur == *"$delim"* ]]; then
        prefix=${cur%"$delim"*}$delim
        cur=${cur##*"$delim"}
      fi
      COMPREPLY=($(compgen -P "$prefix" -W "$(_ferry_names "$what")" -- "$cur"))
      ;;
    words:*)
      COMPREPLY=($(IFS=, compgen -W "${kind#words:}" -- "$cur"))
      ;;
    files)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur"))
      ;;
    dirs)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -d -- "$cur"))
      ;;
    *) COMPREPLY=() ;;
  esac
}

_ferry() {
  local cword=$COMP_CWORD cur=${COMP_WORDS[COMP_CWORD]}
  local key=ferry i w kind full prev="" pending="" multi="" npos=0 _ferry_self=${COMP_WORDS[0]}
  local -a words=() _ferry_config=()
  [[ $_ferry_self == "~/"* ]] && _ferry_self=$HOME/${_ferry_self#"~/"}
  # Words as typed: bash splits --opt=value and scheme:rest at = and :, glue them back.
  for ((i = 1; i <= cword; i++)); do
    w=${COMP_WORDS[i]}
    if ((${#words[@]} > 0)) && [[ $w == "=" || $w == ":" || ${words[-1]} == *[=:] ]]; then
      words[-1]+=$w
    else
      words+=("$w")
    fi
  done
  [[ $cur == "=" || $cur == ":" ]] && cur=""
  full=${words[-1]}
  unset 'words[-1]'
  for w in "${words[@]}"; do
    prev=$w
    if [[ -n $pending ]]; then
      [[ $pending == config ]] && _ferry_config=(-c "$w")
      pending=""
      continue
    fi
    case $w in
      --) multi="" ;;
      --config=*) _ferry_config=(-c "${w#--config=}") ;;
      -c | --config) pending=config ;;
      -*=*) multi="" ;;
      -*)
        multi=""
        if kind=$(_ferry_kind "$key" "$w"); then
          pending=value
          [[ $kind == *... ]] && multi=$kind
        fi
        ;;
      *)
        if [[ -n $multi ]]; then
          continue
        elif [[ " ${_ferry_cmds[$key]} " == *" $w "* ]]; then
          key="$key $w"
          npos=0
        else
          ((npos++))
        fi
        ;;
    esac
  done
  COMPREPLY=()
  if [[ $full == -*=* ]]; then  # --opt=VALUE
    if kind=$(_ferry_kind "$key" "${full%%=*}"); then
      if [[ $cur == "$full" ]]; then  # one word: = is not in COMP_WORDBREAKS
        _ferry_complete_kind "$kind" "${full#*=}"
        COMPREPLY=("${COMPREPLY[@]/#/${full%%=*}=}")
      else
        _ferry_complete_kind "$kind" "$cur"
      fi
    fi
    return 0
  fi
  if [[ $pending == config ]]; then
    _ferry_complete_kind files "$cur"
    return 0
  fi
  if [[ $pending == value ]] && kind=$(_ferry_kind "$key" "$prev"); then
    _ferry_complete_kind "$kind" "$cur"
    return 0
  fi
  if [[ $cur == -* ]]; then
    local opts=${_ferry_opts[$key]}
    [[ $key != ferry ]] && opts+=" ${_ferry_opts[ferry]}"
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return 0
  fi
  if [[ -n $multi ]]; then
    _ferry_complete_kind "$multi" "$cur"
    return 0
  fi
  if [[ -n ${_ferry_cmds[$key]} ]]; then
    COMPREPLY=($(compgen -W "${_ferry_cmds[$key]}" -- "$cur"))
    return 0
  fi
  local -a pos=(${_ferry_pos[$key]})
  if ((${#pos[@]} > 0)); then
    if ((npos < ${#pos[@]})); then
      kind=${pos[npos]}
    else
      kind=${pos[-1]}
      [[ $kind == *... ]] || return 0
    fi
    _ferry_complete_kind "$kind" "$cur"
  fi
  return 0
}

complete -F _ferry ferry
)BASH";

constexpr const char* k_zsh = R"ZSH(
_ferry_kind() {
  local key=$1
  while :; do
    if (( ${+_ferry_args[$key $2]} )); then
      REPLY=${_ferry_args[$key $2]}
      return 0
    fi
    [[ $key == ferry ]] && return 1
    key=${key% *}
  done
}

_ferry_complete_kind() {
  local kind=${1%...} what delim
  local -a names
  case $kind in
    names:*)
      what=${kind#names:}
      if [[ $what == *:* ]]; then
        delim=${what#*:}
        what=${what%%:*}
        compset -P "*$delim"
      fi
      names=(${(f)"$(${~words[1]} $_ferry_config completion --names $what 2>/dev/null)"})
      compadd -a names
      ;;
    words:*) compadd -- ${(s:,:)${kind#words:}} ;;
    files) _files ;;
    dirs) _files -/ ;;
    *) _message 'value' ;;
  esac
}

_ferry() {
  local key=ferry w pending= multi= REPLY
  local -i i npos=0
  local -a _ferry_config
  for (( i = 2; i < CURRENT; i++ )); do
    w=${words[i]}
    if [[ -n $pending ]]; then
      [[ $pending == config ]] && _ferry_config=(-c $w)
      pending=
      continue
    fi
    case $w in
      (--) multi= ;;
      (--config=*) _ferry_config=(-c ${w#--config=}) ;;
      (-c|--config) pending=config ;;
      (-*=*) multi= ;;
      (-*)
        multi=
        if _ferry_kind $key $w; then
          pending=value
          [[ $REPLY == *... ]] && multi=$REPLY
        fi
        ;;
      (*)
        if [[ -n $multi ]]; then
          continue
        elif (( ${${(s: :)_ferry_cmds[$key]}[(Ie)$w]} )); then
          key="$key $w"
          npos=0
        else
          (( npos++ ))
        fi
        ;;
    esac
  done
  local cur=${words[CURRENT]}
  if [[ $cur == -*=* ]] && _ferry_kind $key ${cur%%=*}; then
    compset -P '*='
    _ferry_complete_kind $REPLY
    return
  fi
  if [[ $pending == config ]]; then
    _files
    return
  fi
  if [[ $pending == value ]] && _ferry_kind $key ${words[CURRENT-1]}; then
    _ferry_complete_kind $REPLY
    return
  fi
  if [[ $cur == -* ]]; then
    local -a opts
    opts=(${(f)_ferry_opt_help[$key]})
    [[ $key != ferry ]] && opts+=(${(f)_ferry_opt_help[ferry]})
    _describe -t options 'option' opts
    return
  fi
  if [[ -n $multi ]]; then
    _ferry_complete_kind $multi
    return
  fi
  if [[ -n ${_ferry_cmds[$key]} ]]; then
    local -a cmds
    cmds=(${(f)_ferry_cmd_help[$key]})
    _describe -t commands 'command' cmds
    return
  fi
  local -a pos
  pos=(${(s: :)_ferry_pos[$key]})
  (( ${#pos} )) || return 1
  if (( npos < ${#pos} )); then
    _ferry_complete_kind ${pos[npos+1]}
  elif [[ ${pos[-1]} == *... ]]; then
    _ferry_complete_kind ${pos[-1]}
  fi
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
  _ferry "$@"
else
  compdef _ferry ferry
fi
)ZSH";

void print_names(const std::string& kind) {
  const engine::Config& c = config();
  std::set<std::string> names;
  if (kind == "endpoints" || kind == "tenants") {
    if (kind == "endpoints" && !c.master.name.empty())
      names.insert(c.master.name);
    for (const engine::NamedEndpoint& t : c.tenants)
      names.insert(t.name);
  } else if (kind == "groups") {
    names.insert(c.groups.begin(), c.groups.end());
    for (const engine::NamedEndpoint& t : c.tenants) {
      if (!t.group.empty())
        names.insert(t.group);
    }
  } else if (kind == "nodes") {
    for (const engine::Node& n : c.nodes) {
      names.insert(n.name);
      if (!n.group.empty())
        names.insert(n.group);
    }
  } else if (kind == "runbooks") {
    for (const std::string& name : engine::runbook_names(c))
      names.insert(name);
  }
  for (const std::string& name : names)
    std::cout << name << '\n';
}

}  // namespace

void add_completion_command(CLI::App& app, CommandResult& result) {
  struct Args {
    std::string shell;
    std::string names;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "completion",
      "Print a bash or zsh completion script (bash: source <(ferry completion bash))");
  auto* shell =
      cmd->add_option("SHELL", args->shell, "bash or zsh")->check(CLI::IsMember({"bash", "zsh"}));
  // What the scripts call at completion time: the names ferry.yaml defines, one a line.
  cmd->add_option("--names", args->names)
      ->check(CLI::IsMember({"endpoints", "tenants", "groups", "nodes", "runbooks"}))
      ->excludes(shell)
      ->group("");
  cmd->callback([&app, args, &result] {
    result.code = ExitCode::ok;
    if (!args->names.empty()) {
      try {
        print_names(args->names);
      } catch (const std::exception&) {
        // No ferry.yaml, or one that does not load: nothing to offer, and nothing to say in
        // the middle of someone's command line.
      }
      return;
    }
    if (args->shell.empty())
      throw Error(ErrorKind::usage, "ferry completion needs a shell: bash or zsh");
    std::vector<Command> commands;
    collect(app, "ferry", commands);
    const bool zsh = args->shell == "zsh";
    if (zsh)
      std::cout << "#compdef ferry\n";
    std::cout << "# " << (zsh ? "zsh" : "bash")
              << " completion for ferry, generated by `ferry completion " << args->shell
              << "` from ferry's own command definitions.\n";
    write_tables(std::cout, commands, zsh);
    std::cout << (zsh ? k_zsh : k_bash);
  });
}

}  // namespace ferry::cli
