// ferry's node protocol (docs/push.md, "Protocol"): frames over a byte stream, the stdin and
// stdout of `ferry receive ROOT` on the node.
//
// A frame is a 1-byte type, a 4-byte little-endian payload length and the payload. Requests
// and answers are JSON objects; the manifest, the list of needed chunks and the chunks are
// binary. One connection carries any number of requests, one after the other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/transfer/chunker.hpp"
#include "ferry/transfer/rate_limit.hpp"

namespace ferry::transfer {

inline constexpr int k_protocol_version = 1;
// No frame is larger: a manifest of a few million files fits, a garbage length does not
// make the reader allocate gigabytes.
inline constexpr std::uint32_t k_max_frame = 1u << 30;

enum class FrameType : std::uint8_t {
  request = 1,   // sender -> node: JSON {"op": ..., ...}
  manifest = 2,  // sender -> node: encode(Manifest) as one zstd frame (compress_manifest)
  need = 3,      // node -> sender: the ids of the chunks the node lacks, 16 bytes each
  chunk = 4,     // sender -> node: id (16), raw size (4), flags (1), data (zstd frame or raw)
  end = 5,       // sender -> node: all needed chunks were sent
  reply = 6,     // node -> sender: JSON answer to a request
  error = 7,     // node -> sender: JSON {"message": ..., "kind": ...}; the node gives up
  bases = 8,     // node -> sender: the files it could take as deltas and its copies' hashes
  deltas = 9,    // sender -> node: the files that will come as deltas, against which copy
  delta = 10,    // sender -> node: one file as a zstd frame against the node's copy (delta.hpp)
};

struct Frame {
  FrameType type = FrameType::request;
  std::string payload;
};

// One side of a connection: reads from one file descriptor, writes to another. `peer` names
// the other side in errors ("node ssh://deploy@web1/srv/app").
class Channel {
 public:
  Channel(int in_fd, int out_fd, std::string peer);

  // Paces every later write by `limiter` as well (a per-node limit, a limit across nodes).
  // The limiter must outlive the channel's writes; it may be shared between channels.
  void limit_rate(RateLimiter& limiter) { m_limits.push_back(&limiter); }

  void send(FrameType type, std::string_view payload);
  void send_json(FrameType type, const nlohmann::json& value);
  // The next frame; Error when the stream ends or is malformed. An `error` frame from the
  // node is turned into an Error carrying its message.
  Frame receive();
  // receive(), expecting `type`.
  Frame expect(FrameType type);
  nlohmann::json expect_json(FrameType type);
  // False at a clean end of stream (no byte of a next frame).
  bool receive_or_eof(Frame& frame);

  // A send failed: the other side went away, and may have said why in a frame still to read.
  bool send_failed() const noexcept { return m_send_failed; }
  std::uint64_t bytes_sent() const noexcept { return m_sent; }
  std::uint64_t bytes_received() const noexcept { return m_received; }
  const std::string& peer() const noexcept { return m_peer; }

 private:
  bool read_exact(void* data, std::size_t size, bool eof_ok);
  void write_all(const void* data, std::size_t size);

  int m_in;
  int m_out;
  std::string m_peer;
  std::uint64_t m_sent = 0;
  std::uint64_t m_received = 0;
  bool m_send_failed = false;
  std::vector<RateLimiter*> m_limits;
};

// Chunk frames: a chunk's id and bytes, zstd-compressed unless that does not pay.
std::string encode_chunk_frame(const ChunkId& id, std::string_view raw, int level);
struct ChunkFrame {
  ChunkId id;
  std::string data;  // the raw bytes, checked against id
};
// Decompresses into `out.data` and verifies the id; Error if the frame is malformed or the
// bytes do not hash to the id.
void decode_chunk_frame(std::string_view payload, ChunkFrame& out);

// The manifest frame's payload: paths compress well, and a one-chunk file's chunk id repeats
// its file hash. decompress_manifest refuses a payload that is not one zstd frame of at most
// k_max_frame bytes.
std::string compress_manifest(std::string_view encoded);
std::string decompress_manifest(std::string_view payload);

std::string encode_chunk_ids(const std::vector<ChunkId>& ids);
std::vector<ChunkId> decode_chunk_ids(std::string_view payload);

// A file of the manifest (its entry index) and a copy of an older version of it on the node
// (that copy's hash). A `bases` frame lists every such pair the node offers, a `deltas` frame
// the ones the sender chose (entries ascending, each at most once); 20 bytes each.
struct DeltaRef {
  std::uint32_t entry = 0;
  ChunkId base;
  bool operator==(const DeltaRef&) const = default;
};
std::string encode_delta_refs(const std::vector<DeltaRef>& refs);
std::vector<DeltaRef> decode_delta_refs(std::string_view payload);

// A `delta` frame: the DeltaRef (20 bytes), then the zstd frame of compress_delta().
std::string encode_delta_frame(const DeltaRef& ref, std::string_view zstd_frame);
struct DeltaFrame {
  DeltaRef ref;
  std::string_view data;  // a view into the payload passed to decode_delta_frame
};
DeltaFrame decode_delta_frame(std::string_view payload);

}  // namespace ferry::transfer
