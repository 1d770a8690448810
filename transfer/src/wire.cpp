#include "ferry/transfer/wire.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ferry/common/error.hpp"

namespace ferry::transfer {
namespace {

constexpr std::size_t k_header = 5;
constexpr std::size_t k_chunk_header = 16 + 4 + 1;
constexpr std::uint8_t k_compressed = 1;

void put_u32(char* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_u64(char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint32_t get_u32(const char* in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}
std::uint64_t get_u64(const char* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}
void put_id(char* out, const ChunkId& id) {
  put_u64(out, id.low);
  put_u64(out + 8, id.high);
}
ChunkId get_id(const char* in) {
  return ChunkId{get_u64(in), get_u64(in + 8)};
}

constexpr std::size_t k_delta_ref = 4 + 16;
// Rate-limited writes go in slices this large, so that the pace is even.
constexpr std::size_t k_paced_slice = 64 << 10;

bool valid_type(std::uint8_t t) {
  return t >= 1 && t <= 10;
}

}  // namespace

Channel::Channel(int in_fd, int out_fd, std::string peer)
    : m_in(in_fd), m_out(out_fd), m_peer(std::move(peer)) {}

void Channel::write_all(const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const std::size_t slice = m_limits.empty() ? size : std::min(size, k_paced_slice);
    for (RateLimiter* limiter : m_limits)
      limiter->acquire(slice);
    const ssize_t n = ::write(m_out, p, slice);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      m_send_failed = true;
      throw Error(ErrorKind::failure, fmt::format("{}: connection lost while sending: {}", m_peer,
                                                  std::strerror(errno)));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
    m_sent += static_cast<std::uint64_t>(n);
  }
}

bool Channel::read_exact(void* data, std::size_t size, bool eof_ok) {
  char* p = static_cast<char*>(data);
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(m_in, p + got, size - got);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw Error(ErrorKind::failure, fmt::format("{}: connection lost while receiving: {}", m_peer,
                                                  std::strerror(errno)));
    }
    if (n == 0) {
      if (got == 0 && eof_ok)
        return false;
      throw Error(ErrorKind::failure, fmt::format("{}: the connection ended in the middle of a "
                                                  "frame",
                                                  m_peer));
    }
    got += static_cast<std::size_t>(n);
    m_received += static_cast<std::uint64_t>(n);
  }
  return true;
}

void Channel::send(FrameType type, std::string_view payload) {
  if (payload.size() > k_max_frame)
    throw Error(ErrorKind::failure, fmt::format("{}: a frame of {} bytes is over the limit of {}",
                                                m_peer, payload.size(), k_max_frame));
  char header[k_header];
  header[0] = static_cast<char>(type);
  put_u32(header + 1, static_cast<std::uint32_t>(payload.size()));
  write_all(header, sizeof header);
  write_all(payload.data(), payload.size());
}

void Channel::send_json(FrameType type, const nlohmann::json& value) {
  send(type, value.dump());
}

bool Channel::receive_or_eof(Frame& frame) {
  char header[k_header];
  if (!read_exact(header, sizeof header, true))
    return false;
  const auto type = static_cast<std::uint8_t>(header[0]);
  const std::uint32_t size = get_u32(header + 1);
  if (!valid_type(type) || size > k_max_frame) {
    throw Error(ErrorKind::failure,
                fmt::format("{}: not ferry's protocol (frame type {}, length {}); is the remote "
                            "command `ferry receive`?",
                            m_peer, type, size));
  }
  frame.type = static_cast<FrameType>(type);
  frame.payload.resize(size);
  read_exact(frame.payload.data(), size, false);
  if (frame.type == FrameType::error) {
    std::string message = frame.payload;
    ErrorKind kind = ErrorKind::failure;
    const auto json = nlohmann::json::parse(frame.payload, nullptr, false);
    if (json.is_object() && json.contains("message") && json["message"].is_string()) {
      message = json["message"].get<std::string>();
      if (json.value("kind", "") == "usage")
        kind = ErrorKind::usage;
    }
    throw Error(kind, fmt::format("{}: {}", m_peer, message));
  }
  return true;
}

Frame Channel::receive() {
  Frame frame;
  if (!receive_or_eof(frame))
    throw Error(ErrorKind::failure, fmt::format("{}: the connection ended unexpectedly", m_peer));
  return frame;
}

Frame Channel::expect(FrameType type) {
  Frame frame = receive();
  if (frame.type != type) {
    throw Error(ErrorKind::failure,
                fmt::format("{}: protocol error: expected frame type {}, got {}", m_peer,
                            static_cast<int>(type), static_cast<int>(frame.type)));
  }
  return frame;
}

nlohmann::json Channel::expect_json(FrameType type) {
  const Frame frame = expect(type);
  auto json = nlohmann::json::parse(frame.payload, nullptr, false);
  if (!json.is_object())
    throw Error(ErrorKind::failure, fmt::format("{}: protocol error: a message that is not a "
                                                "JSON object",
                                                m_peer));
  return json;
}

