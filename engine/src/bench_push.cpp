// ferry bench push: a tree's scan, chunk and compress rates on this machine, and with
// targets, what pushing it to each would take (the nodes' dry-run plans over the measured
// link).
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "bench_internal.hpp"
#include "exit_code_of.hpp"
#include "ferry/common/safe_fs.hpp"
#include "ferry/common/units.hpp"
#include "ferry/engine/push.hpp"
#include "ferry/transfer/manifest.hpp"
#include "ferry/transfer/wire.hpp"
#include "parallel.hpp"

namespace ferry::engine {
namespace {

// The first `limit` bytes of the tree's files, in manifest order, each file cut at the limit.
std::vector<std::string> read_sample(const std::filesystem::path& root,
                                     const transfer::Manifest& manifest, std::uint64_t limit) {
  std::vector<std::string> files;
  std::uint64_t taken = 0;
  const Fd dir = open_root(root, false);
  for (const transfer::Entry& e : manifest.entries) {
    if (taken >= limit)
      break;
    if (e.type != transfer::EntryType::file || e.size == 0)
      continue;
    const Fd fd = open_file_beneath(dir.get(), e.path);
    std::string data(static_cast<std::size_t>(std::min(e.size, limit - taken)), '\0');
    std::size_t got = 0;
    while (got < data.size()) {
      const ssize_t n = ::read(fd.get(), data.data() + got, data.size() - got);
      if (n <= 0)
        break;
      got += static_cast<std::size_t>(n);
    }
    data.resize(got);
    taken += got;
    files.push_back(std::move(data));
  }
  return files;
}

}  // namespace

ExitCode PushBenchReport::exit_code() const noexcept {
  std::size_t failed = 0;
  for (const PushEstimate& n : nodes)
    failed += n.ok ? 0 : 1;
  return exit_code_of(failed, nodes.size());
}

PushBenchReport bench_push(const PushBenchOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(options.source, ec)) {
    throw Error(ErrorKind::usage, fmt::format("{} is not a directory; bench push takes the tree "
                                              "a push would release",
                                              options.source.string()));
  }
  std::vector<transfer::Target> targets;
  if (!options.targets.empty())
    targets = parse_bench_targets(options.targets);
  const auto start = Clock::now();
  PushBenchReport report;
  report.source = options.source.string();

  spdlog::info("scanning {}", report.source);
  auto phase = Clock::now();
  const transfer::Manifest manifest = transfer::scan_tree(options.source);
  report.scan_seconds = seconds_since(phase);
  for (const transfer::Entry& e : manifest.entries)
    report.files += e.type == transfer::EntryType::file ? 1 : 0;
  report.bytes = manifest.total_bytes();
  report.chunks = manifest.chunk_count();

  const std::vector<std::string> sample = read_sample(options.source, manifest, options.sample);
  for (const std::string& s : sample)
    report.sample_bytes += s.size();
  spdlog::info("chunking and compressing {} of it", human_bytes(report.sample_bytes));
  // Cut and hash as the scanner does, then compress each chunk as a push's frames are.
  const transfer::Chunker chunker;
  std::vector<std::pair<transfer::ChunkId, std::string_view>> chunks;
  phase = Clock::now();
  for (const std::string& file : sample) {
    const auto* data = reinterpret_cast<const std::uint8_t*>(file.data());
    for (std::size_t at = 0; at < file.size();) {
      const std::size_t n = chunker.cut(data + at, file.size() - at);
      chunks.emplace_back(transfer::chunk_id(data + at, n), std::string_view(file).substr(at, n));
      at += n;
    }
  }
  report.chunk_seconds = seconds_since(phase);
  phase = Clock::now();
  for (const auto& [id, raw] : chunks)
    report.compressed_bytes += transfer::encode_chunk_frame(id, raw, options.zstd_level).size();
  report.compress_seconds = seconds_since(phase);

  if (!targets.empty()) {
    spdlog::info("asking {} node(s) what a push would send", targets.size());
    PushOptions dry;
    dry.source = options.source;
    dry.targets = options.targets;
    dry.release = fmt::format("ferry-bench-{}", ::getpid());
    dry.dry_run = true;
    dry.scan_cache = false;
    dry.zstd_level = options.zstd_level;
    dry.transport = options.link.transport;
    const PushReport plan = push(dry);
    const FramePool random = FramePool::random(options.link.size);
    const double ratio = report.sample_bytes == 0 ? 1.0
                                                  : static_cast<double>(report.compressed_bytes) /
                                                        static_cast<double>(report.sample_bytes);
    const double compress_rate =
        report.compress_seconds > 0
            ? static_cast<double>(report.sample_bytes) / report.compress_seconds
            : 0.0;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      PushEstimate n;
      n.target = targets[i].display();
      const NodeResult* planned = i < plan.nodes.size() ? &plan.nodes[i] : nullptr;
      if (planned == nullptr || planned->status == NodeStatus::failed) {
        n.error = planned != nullptr ? planned->error : "no plan";
        spdlog::error("{}: {}", n.target, n.error);
        report.nodes.push_back(std::move(n));
        continue;
      }
      n.need_bytes = planned->plan.value("need_bytes", std::uint64_t{0});
      n.need_chunks = planned->plan.value("need_chunks", std::uint64_t{0});
      n.wire_bytes = static_cast<std::uint64_t>(static_cast<double>(n.need_bytes) * ratio);
      const LinkResult link =
          measure_link(targets[i], options.link, {&random, nullptr}, LinkSteps::raw_only);
      if (!link.ok) {
        n.error = link.error;
        report.nodes.push_back(std::move(n));
        continue;
      }
      n.ok = true;
      n.rtt_seconds = link.rtt_seconds;
      n.raw_bytes_per_second = link.raw_bytes_per_second;
      const double send = static_cast<double>(n.wire_bytes) / link.raw_bytes_per_second;
      const double compress =
          compress_rate > 0 ? static_cast<double>(n.need_bytes) / compress_rate : 0.0;
      n.estimated_seconds = report.scan_seconds + std::max(send, compress) + n.rtt_seconds * 3;
      report.nodes.push_back(std::move(n));
    }
  }
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace ferry::engine
