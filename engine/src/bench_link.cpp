// ferry bench link: round trips, throughput and parallel streams over the push transport, and
// the node side that discards what it is sent (bench_node.hpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "bench_internal.hpp"
#include "bench_node.hpp"
#include "exit_code_of.hpp"
#include "ferry/common/units.hpp"
#include "ferry/engine/bench.hpp"
#include "ferry/transfer/chunker.hpp"
#include "parallel.hpp"

namespace ferry::engine {

bool is_bench_request(std::string_view op) {
  return op == "bench_ping" || op == "bench_sink";
}

nlohmann::json serve_bench_request(transfer::Channel& channel, const nlohmann::json& request) {
  if (request.value("op", "") == "bench_ping")
    return nlohmann::json::object();
  std::uint64_t frames = 0, wire = 0, raw = 0;
  transfer::ChunkFrame chunk;
  for (;;) {
    const transfer::Frame frame = channel.receive();
    if (frame.type == transfer::FrameType::end)
      break;
    if (frame.type != transfer::FrameType::chunk)
      throw Error(ErrorKind::failure, "protocol error: expected a chunk frame or the end");
    transfer::decode_chunk_frame(frame.payload, chunk);
    ++frames;
    wire += frame.payload.size();
    raw += chunk.data.size();
  }
  return {{"frames", frames}, {"wire_bytes", wire}, {"raw_bytes", raw}};
}

namespace {

// Frames sent over and over: at most this many bytes of distinct data are made and held.
constexpr std::uint64_t k_pool_bytes = 64ull << 20;
// A push's chunks average this size, so frames are as many and as large as a push's.
constexpr std::size_t k_frame_raw = transfer::ChunkerParams{}.avg_size;
// Sent, untimed, over every connection before it is measured. A fresh connection is slow for
// its first megabytes: sshd grows its channel buffer towards the 2 MiB window in 32 KiB steps
// (copying it each time) while it hands the node at most a pipe's 64 KiB per turn, and a real
// link's TCP is still in slow start. Timing that start measured sshd's warm-up, not the link
// (a few MiB/s raw on loopback, and the raw step, which ran first, looked slower than zstd).
constexpr std::uint64_t k_warm_up_bytes = 8ull << 20;

void append_random(std::string& out, std::size_t size, std::mt19937_64& rng) {
  const std::size_t start = out.size();
  out.resize(start + size);
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(out.data() + start + i, &v, std::min<std::size_t>(8, size - i));
  }
}

}  // namespace

std::string text_like_bytes(std::size_t size, std::uint64_t seed) {
  static constexpr std::array<const char*, 24> k_words = {
      "order",    "customer", "shipped",  "invoice", "tenant",  "release", "pending",  "warehouse",
      "payment",  "refund",   "account",  "session", "request", "country", "currency", "address",
      "delivery", "status",   "received", "created", "updated", "product", "quantity", "price"};
  static constexpr std::array<const char*, 4> k_levels = {"INFO", "WARN", "DEBUG", "ERROR"};
  std::mt19937_64 rng(seed);
  std::string out;
  out.reserve(size + 256);
  std::uint64_t clock = 1'780'000'000;
  while (out.size() < size) {
    clock += rng() % 3;
    out += fmt::format("{} {} worker-{} ", clock, k_levels[rng() % k_levels.size()], rng() % 32);
    const std::size_t words = 5 + rng() % 8;
    for (std::size_t w = 0; w < words; ++w) {
      out += k_words[rng() % k_words.size()];
      out += (rng() % 4 == 0) ? fmt::format(" {} ", rng() % 100000) : " ";
    }
    out += '\n';
  }
  out.resize(size);
  return out;
}

FramePool FramePool::random(std::uint64_t size) {
  FramePool pool;
  std::mt19937_64 rng(20261206);
  std::string data;
  const std::uint64_t total = std::min(size, k_pool_bytes);
  for (std::uint64_t made = 0; made < total; made += k_frame_raw) {
    data.clear();
    append_random(
        data, static_cast<std::size_t>(std::min<std::uint64_t>(k_frame_raw, total - made)), rng);
    pool.add(data, 1);
  }
  return pool;
}

FramePool FramePool::text(std::uint64_t size, int level) {
  FramePool pool;
  const std::uint64_t total = std::min(size, k_pool_bytes);
  const std::string data = text_like_bytes(static_cast<std::size_t>(total), 42);
  for (std::size_t at = 0; at < data.size(); at += k_frame_raw)
    pool.add(std::string_view(data).substr(at, k_frame_raw), level);
  return pool;
}