std::string encode_chunk_frame(const ChunkId& id, std::string_view raw, int level) {
  std::string out(k_chunk_header + ZSTD_compressBound(raw.size()), '\0');
  put_id(out.data(), id);
  put_u32(out.data() + 16, static_cast<std::uint32_t>(raw.size()));
  const std::size_t n = ZSTD_compress(out.data() + k_chunk_header, out.size() - k_chunk_header,
                                      raw.data(), raw.size(), level);
  if (!ZSTD_isError(n) && n < raw.size()) {
    out[20] = static_cast<char>(k_compressed);
    out.resize(k_chunk_header + n);
  } else {
    out[20] = 0;
    out.resize(k_chunk_header);
    out.append(raw);
  }
  return out;
}

void decode_chunk_frame(std::string_view payload, ChunkFrame& out) {
  if (payload.size() < k_chunk_header)
    throw Error(ErrorKind::failure, "protocol error: a chunk frame shorter than its header");
  out.id = get_id(payload.data());
  const std::uint32_t raw_size = get_u32(payload.data() + 16);
  const auto flags = static_cast<std::uint8_t>(payload[20]);
  const std::string_view body = payload.substr(k_chunk_header);
  if (!is_valid_chunk_size(raw_size))
    throw Error(ErrorKind::failure,
                fmt::format("protocol error: a chunk of {} bytes (chunks are 1 to {} bytes)",
                            raw_size, k_max_chunk_size));
  if (flags & k_compressed) {
    out.data.resize(raw_size);
    const std::size_t n = ZSTD_decompress(out.data.data(), raw_size, body.data(), body.size());
    if (ZSTD_isError(n) || n != raw_size) {
      throw Error(ErrorKind::failure, fmt::format("chunk {}: its zstd frame does not decompress "
                                                  "to {} bytes",
                                                  out.id.hex(), raw_size));
    }
  } else {
    if (body.size() != raw_size)
      throw Error(ErrorKind::failure, fmt::format("chunk {}: {} bytes where {} were announced",
                                                  out.id.hex(), body.size(), raw_size));
    out.data.assign(body);
  }
  if (!(chunk_id(out.data.data(), out.data.size()) == out.id)) {
    throw Error(ErrorKind::failure,
                fmt::format("chunk {}: its bytes do not match its hash", out.id.hex()));
  }
}

std::string compress_manifest(std::string_view encoded) {
  std::string out(ZSTD_compressBound(encoded.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), encoded.data(), encoded.size(), 3);
  if (ZSTD_isError(n))
    throw Error(ErrorKind::failure,
                std::string("cannot compress the manifest: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::string decompress_manifest(std::string_view payload) {
  const unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > k_max_frame)
    throw Error(ErrorKind::failure,
                "protocol error: the manifest is not a zstd frame of a "
                "known size under the frame limit");
  std::string out(static_cast<std::size_t>(size), '\0');
  const std::size_t n = ZSTD_decompress(out.data(), out.size(), payload.data(), payload.size());
  if (ZSTD_isError(n) || n != out.size())
    throw Error(ErrorKind::failure, "protocol error: the manifest does not decompress");
  return out;
}

std::string encode_chunk_ids(const std::vector<ChunkId>& ids) {
  std::string out(ids.size() * 16, '\0');
  for (std::size_t i = 0; i < ids.size(); ++i)
    put_id(out.data() + 16 * i, ids[i]);
  return out;
}

std::vector<ChunkId> decode_chunk_ids(std::string_view payload) {
  if (payload.size() % 16 != 0)
    throw Error(ErrorKind::failure, "protocol error: a chunk list that is not 16-byte ids");
  std::vector<ChunkId> ids(payload.size() / 16);
  for (std::size_t i = 0; i < ids.size(); ++i)
    ids[i] = get_id(payload.data() + 16 * i);
  return ids;
}

std::string encode_delta_refs(const std::vector<DeltaRef>& refs) {
  std::string out(refs.size() * k_delta_ref, '\0');
  for (std::size_t i = 0; i < refs.size(); ++i) {
    put_u32(out.data() + k_delta_ref * i, refs[i].entry);
    put_id(out.data() + k_delta_ref * i + 4, refs[i].base);
  }
  return out;
}

std::vector<DeltaRef> decode_delta_refs(std::string_view payload) {
  if (payload.size() % k_delta_ref != 0)
    throw Error(ErrorKind::failure, "protocol error: a delta list that is not 20-byte records");
  std::vector<DeltaRef> refs(payload.size() / k_delta_ref);
  for (std::size_t i = 0; i < refs.size(); ++i) {
    refs[i].entry = get_u32(payload.data() + k_delta_ref * i);
    refs[i].base = get_id(payload.data() + k_delta_ref * i + 4);
  }
  return refs;
}

std::string encode_delta_frame(const DeltaRef& ref, std::string_view zstd_frame) {
  std::string out = encode_delta_refs({ref});
  out.append(zstd_frame);
  return out;
}

DeltaFrame decode_delta_frame(std::string_view payload) {
  if (payload.size() < k_delta_ref)
    throw Error(ErrorKind::failure, "protocol error: a delta frame shorter than its header");
  return DeltaFrame{decode_delta_refs(payload.substr(0, k_delta_ref)).front(),
                    payload.substr(k_delta_ref)};
}

}  // namespace ferry::transfer
