// The `ferry` executable: parses the command line, runs one command, maps errors to exit
// codes (README.md, "Exit codes"). Commands live in one file per group.
#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/common/log.hpp"
#include "ferry/common/url.hpp"

namespace {

constexpr const char* k_version = "ferry 0.1.0";

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

const CLI::Option* find_option(CLI::App* app, const std::string& name) {
  for (; app != nullptr; app = app->get_parent()) {
    if (const CLI::Option* opt = app->get_option_no_throw(name))
      return opt;
  }
  return nullptr;
}

// Walks the words as the parser does, as far as the first one that should have named a
// subcommand and does not: "unknown command 'lst' for 'ferry release'; did you mean 'list'?",
// or to a command that needs a subcommand and has none. Empty when the command words are
// right (the error is then about an option or argument).
std::string unknown_command(CLI::App& app, const std::vector<std::string>& words) {
  CLI::App* current = &app;
  std::string path = "ferry";
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--")
      return {};
    if (word.size() > 1 && word[0] == '-') {
      const CLI::Option* opt = find_option(current, word);
      if (opt != nullptr && opt->get_items_expected_min() > 0 &&
          word.find('=') == std::string::npos)
        ++i;  // its value
      continue;
    }
    const std::vector<CLI::App*> subcommands =
        current->get_subcommands([](CLI::App*) { return true; });
    if (subcommands.empty())
      return {};  // a positional argument
    CLI::App* next = nullptr;
    // The nearest name within two edits, else the only one that `word` begins.
    std::string nearest, prefixed;
    std::size_t best = 3, prefixes = 0;
    for (CLI::App* sub : subcommands) {
      if (sub->check_name(word))
        next = sub;
      const std::size_t d = edit_distance(word, sub->get_name());
      if (d < best) {
        best = d;
        nearest = sub->get_name();
      }
      if (sub->get_name().starts_with(word)) {
        ++prefixes;
        prefixed = sub->get_name();
      }
    }
    if (nearest.empty() && prefixes == 1)
      nearest = prefixed;
    if (next == nullptr) {
      std::string message = "unknown command '" + ferry::mask_url(word) + "' for '" + path + "'";
      if (!nearest.empty())
        message += "; did you mean '" + nearest + "'?";
      return message + " (see " + path + " --help)";
    }
    current = next;
    path += " " + word;
  }
  if (current->get_require_subcommand_min() > 0) {
    std::string names;
    for (const CLI::App* sub : current->get_subcommands([](CLI::App*) { return true; }))
      names += (names.empty() ? "" : ", ") + sub->get_name();
    return "'" + path + "' needs a command: " + names + " (see " + path + " --help)";
  }
  return {};
}

// CLI11 quotes the words it could not place: a URL among them is shown masked.
std::string masked(std::string text, const std::vector<std::string>& words) {
  for (const std::string& word : words) {
    const std::string safe = ferry::mask_url(word);
    if (safe == word)
      continue;
    std::size_t pos = 0;
    while ((pos = text.find(word, pos)) != std::string::npos) {
      text.replace(pos, word.size(), safe);
      pos += safe.size();
    }
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  using ferry::ExitCode;
  CLI::App app{"ferry: schema, data and build sync for multi-tenant fleets", "ferry"};
  app.require_subcommand(1);
  // Global options may also follow the command: `ferry sync -c ferry.yaml` is
  // `ferry -c ferry.yaml sync`.
  app.fallthrough();
  app.set_version_flag("--version", k_version);
  bool verbose = false;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log more detail to stderr");
  app.add_flag("-q,--quiet", quiet,
               "Log only errors: no live view, no info or warning lines (the report on stdout "
               "still prints)");
  std::string log_format = "text";
  app.add_option("--log-format", log_format,
                 "Log lines on stderr: text (ferry: info: ...) or json (one object a line)")
      ->check(CLI::IsMember({"text", "json"}));
  bool no_color = false;
  app.add_flag("--no-color", no_color, "No colour on a terminal (as NO_COLOR=1 does)");
  std::string config_path;
  app.add_option("-c,--config", config_path,
                 "ferry.yaml to read endpoint names and the fleet from (default: "
                 "$FERRY_CONFIG, else ./ferry.yaml or the nearest in a parent directory)");

  ferry::cli::CommandResult result;
  ferry::cli::add_inspect_command(app, result);
  ferry::cli::add_schema_commands(app, result);
  ferry::cli::add_data_commands(app, result);
  ferry::cli::add_sync_commands(app, result);
  ferry::cli::add_push_commands(app, result);
  ferry::cli::add_run_command(app, result);
  ferry::cli::add_snapshot_commands(app, result);
  ferry::cli::add_migrate_commands(app, result);
  ferry::cli::add_bench_commands(app, result);
  ferry::cli::add_completion_command(app, result);
  ferry::cli::add_man_command(app, result);
  app.add_subcommand("version", "Print ferry's version (as --version does)")->callback([] {
    std::cout << k_version << '\n';
  });

  app.parse_complete_callback([&] {
    ferry::cli::set_config_path(config_path);
    if (no_color)
      ferry::disable_color();
    ferry::setup_logging(quiet     ? ferry::LogLevel::quiet
                         : verbose ? ferry::LogLevel::verbose
                                   : ferry::LogLevel::normal,
                         log_format == "json" ? ferry::LogFormat::json : ferry::LogFormat::text);
  });
  // Errors of the command line itself come before the options are applied: honour the
  // output options for them too.
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--")
      break;
    if (word == "--log-format=json" ||
        (word == "--log-format" && i + 1 < argc && std::string_view(argv[i + 1]) == "json"))
      ferry::setup_logging(ferry::LogLevel::normal, ferry::LogFormat::json);
    if (word == "--no-color")
      ferry::disable_color();
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::vector<std::string> words(argv + 1, argv + argc);
    const std::string unknown = unknown_command(app, words);
    ferry::print_error(unknown.empty() ? masked(e.what(), words) : unknown);
    return static_cast<int>(ExitCode::bad_input);
  } catch (const ferry::Error& e) {
    ferry::print_error(e.what());
    return static_cast<int>(e.exit_code());
  } catch (const std::exception& e) {
    ferry::print_error(e.what());
    return static_cast<int>(ExitCode::failure);
  }
  return static_cast<int>(result.code);
}
