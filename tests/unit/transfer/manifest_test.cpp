// The manifest's binary form: round trips, the documented layout byte by byte, and decode()
// on truncated, random and hand-damaged input.
#include "ferry/transfer/manifest.hpp"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "ferry/common/error.hpp"

namespace ferry::transfer {
namespace {

// A second, independent writer of the layout that manifest.hpp documents. It checks nothing,
// so tests can build any input they like.
class Raw {
 public:
  Raw& u8(std::uint8_t v) {
    m_bytes.push_back(static_cast<char>(v));
    return *this;
  }
  Raw& u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    return *this;
  }
  Raw& varint(std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) {
      u8(static_cast<std::uint8_t>(0x80 | (v & 0x7f)));
    }
    return u8(static_cast<std::uint8_t>(v));
  }
  Raw& text(std::string_view v) {
    varint(v.size());
    m_bytes.append(v);
    return *this;
  }
  // shared, rest, type, mode, mtime (already zigzagged)
  Raw& head(std::uint64_t shared, std::string_view rest, std::uint8_t type, std::uint64_t mode,
            std::uint64_t zigzag_mtime = 0) {
    varint(shared).text(rest).u8(type).varint(mode);
    return varint(zigzag_mtime);
  }
  Raw& id(const ChunkId& id) { return u64(id.low).u64(id.high); }
  Raw& dir(std::uint64_t shared, std::string_view rest) { return head(shared, rest, 1, 0755); }
  Raw& file(std::uint64_t shared, std::string_view rest, std::uint64_t size,
            std::initializer_list<std::uint32_t> chunks) {
    head(shared, rest, 2, 0644).varint(size).id(ChunkId{});
    varint(chunks.size());
    for (const std::uint32_t chunk : chunks) {
      id(ChunkId{chunk, 0}).varint(chunk);
    }
    return *this;
  }
  Raw& link(std::uint64_t shared, std::string_view rest, std::string_view target) {
    return head(shared, rest, 3, 0777).text(target);
  }

  // The whole manifest: header, `count` entries from the body so far, checksum.
  std::string framed(std::uint64_t count, std::uint32_t version = 1) const {
    Raw out;
    out.m_bytes = "FRYM";
    for (int i = 0; i < 4; ++i) {
      out.u8(static_cast<std::uint8_t>(version >> (8 * i)));
    }
    out.varint(count);
    out.m_bytes += m_bytes;
    return with_checksum(out.m_bytes);
  }

  static std::string with_checksum(std::string bytes) {
    Raw out;
    out.m_bytes = std::move(bytes);
    out.u64(XXH3_64bits(out.m_bytes.data(), out.m_bytes.size()));
    return out.m_bytes;
  }

 private:
  std::string m_bytes;
};

