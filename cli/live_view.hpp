// The live view of long commands (sync, data sync, push, snapshots and copies, migrations):
// one line per tenant or node with its current step, progress (done/total, %), rate and time
// left, redrawn in place on stderr at most ten times a second, with log lines printed above
// it. It draws only when stderr is a terminal with colour on (no NO_COLOR, --no-color or
// TERM=dumb), the log format is text and -q is off; else it draws nothing and the commands
// log plain lines.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ferry/common/log.hpp"

namespace ferry::cli {

enum class Unit { items, bytes };

class LiveView {
 public:
  LiveView();
  // Stops the ticker, draws the final state once (when live) and gives stderr back to the log.
  ~LiveView();
  LiveView(const LiveView&) = delete;
  LiveView& operator=(const LiveView&) = delete;

  bool live() const noexcept { return m_live; }

  // Adds rows in this order (else rows appear as they are first named), each "waiting".
  void add(const std::string& row);
  // Starts a step on a row ("structure", "data", "scan", ...): done counts from 0 up to `total`
  // (0: unknown) of `noun` ("tables", "chunks"; bytes are shown in MiB).
  void step(const std::string& row, std::string step, std::uint64_t total = 0,
            Unit unit = Unit::items, std::string noun = {});
  void set_total(const std::string& row, std::uint64_t total);
  void advance(const std::string& row, std::uint64_t by = 1);
  void set_done(const std::string& row, std::uint64_t done);
  // A few words shown before the counts while the step runs ("parts 3/8").
  void note(const std::string& row, std::string text);
  // The row's last word: a status ("done", "failed", "staged") and what it did.
  void finish(const std::string& row, std::string status, Tone tone, std::string detail = {});
  // Writes text (whole lines) to `to` above the view: a line of the report that comes first.
  void print(std::string_view text, std::FILE* to);
  // Called on the ticker thread before each redraw, to read counters others update.
  void on_tick(std::function<void()> poll);

  // The tone a status word is drawn in: done/ok/staged/in sync green, failed red, ...
  static Tone tone_of(std::string_view status);

 private:
  using Clock = std::chrono::steady_clock;
  struct Row {
    std::string name;
    std::string step = "waiting";
    std::string noun;
    Unit unit = Unit::items;
    std::uint64_t done = 0, total = 0;
    Clock::time_point step_start = Clock::now();
    bool finished = false;
    Tone tone = Tone::plain;
    std::string detail;
    std::string note;
    Clock::time_point first_start = Clock::now();
    bool started = false;
  };

  Row& row_of(const std::string& name);  // m_mutex held
  std::string render_row(const Row& row, std::size_t name_width, std::size_t width) const;
  std::string frame(bool final_frame) const;  // m_mutex held
  void erase();                               // m_mutex held
  void draw(bool final_frame);                // m_mutex held
  void write_log(std::string_view line);

  bool m_live = false;
  bool m_color = false;
  Clock::time_point m_start = Clock::now();
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_stop = false;
  bool m_dirty = false;
  std::vector<Row> m_rows;
  std::vector<std::function<void()>> m_polls;
  std::size_t m_drawn = 0;  // lines of the last frame, above the cursor
  std::thread m_ticker;
};

}  // namespace ferry::cli
