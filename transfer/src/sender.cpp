#include "ferry/transfer/sender.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <tbb/parallel_pipeline.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ferry/common/error.hpp"
#include "ferry/common/safe_fs.hpp"

namespace ferry::transfer {

ChunkSource::ChunkSource(std::filesystem::path root, const Manifest& manifest)
    : m_root(std::move(root)), m_manifest(manifest) {
  for (std::size_t i = 0; i < manifest.entries.size(); ++i) {
    const Entry& e = manifest.entries[i];
    std::uint64_t offset = 0;
    for (const ChunkRef& c : e.chunks) {
      m_chunks.try_emplace(c.id, Location{static_cast<std::uint32_t>(i), c.size, offset});
      offset += c.size;
    }
  }
}

std::string ChunkSource::read(const ChunkId& id) const {
  const auto it = m_chunks.find(id);
  if (it == m_chunks.end())
    throw Error(ErrorKind::failure,
                fmt::format("protocol error: the node asked for chunk {}, which is not in the "
                            "release",
                            id.hex()));
  const Location& at = it->second;
  const std::string& path = m_manifest.entries[at.entry].path;
  const std::filesystem::path file = m_root / path;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    throw Error(ErrorKind::failure,
                fmt::format("cannot open {}: {}", file.string(), std::strerror(errno)));
  std::string data(at.size, '\0');
  std::size_t got = 0;
  while (got < data.size()) {
    const ssize_t n =
        ::pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(at.offset + got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got != data.size() || !(chunk_id(data.data(), data.size()) == id)) {
    throw Error(ErrorKind::failure,
                fmt::format("{} changed while it was being pushed; push again", file.string()));
  }
  return data;
}

ChunkFrames::ChunkFrames(const ChunkSource& source, int level, std::size_t budget_bytes)
    : m_source(source), m_level(level), m_budget(budget_bytes) {}

std::shared_ptr<const std::string> ChunkFrames::get(const ChunkId& id) {
  {
    std::lock_guard lock(m_mutex);
    if (const auto it = m_frames.find(id); it != m_frames.end())
      return it->second;
  }
  auto frame =
      std::make_shared<const std::string>(encode_chunk_frame(id, m_source.read(id), m_level));
  ++m_compressions;
  std::lock_guard lock(m_mutex);
  if (m_frames.try_emplace(id, frame).second) {
    m_order.push_back(id);
    m_bytes += frame->size();
    while (m_bytes > m_budget && !m_order.empty()) {
      const auto old = m_frames.find(m_order.front());
      m_bytes -= old->second->size();
      m_frames.erase(old);
      m_order.pop_front();
    }
  }
  return frame;
}

StageOutcome stage_release(Channel& channel, const std::string& release,
                           std::string_view manifest_frame, ChunkFrames& frames, bool dry_run,
                           const StageProgress& progress) {
  StageOutcome out;
  const std::uint64_t sent_before = channel.bytes_sent();
  channel.send_json(FrameType::request,
                    {{"op", "push"}, {"release", release}, {"dry_run", dry_run}});
  channel.send(FrameType::manifest, manifest_frame);
  out.plan = channel.expect_json(FrameType::reply);
  if (progress.on_plan)
    progress.on_plan(out.plan);
  if (dry_run || out.plan.value("status", "") == "unchanged") {
    out.bytes_sent = channel.bytes_sent() - sent_before;
    return out;
  }
  const std::vector<ChunkId> need = decode_chunk_ids(channel.expect(FrameType::need).payload);
  std::size_t next = 0;
  // Read and compress in parallel, send in the order the node asked for.
  tbb::parallel_pipeline(
      8, tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                             [&](tbb::flow_control& fc) -> std::size_t {
                                               if (next == need.size())
                                                 fc.stop();
                                               return next++;
                                             }) &
             tbb::make_filter<std::size_t, std::shared_ptr<const std::string>>(
                 tbb::filter_mode::parallel, [&](std::size_t i) { return frames.get(need[i]); }) &
             tbb::make_filter<std::shared_ptr<const std::string>, void>(
                 tbb::filter_mode::serial_in_order,
                 [&](const std::shared_ptr<const std::string>& frame) {
                   channel.send(FrameType::chunk, *frame);
                   ++out.chunks_sent;
                   if (progress.on_chunk)
                     progress.on_chunk(frame->size());
                 }));
  channel.send(FrameType::end, {});
  out.done = channel.expect_json(FrameType::reply);
  out.bytes_sent = channel.bytes_sent() - sent_before;
  return out;
}

}  // namespace ferry::transfer