// decode() fails with Error(failure) and a message that contains `fragment`.
void expect_rejected(const std::string& bytes, const std::string& fragment) {
  try {
    decode(bytes);
    ADD_FAILURE() << "decoded, expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::failure);
    EXPECT_EQ(std::string(e.what()).rfind("manifest: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "'" << e.what() << "' lacks '" << fragment << "'";
  }
}

Entry directory(std::string path, std::uint32_t mode = 0755) {
  Entry e;
  e.path = std::move(path);
  e.type = EntryType::directory;
  e.mode = mode;
  e.mtime_ns = 1'700'000'000'123'456'789;
  return e;
}

Entry file(std::string path, std::vector<std::uint32_t> chunk_sizes, std::uint32_t mode = 0644) {
  Entry e;
  e.path = std::move(path);
  e.type = EntryType::file;
  e.mode = mode;
  e.mtime_ns = 1'600'000'000'000'000'001;
  e.hash = chunk_id(e.path.data(), e.path.size());
  for (const std::uint32_t size : chunk_sizes) {
    const std::string seed = e.path + std::to_string(e.chunks.size());
    e.chunks.push_back({chunk_id(seed.data(), seed.size()), size});
    e.size += size;
  }
  return e;
}

Entry symlink(std::string path, std::string target) {
  Entry e;
  e.path = std::move(path);
  e.type = EntryType::symlink;
  e.mode = 0777;
  e.mtime_ns = -5'000'000'000;  // before the epoch
  e.size = target.size();
  e.link_target = std::move(target);
  return e;
}

// A file of more than 4 GiB in chunks at the cap, and a short last one: sizes past 32 bits.
std::vector<std::uint32_t> big_file_chunks() {
  std::vector<std::uint32_t> sizes(70, k_max_chunk_size);
  sizes.push_back(3'000'000);
  return sizes;
}
constexpr std::uint64_t k_big_file_bytes = 70 * std::uint64_t{k_max_chunk_size} + 3'000'000;

Manifest sample() {
  Manifest m;
  m.entries = {
      directory("bin"),
      file("bin/ferry", {65536, 70000, 12}, 04755),
      symlink("dangling", "../nowhere/at/all"),
      directory("data", 01777),
      file("data/big.db", big_file_chunks()),
      file("data/empty", {}),
      symlink("data/latest", "big.db"),
      directory("d\xc3\xa9j\xc3\xa0 vu"),
      directory("d\xc3\xa9j\xc3\xa0 vu/empty dir"),
      file("d\xc3\xa9j\xc3\xa0 vu/\xe6\x97\xa5\xe6\x9c\xac.txt", {3}),
  };
  return m;
}

TEST(Manifest, RoundTripsEveryKindOfEntry) {
  const Manifest m = sample();
  const std::string bytes = encode(m);
  EXPECT_EQ(bytes.substr(0, 8), std::string("FRYM\x01\x00\x00\x00", 8));
  const Manifest back = decode(bytes);
  EXPECT_EQ(back, m);
  EXPECT_EQ(encode(back), bytes);
  EXPECT_EQ(decode(encode(Manifest{})), Manifest{});
}

TEST(Manifest, CountsFileBytesAndChunkReferences) {
  const Manifest m = sample();
  EXPECT_GT(k_big_file_bytes, std::uint64_t{1} << 32);
  EXPECT_EQ(m.total_bytes(), 65536u + 70000 + 12 + k_big_file_bytes + 3);
  EXPECT_EQ(m.chunk_count(), 3u + 71 + 1);
}

TEST(Manifest, EncodesTheDocumentedLayout) {
  // dir "d" (mode 0755, mtime -1 ns), file "d/f" (5 bytes, one chunk), symlink "d/l" -> "f".
  Manifest m;
  m.entries.push_back(directory("d"));
  m.entries[0].mtime_ns = -1;
  Entry f;
  f.path = "d/f";
  f.mode = 0644;
  f.size = 5;
  f.hash = ChunkId{0x1122, 0x3344};
  f.chunks.push_back({ChunkId{7, 8}, 5});
  m.entries.push_back(f);
  m.entries.push_back(symlink("d/l", "f"));
  m.entries.back().mtime_ns = 0;

  Raw raw;
  raw.head(0, "d", 1, 0755, 1);
  raw.head(1, "/f", 2, 0644).varint(5).id(ChunkId{0x1122, 0x3344}).varint(1);
  raw.id(ChunkId{7, 8}).varint(5);
  raw.link(2, "l", "f");
  const std::string expected = raw.framed(3);
  EXPECT_EQ(encode(m), expected);
  EXPECT_EQ(decode(expected), m);
}

TEST(Manifest, SharesPathPrefixesWithThePreviousEntry) {
  Manifest m;
  std::string path;
  std::size_t path_bytes = 0;
  for (int depth = 0; depth < 20; ++depth) {
    path +=
        (depth ? "/" : "") + std::string("a-rather-long-directory-name-") + std::to_string(depth);
    m.entries.push_back(directory(path));
    path_bytes += path.size();
  }
  EXPECT_LT(encode(m).size(), path_bytes / 5);
}

TEST(Manifest, EveryTruncationIsAnError) {
  const std::string bytes = encode(sample());
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_THROW(decode(bytes.substr(0, size)), Error) << "prefix of " << size << " bytes";
  }
}

TEST(Manifest, RandomBytesAreAnError) {
  std::mt19937_64 random(11);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(random() % 600, '\0');
    for (char& c : bytes) {
      c = static_cast<char>(random());
    }
    if (round % 2 == 1) {
      bytes = Raw::with_checksum(std::string("FRYM\x01\x00\x00\x00", 8) + bytes);
    }
    EXPECT_THROW(decode(bytes), Error) << "round " << round;
  }
}

