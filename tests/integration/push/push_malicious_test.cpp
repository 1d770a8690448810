// A malicious or broken sender speaks the protocol to `ferry receive ROOT` directly: paths
// that climb out, absolute paths, symlink tricks, chunks that lie. Nothing may be written
// outside ROOT and no release may appear.
#include <gtest/gtest.h>

#include "ferry/common/error.hpp"
#include "ferry/transfer/manifest.hpp"
#include "ferry/transfer/transport.hpp"
#include "ferry/transfer/wire.hpp"
#include "push_support.hpp"
#include "test_env.hpp"

namespace ferry::test {
namespace {

using transfer::ChunkId;
using transfer::Entry;
using transfer::EntryType;
using transfer::FrameType;
using transfer::Manifest;

Entry dir(std::string path) {
  Entry e;
  e.path = std::move(path);
  e.type = EntryType::directory;
  e.mode = 0755;
  return e;
}

Entry file(std::string path, const std::string& content) {
  Entry e;
  e.path = std::move(path);
  e.type = EntryType::file;
  e.mode = 0644;
  e.size = content.size();
  e.hash = transfer::chunk_id(content.data(), content.size());
  if (!content.empty())
    e.chunks.push_back({transfer::chunk_id(content.data(), content.size()),
                        static_cast<std::uint32_t>(content.size())});
  return e;
}

Entry link(std::string path, std::string target) {
  Entry e;
  e.path = std::move(path);
  e.type = EntryType::symlink;
  e.mode = 0777;
  e.size = target.size();
  e.link_target = std::move(target);
  return e;
}

class MaliciousSender : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::path(work.path()) / "node";
    outside = fs::path(work.path()) / "outside";
    fs::create_directories(root);
    fs::create_directories(outside);
  }

  std::unique_ptr<transfer::Connection> connect() {
    transfer::TransportOptions options;
    options.local_ferry = ferry_binary();
    return transfer::Connection::open(transfer::parse_target("local:" + root.string()), options);
  }

  // Sends a push of `manifest` as release `name`, then `content` for every chunk asked
  // for; returns the node's error message, or "" when it staged the release.
  std::string push(const Manifest& manifest, const std::string& name = "r1",
                   const std::string& content = {}) {
    auto conn = connect();
    auto& channel = conn->channel();
    try {
      channel.send_json(FrameType::request, {{"op", "push"}, {"release", name}});
      channel.send(FrameType::manifest,
                   transfer::compress_manifest(transfer::encode_unvalidated(manifest)));
      channel.expect_json(FrameType::reply);
      const auto need = transfer::decode_chunk_ids(channel.expect(FrameType::need).payload);
      for (const ChunkId& id : need)
        channel.send(FrameType::chunk, transfer::encode_chunk_frame(id, content, 1));
      channel.send(FrameType::end, {});
      channel.expect_json(FrameType::reply);
      conn->close();
      return {};
    } catch (const Error& e) {
      // A send that failed because the node gave up: its reason is in the pipe.
      std::string message = e.what();
      try {
        transfer::Frame frame;
        while (channel.send_failed() && channel.receive_or_eof(frame)) {
        }
      } catch (const Error& said) {
        message = said.what();
      }
      conn->close();
      return message;
    }
  }

  void expect_nothing_outside_and_no_release() {
    EXPECT_TRUE(fs::is_empty(outside)) << "something was written outside the root";
    EXPECT_FALSE(fs::exists(root / "releases/r1"));
    EXPECT_FALSE(fs::exists(fs::path(work.path()) / "escape"));
    EXPECT_FALSE(fs::exists("/escape-by-ferry-test"));
  }

  TempDir work;
  fs::path root, outside;
};

TEST_F(MaliciousSender, DotDotPathsAreRefused) {
  Manifest m;
  m.entries = {file("../escape", "x")};
  EXPECT_NE(push(m, "r1", "x").find("../escape"), std::string::npos);
  m.entries = {dir("a"), file("a/../../escape", "x")};
  EXPECT_NE(push(m, "r1", "x"), "");
  expect_nothing_outside_and_no_release();
}

TEST_F(MaliciousSender, AbsolutePathsAreRefused) {
  Manifest m;
  m.entries = {file("/escape-by-ferry-test", "x")};
  EXPECT_NE(push(m, "r1", "x"), "");
  expect_nothing_outside_and_no_release();
}

TEST_F(MaliciousSender, AFileBeneathASymlinkOfTheReleaseIsRefused) {
  Manifest m;
  m.entries = {link("out", outside.string()), file("out/planted", "x")};
  EXPECT_NE(push(m, "r1", "x").find("out/planted"), std::string::npos);
  expect_nothing_outside_and_no_release();
}

TEST_F(MaliciousSender, SymlinksPlantedInTheStagingAreaAreNotFollowed) {
  // A staging directory left with a link in it that points outside the root.
  fs::create_directories(root / "releases/r1.partial");
  fs::create_directory_symlink(outside, root / "releases/r1.partial/sub");
  Manifest m;
  m.entries = {dir("sub"), file("sub/x", "inside")};
  EXPECT_EQ(push(m, "r1", "inside"), "");
  EXPECT_TRUE(fs::is_empty(outside));
  EXPECT_FALSE(fs::is_symlink(root / "releases/r1/sub"));
  EXPECT_EQ(fs::file_size(root / "releases/r1/sub/x"), 6u);
}

TEST_F(MaliciousSender, ALinkedReleasesDirectoryIsRefused) {
  fs::create_directory_symlink(outside, root / "releases");
  Manifest m;
  m.entries = {file("x", "x")};
  EXPECT_NE(push(m, "r1", "x").find("symlink"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(outside));
}

TEST_F(MaliciousSender, ChunksThatDoNotMatchTheirIdsAreRefused) {
  Manifest m;
  m.entries = {file("x", "the real content")};
  EXPECT_NE(push(m, "r1", "something else").find("do not match"), std::string::npos);
  expect_nothing_outside_and_no_release();
}

TEST_F(MaliciousSender, ReleaseNamesThatAreNotNamesAreRefused) {
  Manifest m;
  m.entries = {file("x", "x")};
  for (const char* name : {"../r1", "a/b", ".hidden", "r1.partial", ""})
    EXPECT_NE(push(m, name, "x"), "") << name;
  expect_nothing_outside_and_no_release();
}

TEST_F(MaliciousSender, GarbageIsNotTheProtocol) {
  auto conn = connect();
  const std::string garbage = "GET / HTTP/1.1\r\n\r\n";
  EXPECT_THROW(
      {
        conn->channel().send(FrameType::request, garbage);
        conn->channel().expect_json(FrameType::reply);
      },
      Error);
  EXPECT_NE(conn->close(), 0);
}

}  // namespace
}  // namespace ferry::test
