#include "ferry/transfer/sender.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "ferry/common/error.hpp"
#include "ferry/common/safe_fs.hpp"
#include "ferry/transfer/delta.hpp"

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

namespace {

// The regular file `rel` beneath `root` when it exists, follows no link beneath root and has
// at most k_max_delta_file bytes; else nullopt.
std::optional<std::string> read_delta_input(const std::filesystem::path& root,
                                            const std::string& rel) {
  try {
    const Fd dir = open_root(std::filesystem::absolute(root), false);
    const std::optional<Fd> fd = open_file_beneath_if_exists(dir.get(), rel);
    struct stat st {};
    if (!fd || ::fstat(fd->get(), &st) != 0 ||
        static_cast<std::uint64_t>(st.st_size) > k_max_delta_file)
      return std::nullopt;
    return read_all(fd->get(), rel);
  } catch (const Error&) {
    return std::nullopt;  // a link or something else in the way: no delta from there
  }
}

// Chunk frames carry a 5-byte frame header and a 21-byte chunk header; a delta 5 + 20.
constexpr std::uint64_t k_chunk_overhead = 5 + 21;
constexpr std::uint64_t k_delta_overhead = 5 + 20;

struct ChosenDelta {
  DeltaRef ref;
  std::shared_ptr<const std::string> frame;
  std::uint64_t saved = 0;
};

// Of the files the node offers older copies of, those that cost less as a delta than as the
// chunks the node lacks of them. A file of which the node lacks less than an eighth is left
// to its chunks: they already do well there, and a delta would read two whole files.
std::vector<ChosenDelta> choose_deltas(const std::vector<DeltaRef>& offers,
                                       const std::vector<ChunkId>& need, ChunkFrames& frames,
                                       const DeltaOptions& deltas, const std::string& peer) {
  const Manifest& manifest = deltas.source->manifest();
  std::map<std::uint32_t, std::vector<ChunkId>> offered;
  for (const DeltaRef& ref : offers) {
    if (ref.entry >= manifest.entries.size() ||
        manifest.entries[ref.entry].type != EntryType::file) {
      throw Error(ErrorKind::failure,
                  fmt::format("{}: protocol error: a delta offered for entry {}, which is not a "
                              "file of the release",
                              peer, ref.entry));
    }
    offered[ref.entry].push_back(ref.base);
  }
  const std::unordered_set<ChunkId, Hash128Hash> needed(need.begin(), need.end());
  const std::vector<std::pair<std::uint32_t, std::vector<ChunkId>>> candidates(offered.begin(),
                                                                               offered.end());
  std::vector<std::optional<ChosenDelta>> chosen(candidates.size());
  tbb::parallel_for(std::size_t{0}, candidates.size(), [&](std::size_t i) {
    const auto& [entry, bases] = candidates[i];
    const Entry& e = manifest.entries[entry];
    std::unordered_set<ChunkId, Hash128Hash> lacking;
    std::uint64_t lacking_bytes = 0;
    for (const ChunkRef& c : e.chunks) {
      if (needed.contains(c.id) && lacking.insert(c.id).second)
        lacking_bytes += c.size;
    }
    if (lacking_bytes == 0 || lacking_bytes * 8 < e.size || e.size > k_max_delta_file)
      return;
    const auto delta = deltas.source->get(entry, deltas.base_root, bases);
    if (!delta)
      return;
    std::uint64_t chunk_cost = 0;
    for (const ChunkId& id : lacking)
      chunk_cost += frames.get(id)->size() + k_chunk_overhead;
    const std::uint64_t delta_cost = delta->frame->size() + k_delta_overhead;
    if (delta_cost < chunk_cost)
      chosen[i] = ChosenDelta{DeltaRef{entry, delta->base}, delta->frame, chunk_cost - delta_cost};
  });
  std::vector<ChosenDelta> out;
  for (auto& c : chosen) {
    if (c)
      out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace

DeltaSource::DeltaSource(std::filesystem::path root, const Manifest& manifest, int level)
    : m_root(std::filesystem::absolute(root)), m_manifest(manifest), m_level(level) {}

std::optional<DeltaSource::Delta> DeltaSource::get(std::uint32_t entry,
                                                   const std::filesystem::path& base_root,
                                                   const std::vector<ChunkId>& offered) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard lock(m_mutex);
    auto& s = m_slots[{entry, base_root.string()}];
    if (!s)
      s = std::make_shared<Slot>();
    slot = s;
  }
  const Entry& e = m_manifest.entries.at(entry);
  std::lock_guard lock(slot->mutex);
  std::optional<std::string> base;
  if (!slot->hashed) {
    base = read_delta_input(base_root, e.path);
    if (base)
      slot->base = chunk_id(base->data(), base->size());
    slot->hashed = true;
  }
  if (!slot->base || std::find(offered.begin(), offered.end(), *slot->base) == offered.end())
    return std::nullopt;
  if (!slot->frame) {
    if (!base)
      base = read_delta_input(base_root, e.path);
    if (!base || !(chunk_id(base->data(), base->size()) == *slot->base))
      return std::nullopt;  // changed since it was hashed: leave this file to its chunks
    const std::optional<std::string> target = read_delta_input(m_root, e.path);
    if (!target || target->size() != e.size || !(chunk_id(target->data(), e.size) == e.hash)) {
      throw Error(ErrorKind::failure,
                  fmt::format("{} changed while it was being pushed; push again",
                              (m_root / e.path).string()));
    }
    slot->frame = std::make_shared<const std::string>(compress_delta(*base, *target, m_level));
  }
  return Delta{*slot->base, slot->frame};
}

StageOutcome stage_release(Channel& channel, const std::string& release,
                           std::string_view manifest_frame, ChunkFrames& frames, bool dry_run,
                           const StageProgress& progress, const DeltaOptions& deltas) {
  StageOutcome out;
  const std::uint64_t sent_before = channel.bytes_sent();
  const bool ask_deltas = deltas.source != nullptr && !dry_run;
  channel.send_json(
      FrameType::request,
      {{"op", "push"}, {"release", release}, {"dry_run", dry_run}, {"deltas", ask_deltas}});
  channel.send(FrameType::manifest, manifest_frame);
  out.plan = channel.expect_json(FrameType::reply);
  if (progress.on_plan)
    progress.on_plan(out.plan);
  if (dry_run || out.plan.value("status", "") == "unchanged") {
    out.bytes_sent = channel.bytes_sent() - sent_before;
    return out;
  }
  std::vector<ChunkId> need = decode_chunk_ids(channel.expect(FrameType::need).payload);
  std::vector<ChosenDelta> chosen;
  // A node that does not know deltas does not say "deltas" in its plan and sends no bases.
  if (ask_deltas && out.plan.value("deltas", false)) {
    const std::vector<DeltaRef> offers =
        decode_delta_refs(channel.expect(FrameType::bases).payload);
    chosen = choose_deltas(offers, need, frames, deltas, channel.peer());
    std::vector<DeltaRef> refs;
    for (const ChosenDelta& c : chosen)
      refs.push_back(c.ref);
    channel.send(FrameType::deltas, encode_delta_refs(refs));
    // What the node still lacks once those files come whole as deltas.
    need = decode_chunk_ids(channel.expect(FrameType::need).payload);
  }
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
  // After every chunk: the node rebuilds these files once the chunks are written.
  for (const ChosenDelta& c : chosen) {
    const std::string frame = encode_delta_frame(c.ref, *c.frame);
    channel.send(FrameType::delta, frame);
    ++out.delta_files;
    out.delta_bytes += frame.size();
    out.delta_saved_bytes += c.saved;
  }
  channel.send(FrameType::end, {});
  out.done = channel.expect_json(FrameType::reply);
  out.bytes_sent = channel.bytes_sent() - sent_before;
  return out;
}

}  // namespace ferry::transfer