TEST(Manifest, DamageBehindAValidChecksumIsCaughtOrHarmless) {
  // Flip bytes of a real manifest and fix up the checksum, so the parser itself meets the
  // damage: it must throw Error or return a manifest that obeys every rule.
  const std::string good = encode(sample());
  const std::string body = good.substr(0, good.size() - 8);
  std::mt19937_64 random(12);
  int rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string damaged = body;
    for (int flips = 1 + static_cast<int>(random() % 3); flips > 0; --flips) {
      const std::size_t at = 8 + random() % (damaged.size() - 8);
      damaged[at] = static_cast<char>(damaged[at] ^ (1 + random() % 255));
    }
    try {
      const Manifest m = decode(Raw::with_checksum(damaged));
      EXPECT_NO_THROW(encode(m)) << "round " << round;
    } catch (const Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1000);
}

TEST(Manifest, RejectsBadFraming) {
  expect_rejected("", "magic");
  expect_rejected("FRYX\x01\x00\x00\x00xxxxxxxx", "magic");
  expect_rejected("FRYM", "truncated");
  expect_rejected(Raw().framed(0, 2), "unsupported version 2");
  std::string flipped = Raw().dir(0, "a").framed(1);
  flipped[9] ^= 1;
  expect_rejected(flipped, "checksum");
  expect_rejected(Raw().dir(0, "a").u8(0).framed(1), "left over");
}

TEST(Manifest, BoundsCountsByTheBytesLeft) {
  // Counts near 2^64 must fail before anything is allocated for them.
  expect_rejected(Raw().framed(std::uint64_t{1} << 60), "exceeds");
  expect_rejected(Raw().dir(0, "a").framed(2), "exceeds");
  Raw chunks;
  chunks.head(0, "f", 2, 0644).varint(1).id(ChunkId{}).varint(std::uint64_t{1} << 62);
  expect_rejected(chunks.framed(1), "exceeds");
  Raw long_path;
  long_path.varint(0).varint(std::uint64_t{1} << 62);
  expect_rejected(long_path.framed(1), "truncated");
  Raw overflow;
  for (int i = 0; i < 11; ++i) {
    overflow.u8(0xff);
  }
  expect_rejected(overflow.u8(0).u64(0).u64(0).framed(1), "overflows");
}

TEST(Manifest, RejectsEntriesThatBreakTheRules) {
  expect_rejected(Raw().dir(0, "b").dir(0, "a").framed(2), "not sorted");
  expect_rejected(Raw().dir(0, "a").dir(1, "").framed(2), "not sorted");  // "a" twice
  expect_rejected(Raw().dir(0, "..").framed(1), "'..'");
  expect_rejected(Raw().dir(0, ".").framed(1), "'.'");
  expect_rejected(Raw().dir(0, "/etc").framed(1), "absolute");
  expect_rejected(Raw().dir(0, "a").dir(1, "//b").framed(2), "empty");
  expect_rejected(Raw().dir(0, "a").dir(1, "/").framed(2), "empty");
  expect_rejected(Raw().dir(0, std::string("a\0b", 3)).framed(1), "'a\\x00b': path holds a NUL");
  expect_rejected(Raw().file(0, "x/f", 0, {}).framed(1), "parent");
  // A receiver creating "l/f" would write through the symlink "l", outside the tree.
  expect_rejected(Raw().link(0, "l", "/etc").file(1, "/passwd", 0, {}).framed(2), "parent");
  expect_rejected(Raw().dir(0, "a").dir(5, "b").framed(2), "shares 5 bytes");
  // Only the canonical form: longest shared prefix, minimal varints.
  expect_rejected(Raw().dir(0, "a").dir(0, "a/b").framed(2), "fewer bytes");
  expect_rejected(Raw().varint(0).u8(0x81).u8(0x00).u8('a').u8(1).varint(0755).varint(0).framed(1),
                  "not minimal");
  expect_rejected(Raw().head(0, "a", 9, 0644).framed(1), "unknown type 9");
  expect_rejected(Raw().head(0, "a", 1, 010000).framed(1), "mode");
  expect_rejected(Raw().file(0, "f", 10, {4, 5}).framed(1), "less than the file size");
  expect_rejected(Raw().file(0, "f", 8, {4, 5}).framed(1), "more than the file size");
  expect_rejected(Raw().file(0, "f", 4, {4, 0}).framed(1), "empty");
  expect_rejected(Raw().link(0, "l", "").framed(1), "target");
  Raw big_chunk;
  big_chunk.head(0, "f", 2, 0644).varint(std::uint64_t{1} << 33).id(ChunkId{}).varint(1);
  big_chunk.id(ChunkId{}).varint(std::uint64_t{1} << 33);
  expect_rejected(big_chunk.framed(1), "32 bits");
}

