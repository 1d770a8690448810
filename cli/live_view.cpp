#include "live_view.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace ferry::cli {
namespace {

constexpr auto k_tick = std::chrono::milliseconds(100);  // at most ten frames a second

struct TermSize {
  std::size_t width = 80, height = 24;
};

TermSize term_size() {
  TermSize size;
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) {
    if (ws.ws_col > 0)
      size.width = ws.ws_col;
    if (ws.ws_row > 0)
      size.height = ws.ws_row;
  }
  return size;
}

std::string duration(double seconds) {
  if (seconds < 60)
    return fmt::format("{:.0f}s", seconds);
  const auto s = static_cast<long long>(seconds);
  if (s < 3600)
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.1f}", static_cast<double>(bytes) / (1 << 20));
}

void write_all(std::FILE* to, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), to);
  std::fflush(to);
}

}  // namespace

LiveView::LiveView() {
  // Redrawing in place takes escapes as colour does: NO_COLOR, --no-color and TERM=dumb mean
  // a plain log, as without a terminal.
  m_color = color_enabled(STDERR_FILENO);
  m_live = m_color && log_format() == LogFormat::text && log_level() != LogLevel::quiet;
  if (!m_live)
    return;
  set_progress_shown_live(true);
  set_log_writer([this](std::string_view line) { write_log(line); });
  m_ticker = std::thread([this] {
    std::unique_lock lock(m_mutex);
    while (!m_cv.wait_for(lock, k_tick, [this] { return m_stop; })) {
      const std::vector<std::function<void()>> polls = m_polls;
      lock.unlock();
      for (const auto& poll : polls)
        poll();
      lock.lock();
      const bool running = std::any_of(m_rows.begin(), m_rows.end(),
                                       [](const Row& r) { return r.started && !r.finished; });
      if (m_dirty || running)
        draw(false);
    }
  });
}

