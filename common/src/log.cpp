#include "ferry/common/log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ferry {
namespace {

std::atomic<LogLevel> g_level{LogLevel::normal};
std::atomic<LogFormat> g_format{LogFormat::text};
std::atomic<bool> g_no_color{false};
std::atomic<bool> g_progress_live{false};

std::mutex g_writer_mutex;
LogWriter g_writer;  // guarded by g_writer_mutex

struct Field {
  const char* key;
  std::string value;
};
thread_local std::vector<Field> t_fields;

std::string rfc3339(std::chrono::system_clock::time_point when) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warning";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "info";
  }
}

Tone level_tone(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::warn:
      return Tone::warn;
    case spdlog::level::err:
    case spdlog::level::critical:
      return Tone::bad;
    case spdlog::level::debug:
    case spdlog::level::trace:
      return Tone::dim;
    default:
      return Tone::plain;
  }
}

// One finished line, newline included, in the configured format.
std::string format_line(spdlog::level::level_enum level, std::string_view message,
                        std::chrono::system_clock::time_point when) {
  std::string line;
  if (g_format.load() == LogFormat::json) {
    nlohmann::ordered_json object = {
        {"level", level_name(level)}, {"time", rfc3339(when)}, {"msg", message}};
    // Outer scopes first, so that the innermost value of a key wins.
    for (const Field& field : t_fields)
      object[field.key] = field.value;
    // Bytes that are not UTF-8 (a server's message in another encoding) become U+FFFD.
    line = object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    line += '\n';
    return line;
  }
  line = "ferry: ";
  line += paint(level_name(level), level_tone(level), color_enabled(STDERR_FILENO));
  line += ": ";
  line += message;
  line += '\n';
  return line;
}

void write_line(std::string_view line) {
  const std::lock_guard lock(g_writer_mutex);
  if (g_writer) {
    g_writer(line);
    return;
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

class Sink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    write_line(
        format_line(msg.level, std::string_view(msg.payload.data(), msg.payload.size()), msg.time));
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

void setup_logging(LogLevel level, LogFormat format) {
  g_level = level;
  g_format = format;
  spdlog::drop("ferry");
  auto logger = std::make_shared<spdlog::logger>("ferry", std::make_shared<Sink>());
  switch (level) {
    case LogLevel::quiet:
      logger->set_level(spdlog::level::err);
      break;
    case LogLevel::normal:
      logger->set_level(spdlog::level::info);
      break;
    case LogLevel::verbose:
      logger->set_level(spdlog::level::debug);
      break;
    case LogLevel::debug:
      logger->set_level(spdlog::level::trace);
      break;
  }
  spdlog::register_logger(logger);
  spdlog::set_default_logger(logger);
}

LogLevel log_level() noexcept {
  return g_level.load();
}

LogFormat log_format() noexcept {
  return g_format.load();
}

void print_error(std::string_view message) {
  write_line(format_line(spdlog::level::err, message, std::chrono::system_clock::now()));
}

void set_log_writer(LogWriter writer) {
  const std::lock_guard lock(g_writer_mutex);
  g_writer = std::move(writer);
}

void set_progress_shown_live(bool shown) noexcept {
  g_progress_live = shown;
}

spdlog::level::level_enum progress_line_level() noexcept {
  return g_progress_live.load() ? spdlog::level::debug : spdlog::level::info;
}

void disable_color() noexcept {
  g_no_color = true;
}

bool color_enabled(int fd) noexcept {
  if (g_no_color.load())
    return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0')
    return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb")
    return false;
  return ::isatty(fd) == 1;
}

std::string paint(std::string_view text, Tone tone, bool color) {
  const char* code = nullptr;
  switch (tone) {
    case Tone::plain:
      break;
    case Tone::good:
      code = "\033[32m";
      break;
    case Tone::bad:
      code = "\033[1;31m";
      break;
    case Tone::warn:
      code = "\033[33m";
      break;
    case Tone::dim:
      code = "\033[2m";
      break;
    case Tone::bold:
      code = "\033[1m";
      break;
  }
  if (!color || code == nullptr)
    return std::string(text);
  return std::string(code) + std::string(text) + "\033[0m";
}

LogField::LogField(const char* key, std::string value) : m_depth(t_fields.size()) {
  t_fields.push_back(Field{key, std::move(value)});
}

LogField::~LogField() {
  t_fields.resize(m_depth);
}

}  // namespace ferry
