// `ferry man --output DIR` (hidden): the manual pages, ferry(1) and one ferry-COMMAND(1) per
// top-level command, written in roff from the same CLI11 definitions that --help prints, so
// the pages never drift from the command line. The build runs it (cli/CMakeLists.txt).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "ferry/common/error.hpp"

namespace ferry::cli {
namespace {

// Text as roff prints it: a backslash escaped, a leading dot or quote made literal, and the
// dashes of option names kept as minus signs (so that they copy and search as typed).
std::string roff(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-' &&
               (i == 0 || text[i - 1] == ' ' || text[i - 1] == '-' || text[i - 1] == '(' ||
                text[i - 1] == '`' || text[i - 1] == ',' || text[i - 1] == '/')) {
      out += "\\-";
    } else if (c == '\n') {
      out += '\n';
      if (i + 1 < text.size() && (text[i + 1] == '.' || text[i + 1] == '\''))
        out += "\\&";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\''))
    out.insert(0, "\\&");
  return out;
}

// After a value that may repeat; \& keeps roff from taking the dots for a sentence's end.
constexpr const char* k_more = " ...\\&";

bool visible(const CLI::App* app) {
  return !app->get_group().empty() && !app->get_disabled();
}

std::vector<const CLI::App*> commands_of(const CLI::App& app) {
  std::vector<const CLI::App*> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* a) { return visible(a); }))
    out.push_back(sub);
  return out;
}

// Options as --help lists them: the hidden ones (group "") and the help flag left out.
std::vector<const CLI::Option*> options_of(const CLI::App& app, bool positional) {
  std::vector<const CLI::Option*> out;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty() || opt == app.get_help_ptr() || opt == app.get_help_all_ptr())
      continue;
    if (opt->nonpositional() != positional)
      out.push_back(opt);
  }
  return out;
}

// TEXT, INT, or the choices of a CLI::IsMember check: {auto,structure,full}.
std::string value_name(const CLI::Option& opt) {
  std::string type = opt.get_type_name();
  if (const std::size_t brace = type.find('{'); brace != std::string::npos)
    return type.substr(brace);
  if (const std::size_t colon = type.find(':'); colon != std::string::npos)
    type.resize(colon);
  return type.empty() ? "VALUE" : type;
}

bool takes_value(const CLI::Option& opt) {
  return opt.get_items_expected_max() > 0;
}

bool repeats(const CLI::Option& opt) {
  return opt.get_items_expected_max() > 1 || opt.get_expected_max() > 1;
}

// "\fB\-c\fR, \fB\-\-config\fR \fITEXT\fR"
std::string option_words(const CLI::Option& opt) {
  std::string out;
  for (const std::string& s : opt.get_snames())
    out += (out.empty() ? "" : ", ") + std::string("\\fB\\-") + roff(s) + "\\fR";
  for (const std::string& l : opt.get_lnames())
    out += (out.empty() ? "" : ", ") + std::string("\\fB\\-\\-") + roff(l) + "\\fR";
  if (takes_value(opt))
    out += " \\fI" + roff(value_name(opt)) + "\\fR" + (repeats(opt) ? k_more : "");
  return out;
}

std::string option_help(const CLI::Option& opt) {
  std::string help = opt.get_description();
  const std::string fallback = opt.get_default_str();
  if (!fallback.empty() && takes_value(opt) && help.find("default") == std::string::npos)
    help += " (default: " + fallback + ")";
  if (opt.get_required())
    help += " (required)";
  return roff(help);
}

void write_options(std::ostream& out, const std::vector<const CLI::Option*>& options) {
  for (const CLI::Option* opt : options) {
    out << ".TP\n";
    if (opt->nonpositional())
      out << option_words(*opt) << '\n';
    else
      out << "\\fI" << roff(opt->get_name()) << "\\fR" << (repeats(*opt) ? k_more : "") << '\n';
    out << option_help(*opt) << '\n';
  }
}

