// Logging setup. ferry logs to stderr through spdlog; stdout carries only the command's
// result (a table or JSON) so it can be piped. Text lines read "ferry: info: ..."; with
// --log-format json each line is one JSON object: level, time (RFC 3339, UTC, ms), msg, and
// tenant / node / table when the line is about one (set by LogField where that work runs).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <spdlog/common.h>

namespace ferry {

enum class LogLevel { quiet, normal, verbose, debug };
enum class LogFormat { text, json };

// Installs the process-wide logger. Safe to call more than once (the last call wins).
void setup_logging(LogLevel level, LogFormat format = LogFormat::text);

LogLevel log_level() noexcept;
LogFormat log_format() noexcept;

// Prints one error line in the configured format ("ferry: error: ..." or a JSON object),
// also before setup_logging() ran. main()'s last word on a failed command.
void print_error(std::string_view message);

// Where finished log lines (with their newline) are written instead of stderr, while a live
// view owns the terminal: it prints them above itself. Empty restores stderr. Called with
// the logger's lock held, one line at a time.
using LogWriter = std::function<void(std::string_view line)>;
void set_log_writer(LogWriter writer);

// Set while a live view on the terminal shows per-target progress: per-table and per-step
// lines that would repeat it are then logged at debug (-v) instead of info. Such lines log at
// progress_line_level().
void set_progress_shown_live(bool shown) noexcept;
spdlog::level::level_enum progress_line_level() noexcept;

// Colour: --no-color turns it off; so does a non-empty NO_COLOR in the environment; and it is
// only ever on for a terminal.
void disable_color() noexcept;
bool color_enabled(int fd) noexcept;

enum class Tone { plain, good, bad, warn, dim, bold };
// `text` in the tone's ANSI colour when `color` is set, else as it is.
std::string paint(std::string_view text, Tone tone, bool color);

// Names what the current thread is working on for the JSON log lines' fields ("tenant",
// "node", "table"), until the scope ends; scopes nest, the inner value of a key wins.
class LogField {
 public:
  LogField(const char* key, std::string value);
  ~LogField();
  LogField(const LogField&) = delete;
  LogField& operator=(const LogField&) = delete;

 private:
  std::size_t m_depth;
};

}  // namespace ferry
