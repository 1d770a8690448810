// Deltas of changed files: a file rebuilt from its older copy and a zstd patch-from frame,
// the frames that carry them, and what happens against the wrong copy.
#include "ferry/transfer/delta.hpp"

#include <gtest/gtest.h>

#include <random>

#include "ferry/common/error.hpp"
#include "ferry/transfer/chunker.hpp"
#include "ferry/transfer/wire.hpp"

namespace ferry::transfer {
namespace {

std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng());
  return out;
}

// `base` with a few bytes inserted at several places and a stretch overwritten: a rebuilt
// binary's kind of change, which shifts everything after the first insert.
std::string edited(const std::string& base) {
  std::string out = base;
  for (std::size_t at : {base.size() * 7 / 8, base.size() / 2, base.size() / 5, std::size_t{100}})
    out.insert(at, "a few new bytes");
  out.replace(base.size() / 3, 300, random_bytes(300, 99));
  return out;
}

TEST(Delta, RebuildsTheFileFromItsOlderCopyAndIsSmall) {
  const std::string base = random_bytes(3 << 20, 1);
  const std::string target = edited(base);
  const std::string frame = compress_delta(base, target, 3);
  EXPECT_LT(frame.size(), 8u << 10);  // the edits and the copy instructions, not 3 MiB
  EXPECT_EQ(decompress_delta(base, frame, target.size()), target);
}

TEST(Delta, AnEmptyBaseOrTargetWorks) {
  const std::string text = "hello, world\n";
  EXPECT_EQ(decompress_delta("", compress_delta("", text, 3), text.size()), text);
  EXPECT_EQ(decompress_delta(text, compress_delta(text, "", 3), 0), "");
}

TEST(Delta, AgainstAnotherCopyItFailsOrRebuildsOtherBytes) {
  const std::string base = random_bytes(1 << 20, 2);
  const std::string target = edited(base);
  const std::string frame = compress_delta(base, target, 3);
  const std::string other = random_bytes(1 << 20, 3);
  // zstd may or may not notice; either way the result is not the file, which is what the
  // receiver's hash check catches.
  try {
    const std::string rebuilt = decompress_delta(other, frame, target.size());
    EXPECT_FALSE(chunk_id(rebuilt.data(), rebuilt.size()) ==
                 chunk_id(target.data(), target.size()));
  } catch (const Error&) {
  }
}

TEST(Delta, AFrameOfAnotherSizeOrGarbageIsRefused) {
  const std::string base = random_bytes(64 << 10, 4);
  const std::string target = edited(base);
  const std::string frame = compress_delta(base, target, 3);
  EXPECT_THROW(decompress_delta(base, frame, target.size() + 1), Error);
  EXPECT_THROW(decompress_delta(base, "not a zstd frame", target.size()), Error);
  EXPECT_THROW(decompress_delta(base, frame.substr(0, frame.size() / 2), target.size()), Error);
}

TEST(Delta, TooLargeInputsAreRefused) {
  const std::string big(k_max_delta_file + 1, 'x');
  EXPECT_THROW(compress_delta(big, "x", 1), Error);
  EXPECT_THROW(compress_delta("x", big, 1), Error);
}

TEST(DeltaFrames, RefsAndFramesRoundTrip) {
  const std::vector<DeltaRef> refs = {
      {0, ChunkId{1, 2}}, {7, ChunkId{~0ull, 3}}, {0xfffffffe, ChunkId{5, 6}}};
  EXPECT_EQ(decode_delta_refs(encode_delta_refs(refs)), refs);
  EXPECT_TRUE(decode_delta_refs("").empty());
  EXPECT_THROW(decode_delta_refs(std::string(21, '\0')), Error);

  const std::string payload = encode_delta_frame(refs[1], "zstd bytes");
  const DeltaFrame frame = decode_delta_frame(payload);
  EXPECT_EQ(frame.ref, refs[1]);
  EXPECT_EQ(frame.data, "zstd bytes");
  EXPECT_THROW(decode_delta_frame(std::string(19, '\0')), Error);
}

}  // namespace
}  // namespace ferry::transfer