// One synopsis line: the command words, its required options, [options], its arguments,
// and COMMAND when it has subcommands.
void write_synopsis(std::ostream& out, const std::string& words, const CLI::App& cmd) {
  out << ".B \"" << words << "\"\n";
  for (const CLI::Option* opt : options_of(cmd, false)) {
    if (!opt->get_required())
      continue;
    const std::string name = opt->get_lnames().empty() ? "-" + opt->get_snames().front()
                                                       : "--" + opt->get_lnames().front();
    out << "\\fB" << roff(name) << "\\fR";
    if (takes_value(*opt))
      out << " \\fI" << roff(value_name(*opt)) << "\\fR" << (repeats(*opt) ? k_more : "");
    out << '\n';
  }
  bool has_optional = false;
  for (const CLI::Option* opt : options_of(cmd, false))
    has_optional = has_optional || !opt->get_required();
  if (has_optional)
    out << "[\\fIOPTIONS\\fR]\n";
  for (const CLI::Option* opt : options_of(cmd, true)) {
    const std::string arg = "\\fI" + roff(opt->get_name()) + "\\fR" + (repeats(*opt) ? k_more : "");
    out << (opt->get_required() ? arg : "[" + arg + "]") << '\n';
  }
  if (!commands_of(cmd).empty())
    out << "\\fICOMMAND\\fR ...\n";
  out << ".br\n";
}

void write_synopses(std::ostream& out, const std::string& words, const CLI::App& cmd) {
  const std::vector<const CLI::App*> subs = commands_of(cmd);
  if (subs.empty() || cmd.get_require_subcommand_min() == 0)
    write_synopsis(out, words, cmd);
  for (const CLI::App* sub : subs)
    write_synopses(out, words + " " + sub->get_name(), *sub);
}

// The exit codes of README.md, by ExitCode (ferry/common/error.hpp).
void write_exit_status(std::ostream& out) {
  struct Code {
    ExitCode code;
    const char* meaning;
  };
  const Code codes[] = {
      {ExitCode::ok, "Success."},
      {ExitCode::failure, "Failure."},
      {ExitCode::bad_input,
       "Bad usage, config or endpoint: a malformed URL, an unreachable server, failed "
       "authentication, a missing database."},
      {ExitCode::differences, "A diff found differences."},
      {ExitCode::partial_failure, "Some targets failed while others succeeded."},
  };
  out << ".SH \"EXIT STATUS\"\n";
  for (const Code& c : codes)
    out << ".TP\n.B " << static_cast<int>(c.code) << '\n' << roff(c.meaning) << '\n';
}

