// The node protocol's frames and the push targets, without a node: frames through a pipe,
// chunk frames that must verify, targets that must parse or be refused with a reason.
#include "ferry/transfer/wire.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "ferry/common/error.hpp"
#include "ferry/transfer/transport.hpp"

namespace ferry::transfer {
namespace {

struct Pipe {
  Pipe() { EXPECT_EQ(::pipe(fds), 0); }
  ~Pipe() {
    ::close(fds[0]);
    if (fds[1] >= 0)
      ::close(fds[1]);
  }
  void close_writer() {
    ::close(fds[1]);
    fds[1] = -1;
  }
  int fds[2];
};

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng());
  return out;
}

TEST(Wire, FramesArriveWholeAndInOrderAndEndCleanly) {
  Pipe pipe;
  Channel out(-1, pipe.fds[1], "node");
  Channel in(pipe.fds[0], -1, "sender");
  std::thread writer([&] {
    out.send_json(FrameType::request, {{"op", "list"}});
    out.send(FrameType::manifest, random_bytes(200000, 1));
    out.send(FrameType::end, {});
    pipe.close_writer();
  });
  EXPECT_EQ(in.expect_json(FrameType::request)["op"], "list");
  EXPECT_EQ(in.expect(FrameType::manifest).payload, random_bytes(200000, 1));
  EXPECT_EQ(in.expect(FrameType::end).payload, "");
  Frame frame;
  EXPECT_FALSE(in.receive_or_eof(frame));
  writer.join();
  EXPECT_EQ(in.bytes_received(), out.bytes_sent());
}

TEST(Wire, AnErrorFrameBecomesAnErrorWithTheNodesMessage) {
  Pipe pipe;
  Channel out(-1, pipe.fds[1], "node");
  Channel in(pipe.fds[0], -1, "ssh://web1/srv/app");
  out.send_json(FrameType::error, {{"message", "not enough space"}, {"kind", "failure"}});
  try {
    in.receive();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "ssh://web1/srv/app: not enough space");
  }
}

TEST(Wire, SomethingThatIsNotTheProtocolIsNamedAsSuch) {
  Pipe pipe;
  const std::string banner = "bash: ferry: command not found\n";
  ASSERT_EQ(::write(pipe.fds[1], banner.data(), banner.size()),
            static_cast<ssize_t>(banner.size()));
  Channel in(pipe.fds[0], -1, "ssh://web1/srv/app");
  try {
    in.receive();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not ferry's protocol"), std::string::npos) << e.what();
  }
}

TEST(Wire, AStreamCutInTheMiddleOfAFrameIsAnError) {
  Pipe pipe;
  Channel out(-1, pipe.fds[1], "node");
  Channel in(pipe.fds[0], -1, "sender");
  const char header[] = {static_cast<char>(FrameType::manifest), 100, 0, 0, 0, 'x'};
  ASSERT_EQ(::write(pipe.fds[1], header, sizeof header), static_cast<ssize_t>(sizeof header));
  pipe.close_writer();
  EXPECT_THROW(in.receive(), Error);
}

TEST(Wire, ChunkFramesCompressWhenItPaysAndAlwaysVerify) {
  const std::string text(64 << 10, 'a');
  const std::string noise = random_bytes(64 << 10, 2);
  for (const std::string* raw : {&text, &noise}) {
    const ChunkId id = chunk_id(raw->data(), raw->size());
    const std::string frame = encode_chunk_frame(id, *raw, 3);
    if (raw == &text)
      EXPECT_LT(frame.size(), raw->size() / 10);
    else
      EXPECT_LE(frame.size(), raw->size() + 32);
    ChunkFrame decoded;
    decode_chunk_frame(frame, decoded);
    EXPECT_EQ(decoded.data, *raw);
    EXPECT_EQ(decoded.id, id);

    // A flipped byte anywhere in the data is caught.
    std::string bad = frame;
    bad[bad.size() / 2 + 12] ^= 0x40;
    EXPECT_THROW(decode_chunk_frame(bad, decoded), Error);
    // A frame claiming another id is caught.
    const ChunkId other = chunk_id("x", 1);
    EXPECT_THROW(decode_chunk_frame(
                     encode_chunk_frame(other, *raw, 3).substr(0, 16) + frame.substr(16), decoded),
                 Error);
  }
  ChunkFrame decoded;
  EXPECT_THROW(decode_chunk_frame("short", decoded), Error);
}