TEST(Manifest, EncodeRefusesWhatDecodeWouldReject) {
  const auto expect_refused = [](std::vector<Entry> entries) {
    Manifest m;
    m.entries = std::move(entries);
    EXPECT_THROW(encode(m), Error);
  };
  expect_refused({directory("b"), directory("a")});
  expect_refused({directory("a"), directory("a")});
  expect_refused({directory("a/..")});
  expect_refused({file("a/f", {1})});
  expect_refused({symlink("a", "x"), file("a/f", {1})});
  Entry sized_dir = directory("d");
  sized_dir.size = 1;
  expect_refused({sized_dir});
  Entry bad_sum = file("f", {1, 2});
  bad_sum.size = 4;
  expect_refused({bad_sum});
  Entry bad_link = symlink("l", "target");
  bad_link.size = 3;
  expect_refused({bad_link});
  Entry bad_mode = file("f", {1});
  bad_mode.mode = 0100644;
  expect_refused({bad_mode});
}

// The message of the Error(failure) that `action` throws; "" (and a failure) if it throws none.
std::string refusal(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::failure);
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return "";
}

// The sender (encode) and the receiver (decode) run one validator with one chunk cap, so a
// manifest one side refuses is refused by the other, with the same words.
TEST(Manifest, SenderAndReceiverRefuseTheSameManifests) {
  // A chunk at the cap passes both ends.
  Manifest at_cap;
  at_cap.entries = {file("f", {k_max_chunk_size})};
  EXPECT_NO_THROW(validate_manifest(at_cap));
  EXPECT_EQ(decode(encode(at_cap)), at_cap);
  EXPECT_EQ(decode(Raw().file(0, "f", k_max_chunk_size, {k_max_chunk_size}).framed(1))
                .entries[0]
                .chunks[0]
                .size,
            k_max_chunk_size);

  // One byte more is refused by the sender before it sends and by the receiver on arrival.
  Manifest over_cap;
  over_cap.entries = {file("f", {k_max_chunk_size + 1})};
  const std::string sender = refusal([&] { encode(over_cap); });
  const std::string receiver = refusal(
      [&] { decode(Raw().file(0, "f", k_max_chunk_size + 1, {k_max_chunk_size + 1}).framed(1)); });
  EXPECT_NE(sender.find("entry 0 'f': a chunk is larger than the chunk size cap"),
            std::string::npos)
      << sender;
  EXPECT_EQ(receiver, sender);
  EXPECT_EQ(refusal([&] { validate_manifest(over_cap); }), sender);

  // A path the node could not create (over 4096 bytes) is refused on both sides too.
  const std::string long_name(4097, 'x');
  Manifest long_path;
  long_path.entries = {file(long_name, {1})};
  const std::string long_sender = refusal([&] { encode(long_path); });
  EXPECT_NE(long_sender.find("longer than 4096 bytes"), std::string::npos) << long_sender;
  EXPECT_EQ(refusal([&] { decode(Raw().file(0, long_name, 1, {1}).framed(1)); }), long_sender);
}

}  // namespace
}  // namespace ferry::transfer