std::string upper(std::string text) {
  for (char& c : text)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

void write_header(std::ostream& out, const std::string& page, const std::string& version) {
  out << ".\\\" Generated by `ferry man` from ferry's command definitions; do not edit.\n"
      << ".TH \"" << upper(page) << "\" \"1\" \"\" \"" << version << "\" \"ferry manual\"\n";
}

// The commands of `cmd`, each with its description and options, as subsections: "ferry
// data diff", "ferry data sync".
void write_commands(std::ostream& out, const std::string& words, const CLI::App& cmd) {
  for (const CLI::App* sub : commands_of(cmd)) {
    const std::string name = words + " " + sub->get_name();
    out << ".SS \"" << name << "\"\n" << roff(sub->get_description()) << '\n';
    std::vector<const CLI::Option*> options = options_of(*sub, true);
    for (const CLI::Option* opt : options_of(*sub, false))
      options.push_back(opt);
    if (!options.empty())
      write_options(out, options);
    write_commands(out, name, *sub);
  }
}

void write_top_page(const CLI::App& app, const std::filesystem::path& file,
                    const std::string& version) {
  std::ofstream out(file);
  write_header(out, "ferry", version);
  std::string summary = app.get_description();  // "ferry: schema, data and ..."
  if (summary.starts_with("ferry: "))
    summary.erase(0, 7);
  out << ".SH NAME\nferry \\- " << roff(summary) << '\n';
  out << ".SH SYNOPSIS\n";
  write_synopsis(out, "ferry", app);
  out << ".SH DESCRIPTION\n"
      << "ferry brings every tenant database of a multi-tenant product up to a master "
         "(structure, and the reference data the master owns), takes consistent snapshots and "
         "copies, runs migrations and runbooks, and pushes release trees to nodes.\n"
      << ".PP\n"
      << "Names of the master, tenants, groups, nodes and runbooks come from \\fIferry.yaml\\fR "
         "(\\fB\\-c\\fR); each command has its own page, listed below.\n";
  out << ".SH OPTIONS\n";
  std::vector<const CLI::Option*> options = options_of(app, false);
  if (const CLI::Option* help = app.get_help_ptr())
    options.insert(options.begin(), help);
  write_options(out, options);
  out << ".PP\nThese options may also follow the command.\n";
  out << ".SH COMMANDS\n";
  for (const CLI::App* sub : commands_of(app)) {
    out << ".TP\n\\fB" << roff(sub->get_name()) << "\\fR\n"
        << roff(sub->get_description()) << ": \\fBferry\\-" << roff(sub->get_name())
        << "\\fR(1).\n";
  }
  write_exit_status(out);
  out << ".SH \"SEE ALSO\"\n";
  const std::vector<const CLI::App*> subs = commands_of(app);
  for (std::size_t i = 0; i < subs.size(); ++i)
    out << ".BR ferry\\-" << roff(subs[i]->get_name()) << " (1)" << (i + 1 < subs.size() ? "," : "")
        << '\n';
  if (!out)
    throw Error(ErrorKind::failure, "cannot write " + file.string());
}

void write_command_page(const CLI::App& app, const CLI::App& cmd, const std::filesystem::path& file,
                        const std::string& version) {
  std::ofstream out(file);
  const std::string words = "ferry " + cmd.get_name();
  write_header(out, "ferry-" + cmd.get_name(), version);
  out << ".SH NAME\nferry\\-" << roff(cmd.get_name()) << " \\- " << roff(cmd.get_description())
      << '\n';
  out << ".SH SYNOPSIS\n";
  write_synopses(out, words, cmd);
  out << ".SH DESCRIPTION\n" << roff(cmd.get_description()) << ".\n";
  std::vector<const CLI::Option*> options = options_of(cmd, true);
  for (const CLI::Option* opt : options_of(cmd, false))
    options.push_back(opt);
  if (!options.empty()) {
    out << ".SH OPTIONS\n";
    write_options(out, options);
  }
  if (!commands_of(cmd).empty()) {
    out << ".SH COMMANDS\n";
    write_commands(out, words, cmd);
  }
  out << ".SH \"GLOBAL OPTIONS\"\n";
  write_options(out, options_of(app, false));
  write_exit_status(out);
  out << ".SH \"SEE ALSO\"\n.BR ferry (1)\n";
  if (!out)
    throw Error(ErrorKind::failure, "cannot write " + file.string());
}

}  // namespace

void add_man_command(CLI::App& app, CommandResult& result) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("man", "Write ferry's manual pages (ferry.1, ferry-COMMAND.1) to DIR");
  cmd->group("");  // for the build, not for users: left out of --help
  cmd->add_option("-o,--output", *dir, "The directory to write the pages to")->required();
  cmd->callback([&app, dir, &result] {
    const std::filesystem::path out = *dir;
    std::filesystem::create_directories(out);
    const std::string version = "ferry " FERRY_VERSION;
    write_top_page(app, out / "ferry.1", version);
    for (const CLI::App* sub : commands_of(app))
      write_command_page(app, *sub, out / ("ferry-" + sub->get_name() + ".1"), version);
    result.code = ExitCode::ok;
  });
}

}  // namespace ferry::cli