void FramePool::add(std::string_view raw, int level) {
  frames.push_back(
      {transfer::encode_chunk_frame(transfer::chunk_id(raw.data(), raw.size()), raw, level),
       raw.size()});
  raw_bytes += raw.size();
}

double FramePool::ratio() const {
  std::uint64_t wire = 0;
  for (const Frame& f : frames)
    wire += f.frame.size();
  return raw_bytes == 0 ? 0.0 : static_cast<double>(wire) / static_cast<double>(raw_bytes);
}

namespace {

struct Sent {
  std::uint64_t raw = 0;
  std::uint64_t wire = 0;
};

// Sends frames of `pool` (from `first` on, round and round) until `bytes` raw bytes went,
// and waits for the node to have taken them all.
Sent sink(transfer::Channel& channel, const FramePool& pool, std::uint64_t bytes,
          std::size_t first) {
  channel.send_json(transfer::FrameType::request, {{"op", "bench_sink"}});
  Sent sent;
  for (std::size_t i = first; sent.raw < bytes; ++i) {
    const FramePool::Frame& f = pool.frames[i % pool.frames.size()];
    channel.send(transfer::FrameType::chunk, f.frame);
    sent.raw += f.raw;
    sent.wire += f.frame.size();
  }
  channel.send(transfer::FrameType::end, "");
  const nlohmann::json reply = channel.expect_json(transfer::FrameType::reply);
  if (reply.value("raw_bytes", std::uint64_t{0}) != sent.raw) {
    throw Error(ErrorKind::failure,
                fmt::format("{}: the node took {} bytes of the {} sent", channel.peer(),
                            reply.value("raw_bytes", std::uint64_t{0}), sent.raw));
  }
  return sent;
}

void ping(transfer::Channel& channel) {
  channel.send_json(transfer::FrameType::request, {{"op", "bench_ping"}});
  channel.expect_json(transfer::FrameType::reply);
}

// The error as the user should see it: when the node (or ssh) went away, what it wrote to
// stderr says why.
std::string describe(const Error& e, transfer::Connection* conn) {
  std::string message = e.what();
  if (conn == nullptr)
    return message;
  if (conn->channel().send_failed()) {
    try {
      transfer::Frame frame;
      while (conn->channel().receive_or_eof(frame)) {
      }
    } catch (const Error& said) {
      message = said.what();
    }
  }
  const int status = conn->close();
  const std::string tail = conn->stderr_tail();
  if (!tail.empty())
    message += fmt::format(" (node exit status {}: {})", status, tail);
  return message;
}

class LinkProbe {
 public:
  LinkProbe(const transfer::Target& target, const LinkBenchOptions& options)
      : m_target(target), m_options(options) {}

  double connect() {
    const auto start = Clock::now();
    m_connections.push_back(transfer::Connection::open(m_target, m_options.transport));
    ping(m_connections.front()->channel());
    return seconds_since(start);
  }

  // Warms every connection up (k_warm_up_bytes, untimed) that has not been yet.
  void warm_up(const FramePool& pool) {
    for (; m_warm < m_connections.size(); ++m_warm)
      sink(m_connections[m_warm]->channel(), pool, k_warm_up_bytes, 0);
  }