LiveView::~LiveView() {
  if (!m_live)
    return;
  {
    const std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_all();
  m_ticker.join();
  for (const auto& poll : m_polls)
    poll();
  {
    const std::lock_guard lock(m_mutex);
    draw(true);
  }
  set_log_writer({});
  set_progress_shown_live(false);
}

Tone LiveView::tone_of(std::string_view status) {
  if (status == "failed" || status == "error")
    return Tone::bad;
  if (status == "done" || status == "ok" || status == "staged" || status == "flipped" ||
      status == "in sync" || status == "unchanged" || status == "applied" || status == "verified" ||
      status == "synced" || status == "planned")
    return Tone::good;
  if (status == "partial" || status == "skipped" || status == "not run" || status == "blocked" ||
      status == "would apply" || status == "unverified" || status == "differs")
    return Tone::warn;
  return Tone::plain;
}

LiveView::Row& LiveView::row_of(const std::string& name) {
  for (Row& r : m_rows) {
    if (r.name == name)
      return r;
  }
  m_rows.push_back(Row{.name = name});
  return m_rows.back();
}

void LiveView::add(const std::string& row) {
  const std::lock_guard lock(m_mutex);
  row_of(row);
  m_dirty = true;
}

void LiveView::step(const std::string& row, std::string step, std::uint64_t total, Unit unit,
                    std::string noun) {
  const std::lock_guard lock(m_mutex);
  Row& r = row_of(row);
  r.step = std::move(step);
  r.total = total;
  r.unit = unit;
  r.noun = std::move(noun);
  r.done = 0;
  r.note.clear();
  r.step_start = Clock::now();
  if (!r.started) {
    r.started = true;
    r.first_start = r.step_start;
  }
  r.finished = false;
  m_dirty = true;
}

void LiveView::set_total(const std::string& row, std::uint64_t total) {
  const std::lock_guard lock(m_mutex);
  row_of(row).total = total;
  m_dirty = true;
}

void LiveView::advance(const std::string& row, std::uint64_t by) {
  const std::lock_guard lock(m_mutex);
  row_of(row).done += by;
  m_dirty = true;
}

void LiveView::set_done(const std::string& row, std::uint64_t done) {
  const std::lock_guard lock(m_mutex);
  row_of(row).done = done;
  m_dirty = true;
}

void LiveView::note(const std::string& row, std::string text) {
  const std::lock_guard lock(m_mutex);
  row_of(row).note = std::move(text);
  m_dirty = true;
}

void LiveView::finish(const std::string& row, std::string status, Tone tone, std::string detail) {
  const std::lock_guard lock(m_mutex);
  Row& r = row_of(row);
  if (!r.started) {
    r.started = true;
    r.first_start = Clock::now();
  }
  r.step = std::move(status);
  r.tone = tone;
  r.detail = std::move(detail);
  r.finished = true;
  r.step_start = Clock::now();  // the row's time stops here
  m_dirty = true;
}

void LiveView::on_tick(std::function<void()> poll) {
  const std::lock_guard lock(m_mutex);
  m_polls.push_back(std::move(poll));
}

std::string LiveView::render_row(const Row& r, std::size_t name_width, std::size_t width) const {
  std::string rest;
  const auto now = Clock::now();
  if (r.finished) {
    rest = r.detail;
    const double took = std::chrono::duration<double>(r.step_start - r.first_start).count();
    rest += (rest.empty() ? "" : ", ") + fmt::format("{:.2f}s", took);
  } else if (r.started) {
    const double seconds = std::chrono::duration<double>(now - r.step_start).count();
    const bool bytes = r.unit == Unit::bytes;
    const std::string noun = bytes ? "MiB" : r.noun;
    const auto amount = [&](std::uint64_t n) { return bytes ? mib(n) : std::to_string(n); };
    if (!r.note.empty())
      rest = r.note + ", ";
    if (r.total > 0) {
      const double pct =
          100.0 * static_cast<double>(std::min(r.done, r.total)) / static_cast<double>(r.total);
      rest += fmt::format("{}/{}{}{} {:3.0f}%", amount(r.done), amount(r.total),
                          noun.empty() ? "" : " ", noun, pct);
    } else if (r.done > 0) {
      rest += amount(r.done) + (noun.empty() ? "" : " " + noun);
    }
    const double rate = seconds > 0.5 ? static_cast<double>(r.done) / seconds : 0.0;
    if (rate > 0) {
      rest += bytes ? fmt::format(", {:.1f} MiB/s", rate / (1 << 20))
                    : fmt::format(", {:.0f}{}{}/s", rate, noun.empty() ? "" : " ", noun);
      if (r.total > r.done)
        rest += ", ETA " + duration(static_cast<double>(r.total - r.done) / rate);
    }
    rest += (rest.empty() ? "" : ", ") + duration(seconds);
  }
  // A long name keeps its end, where targets differ (".../node1", ".../node2").
  std::string name = r.name;
  if (name.size() > name_width)
    name = "..." + name.substr(name.size() - (name_width - 3));
  std::string word = r.step;
  const std::size_t word_width = 12;
  if (word.size() < word_width)
    word.resize(word_width, ' ');
  std::string line = fmt::format("{:<{}}  ", name, name_width);
  const std::size_t used = line.size() + word.size() + 1;
  std::string tail = rest;
  if (used >= width)
    tail.clear();
  else if (tail.size() > width - used)
    tail = tail.substr(0, width - used);
  const Tone tone = r.finished ? r.tone : r.started ? Tone::bold : Tone::dim;
  if (used > width)
    word = word.substr(0, width > line.size() ? width - line.size() : 0);
  // Colour only the word, not its padding.
  std::size_t end = word.find_last_not_of(' ');
  end = end == std::string::npos ? 0 : end + 1;
  line += paint(word.substr(0, end), tone, m_color) + word.substr(end);
  if (!tail.empty())
    line += " " + tail;
  return line;
}

std::string LiveView::frame(bool final_frame) const {
  const TermSize size = term_size();
  const std::size_t width = size.width > 1 ? size.width - 1 : 1;
  std::size_t name_width = 4;
  for (const Row& r : m_rows)
    name_width = std::max(name_width, r.name.size());
  name_width = std::min(name_width, std::max<std::size_t>(width * 2 / 5, 8));
  std::size_t finished = 0, failed = 0, running = 0;
  for (const Row& r : m_rows) {
    finished += r.finished ? 1 : 0;
    failed += r.finished && r.tone == Tone::bad ? 1 : 0;
    running += r.started && !r.finished ? 1 : 0;
  }
  const bool summary = m_rows.size() > 1;
  // While live, the frame must fit the screen to be redrawn in place: running rows first.
  const std::size_t room = size.height > 3 ? size.height - 2 : 1;
  std::vector<const Row*> shown;
  if (final_frame || m_rows.size() + (summary ? 1 : 0) <= room) {
    for (const Row& r : m_rows)
      shown.push_back(&r);
  } else {
    for (const Row& r : m_rows) {
      if (shown.size() < room - 1 && r.started && !r.finished)
        shown.push_back(&r);
    }
  }
  std::string out;
  for (const Row* r : shown)
    out += render_row(*r, name_width, width) + '\n';
  if (summary) {
    const double seconds = std::chrono::duration<double>(Clock::now() - m_start).count();
    std::string line = fmt::format("{}/{} finished", finished, m_rows.size());
    if (running > 0)
      line += fmt::format(", {} running", running);
    if (failed > 0)
      line += ", " + paint(fmt::format("{} failed", failed), Tone::bad, m_color);
    if (shown.size() < m_rows.size())
      line += fmt::format(" ({} not shown)", m_rows.size() - shown.size());
    line += ", " + duration(seconds);
    out += line + '\n';
  }
  return out;
}

void LiveView::erase() {
  if (m_drawn == 0)
    return;
  write_all(stderr, fmt::format("\033[{}A\r\033[J", m_drawn));
  m_drawn = 0;
}

void LiveView::draw(bool final_frame) {
  const std::string text = frame(final_frame);
  std::string out = m_drawn > 0 ? fmt::format("\033[{}A\r\033[J", m_drawn) : "\r\033[J";
  out += text;
  write_all(stderr, out);
  m_drawn = final_frame ? 0 : static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  m_dirty = false;
}

void LiveView::print(std::string_view text, std::FILE* to) {
  if (!m_live) {
    write_all(to, text);
    return;
  }
  const std::lock_guard lock(m_mutex);
  erase();
  write_all(to, text);
  if (!m_rows.empty())
    draw(false);
}

void LiveView::write_log(std::string_view line) {
  const std::lock_guard lock(m_mutex);
  erase();
  write_all(stderr, line);
  if (!m_rows.empty())
    draw(false);
}

}  // namespace ferry::cli
