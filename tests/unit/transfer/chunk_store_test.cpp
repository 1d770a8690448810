// The snapshot chunk store: a chunk stored once under its XXH3-128 id as a zstd frame, read
// back checked against its id, damage named with the file, pruning that keeps what is kept.
#include "ferry/transfer/chunk_store.hpp"

#include <gtest/gtest.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "ferry/common/error.hpp"
#include "test_env.hpp"

namespace ferry::transfer {
namespace {

std::string bytes(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  unsigned x = seed * 2654435761u + 1;
  for (char& c : out) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>('a' + (x >> 16) % 8);  // compressible, not constant
  }
  return out;
}

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no Error thrown";
  return {};
}

class ChunkStoreTest : public ::testing::Test {
 protected:
  std::filesystem::path root() const { return std::filesystem::path(m_dir.path()) / "store"; }
  std::filesystem::path file_of(const ChunkId& id) const {
    return root() / "chunks" / id.hex().substr(0, 2) / (id.hex() + ".zst");
  }
  test::TempDir m_dir;
};

TEST_F(ChunkStoreTest, StoresAChunkOnceAndReadsItBack) {
  const ChunkStore store = ChunkStore::open(root(), true);
  const std::string data = bytes(100000, 1);
  const ChunkStore::Put first = store.put(data);
  EXPECT_TRUE(first.added);
  EXPECT_EQ(first.id, chunk_id(data.data(), data.size()));
  EXPECT_TRUE(std::filesystem::is_regular_file(file_of(first.id)));
  EXPECT_EQ(first.stored_bytes, std::filesystem::file_size(file_of(first.id)));
  EXPECT_LT(first.stored_bytes, data.size()) << "a compressible chunk is stored compressed";

  const ChunkStore::Put again = store.put(data);
  EXPECT_FALSE(again.added);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.stored_bytes, first.stored_bytes);
  EXPECT_TRUE(store.contains(first.id));
  EXPECT_EQ(store.get(first.id), data);
  // Reopened without create, the store has what it had.
  EXPECT_EQ(ChunkStore::open(root(), false).get(first.id), data);
}

TEST_F(ChunkStoreTest, ManyWritersOfTheSameChunkLeaveOneWholeFile) {
  const ChunkStore store = ChunkStore::open(root(), true);
  const std::string data = bytes(300000, 2);
  std::vector<std::thread> writers;
  for (int i = 0; i < 4; ++i)
    writers.emplace_back([&] { store.put(data); });
  for (auto& w : writers)
    w.join();
  const ChunkId id = chunk_id(data.data(), data.size());
  EXPECT_EQ(store.get(id), data);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root() / "chunks"))
    files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1u) << "a temporary file was left behind";
}

TEST_F(ChunkStoreTest, DamageIsNamedWithTheFile) {
  const ChunkStore store = ChunkStore::open(root(), true);
  const ChunkId a = store.put(bytes(5000, 3)).id;
  const ChunkId b = store.put(bytes(5000, 4)).id;
  const ChunkId missing = chunk_id("x", 1);
  EXPECT_NE(error_of([&] { store.get(missing); }).find("is missing from the store"),
            std::string::npos);
  EXPECT_FALSE(store.contains(missing));

  // b's file holds a's frame: a valid frame with the wrong content.
  std::filesystem::copy_file(file_of(a), file_of(b),
                             std::filesystem::copy_options::overwrite_existing);
  const std::string wrong = error_of([&] { store.get(b); });
  EXPECT_NE(wrong.find("does not hash to its name"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find(file_of(b).string()), std::string::npos) << wrong;

  std::ofstream(file_of(a), std::ios::trunc) << "not zstd at all";
  EXPECT_NE(error_of([&] { store.get(a); }).find("is not a zstd frame"), std::string::npos);

  EXPECT_NE(error_of([&] { store.put(std::string()); }).find("chunks hold 1 byte"),
            std::string::npos);
}

TEST_F(ChunkStoreTest, ALinkInTheStoreIsNeverFollowed) {
  const ChunkStore store = ChunkStore::open(root(), true);
  const std::string data = bytes(1000, 5);
  const ChunkId id = chunk_id(data.data(), data.size());
  const std::filesystem::path outside = std::filesystem::path(m_dir.path()) / "outside";
  std::filesystem::create_directories(outside);
  std::filesystem::create_directory_symlink(outside, root() / "chunks" / id.hex().substr(0, 2));
  EXPECT_THROW(store.put(data), Error);
  EXPECT_TRUE(std::filesystem::is_empty(outside)) << "a chunk was written through a link";
}

TEST_F(ChunkStoreTest, PruneKeepsWhatIsKeptAndCountsWhatGoes) {
  const ChunkStore store = ChunkStore::open(root(), true);
  std::vector<ChunkStore::Put> puts;
  for (unsigned i = 0; i < 20; ++i)
    puts.push_back(store.put(bytes(2000 + i, 10 + i)));
  EXPECT_EQ(store.list().size(), 20u);
  ChunkIds keep;
  std::uint64_t dropped_bytes = 0;
  for (std::size_t i = 0; i < puts.size(); ++i) {
    if (i % 3 == 0)
      keep.insert(puts[i].id);
    else
      dropped_bytes += puts[i].stored_bytes;
  }
  const ChunkStore::Pruned pruned = store.remove_except(keep);
  EXPECT_EQ(pruned.chunks, 20u - keep.size());
  EXPECT_EQ(pruned.bytes, dropped_bytes);
  EXPECT_EQ(store.list(), keep);
  for (std::size_t i = 0; i < puts.size(); ++i)
    EXPECT_EQ(store.contains(puts[i].id), i % 3 == 0) << i;
  EXPECT_EQ(store.get(puts[0].id), bytes(2000, 10));
}

}  // namespace
}  // namespace ferry::transfer