  double median_rtt(int pings) {
    std::vector<double> times;
    for (int i = 0; i < std::max(1, pings); ++i) {
      const auto start = Clock::now();
      ping(m_connections.front()->channel());
      times.push_back(seconds_since(start));
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
  }

  // `bytes` of the pool split over `streams` connections at once: raw bytes/s and wire
  // bytes/s of all of them together.
  std::pair<double, double> send(const FramePool& pool, std::uint64_t bytes, int streams) {
    while (m_connections.size() < static_cast<std::size_t>(streams)) {
      m_connections.push_back(transfer::Connection::open(m_target, m_options.transport));
      ping(m_connections.back()->channel());
    }
    warm_up(pool);
    std::vector<Sent> sent(static_cast<std::size_t>(streams));
    std::mutex errors_mutex;  // guards `errors`
    std::vector<std::string> errors;
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    const std::uint64_t share =
        (bytes + static_cast<std::uint64_t>(streams) - 1) / static_cast<std::uint64_t>(streams);
    for (int s = 0; s < streams; ++s) {
      threads.emplace_back([&, s] {
        try {
          const std::size_t first =
              pool.frames.size() * static_cast<std::size_t>(s) / static_cast<std::size_t>(streams);
          sent[static_cast<std::size_t>(s)] =
              sink(m_connections[static_cast<std::size_t>(s)]->channel(), pool, share, first);
        } catch (const Error& e) {
          std::lock_guard lock(errors_mutex);
          errors.push_back(describe(e, m_connections[static_cast<std::size_t>(s)].get()));
        }
      });
    }
    for (std::thread& t : threads)
      t.join();
    const double seconds = seconds_since(start);
    if (!errors.empty()) {
      m_described = true;
      throw Error(ErrorKind::failure, errors.front());
    }
    std::uint64_t raw = 0, wire = 0;
    for (const Sent& s : sent) {
      raw += s.raw;
      wire += s.wire;
    }
    return {static_cast<double>(raw) / seconds, static_cast<double>(wire) / seconds};
  }

  void close() {
    for (auto& c : m_connections)
      c->close();
  }

  // The error as the user should see it (a failed send() said it already).
  std::string describe_error(const Error& e) {
    if (m_described || m_connections.empty())
      return e.what();
    return describe(e, m_connections.front().get());
  }

 private:
  transfer::Target m_target;
  const LinkBenchOptions& m_options;
  std::vector<std::unique_ptr<transfer::Connection>> m_connections;
  std::size_t m_warm = 0;  // m_connections[0, m_warm) are warmed up
  bool m_described = false;
};

}  // namespace

LinkResult measure_link(const transfer::Target& target, const LinkBenchOptions& options,
                        const LinkPools& pools, LinkSteps steps) {
  LinkResult r;
  r.target = target.display();
  LinkProbe probe(target, options);
  try {
    spdlog::info("{}: connecting", r.target);
    r.connect_seconds = probe.connect();
    r.rtt_seconds = probe.median_rtt(options.pings);
    spdlog::info("{}: round trip {:.2f} ms; sending {} of random bytes", r.target,
                 r.rtt_seconds * 1000, human_bytes(options.size));
    r.raw_bytes_per_second = probe.send(*pools.random, options.size, 1).first;
    r.streams.push_back({1, r.raw_bytes_per_second});
    r.streams_to_saturate = 1;
    if (steps == LinkSteps::all) {
      spdlog::info("{}: {} raw; sending {} of text-like bytes, zstd-compressed", r.target,
                   human_rate(r.raw_bytes_per_second), human_bytes(options.size));
      const auto [raw, wire] = probe.send(*pools.text, options.size, 1);
      r.zstd_bytes_per_second = raw;
      r.zstd_wire_bytes_per_second = wire;
      r.zstd_ratio = pools.text->ratio();
      for (int streams = 2; streams <= options.max_streams; streams *= 2) {
        spdlog::info("{}: {} streams", r.target, streams);
        const double rate = probe.send(*pools.random, options.size, streams).first;
        const double previous = r.streams.back().bytes_per_second;
        r.streams.push_back({streams, rate});
        if (rate < previous * 1.10)
          break;
        r.streams_to_saturate = streams;
      }
    }
    probe.close();
    r.ok = true;
  } catch (const Error& e) {
    r.error = probe.describe_error(e);
    spdlog::error("{}: {}", r.target, r.error);
  }
  return r;
}

ExitCode LinkBenchReport::exit_code() const noexcept {
  std::size_t failed = 0;
  for (const LinkResult& t : targets)
    failed += t.ok ? 0 : 1;
  return exit_code_of(failed, targets.size());
}

std::vector<transfer::Target> parse_bench_targets(const std::vector<std::string>& texts) {
  if (texts.empty())
    throw Error(ErrorKind::usage, "no target given (local:/abs/root or ssh://user@host/abs/root)");
  std::vector<transfer::Target> targets;
  for (const std::string& text : texts)
    targets.push_back(transfer::parse_target(text));
  return targets;
}

LinkBenchReport bench_link(const LinkBenchOptions& options) {
  if (options.size == 0)
    throw Error(ErrorKind::usage, "--size must be at least 1 MiB");
  if (options.max_streams < 1)
    throw Error(ErrorKind::usage, "--max-streams must be at least 1");
  const std::vector<transfer::Target> targets = parse_bench_targets(options.targets);
  const auto start = Clock::now();
  spdlog::info("preparing {} of random and of text-like chunk frames",
               human_bytes(std::min(options.size, k_pool_bytes)));
  const FramePool random = FramePool::random(options.size);
  const FramePool text = FramePool::text(options.size, 3);
  LinkBenchReport report;
  report.size = options.size;
  for (const transfer::Target& target : targets)
    report.targets.push_back(measure_link(target, options, {&random, &text}, LinkSteps::all));
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace ferry::engine