TEST(Wire, AChunkFrameOverTheChunkCapIsRefusedBeforeItIsRead) {
  // The header announces one byte more than any manifest may hold in a chunk: refused at the
  // header, as validate_manifest refuses such a chunk, before a buffer is sized for it.
  std::string frame = encode_chunk_frame(ChunkId{}, "x", 1);
  const std::uint32_t size = k_max_chunk_size + 1;
  for (int i = 0; i < 4; ++i)
    frame[16 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
  ChunkFrame decoded;
  try {
    decode_chunk_frame(frame, decoded);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("chunks are 1 to 67108864 bytes"), std::string::npos)
        << e.what();
  }
}

TEST(Wire, ManifestsTravelCompressedAndGarbageIsRefused) {
  const std::string encoded = std::string(100000, 'p') + random_bytes(1000, 3);
  const std::string payload = compress_manifest(encoded);
  EXPECT_LT(payload.size(), encoded.size() / 10);
  EXPECT_EQ(decompress_manifest(payload), encoded);
  EXPECT_THROW(decompress_manifest(random_bytes(100, 4)), Error);
  EXPECT_THROW(decompress_manifest(payload.substr(0, payload.size() / 2)), Error);
}

TEST(Wire, ChunkIdListsRoundTripAndRefuseRaggedInput) {
  const std::vector<ChunkId> ids = {chunk_id("a", 1), chunk_id("b", 1), ChunkId{1, 2}};
  EXPECT_EQ(decode_chunk_ids(encode_chunk_ids(ids)), ids);
  EXPECT_THROW(decode_chunk_ids(std::string(17, 'x')), Error);
}

TEST(Targets, LocalAndSshTargetsParse) {
  Target t = parse_target("local:/srv/app/");
  EXPECT_EQ(t.kind, Target::Kind::local);
  EXPECT_EQ(t.root, "/srv/app");
  EXPECT_EQ(t.display(), "local:/srv/app");

  t = parse_target("ssh://deploy@web1.internal:2222/srv/app");
  EXPECT_EQ(t.kind, Target::Kind::ssh);
  EXPECT_EQ(t.user, "deploy");
  EXPECT_EQ(t.host, "web1.internal");
  EXPECT_EQ(t.port, 2222);
  EXPECT_EQ(t.root, "/srv/app");
  EXPECT_EQ(t.display(), "ssh://deploy@web1.internal:2222/srv/app");

  t = parse_target("ssh://[::1]/srv/app?ferry=/opt/ferry/bin/ferry");
  EXPECT_EQ(t.host, "::1");
  EXPECT_EQ(t.user, "");
  EXPECT_EQ(t.port, 0);
  EXPECT_EQ(t.remote_ferry, "/opt/ferry/bin/ferry");
  EXPECT_EQ(t.display(), "ssh://[::1]/srv/app");
}

TEST(Targets, MalformedTargetsSayWhatIsWrong) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"local:srv/app", "absolute"},
      {"local:/srv/../etc", ".."},
      {"ssh://web1", "no root"},
      {"ssh://web1:99999/srv", "port out of range"},
      {"ssh://web1:22x/srv", "port is not a number"},
      {"ssh://deploy:hunter2@web1/srv", "take no password"},
      {"ssh://web1/srv?fery=/opt/ferry", "unknown parameter 'fery'"},
      {"ssh://@web1/srv", "empty user"},
      {"ssh://-oProxyCommand=x/srv", "'-'"},
      {"rsync://web1/srv", "unknown scheme"},
      {"/srv/app", "unknown scheme"},
  };
  for (const auto& [text, why] : cases) {
    try {
      parse_target(text);
      ADD_FAILURE() << text << " parsed";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_endpoint) << text;
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
      if (text.find("hunter2") == std::string::npos) {
        EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
      }
      EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ferry::transfer
