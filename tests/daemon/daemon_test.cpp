// The real daemon against hostile and broken peers: each bad connection is closed with a log line
// saying why, and the daemon keeps serving honest peers. Also identity persistence across restarts.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <map>
#include <random>
#include <set>

#include "core/uvarint.hpp"
#include "daemon_process.hpp"
#include "flood_util.hpp"
#include "net/host.hpp"
#include "proto/noise.pb.h"
#include "protocol/multistream/dialer.hpp"
#include "protocol/multistream/message.hpp"
#include "protocol/noise/handshake_state.hpp"
#include "protocol/noise/libp2p_handshake.hpp"
#include "protocol/yamux/frame.hpp"
#include "protocol/yamux/session.hpp"
#include "services/identify_service.hpp"
#include "services/ping_service.hpp"

using namespace chiral;
using chiral::testing::DaemonProcess;
using chiral::testing::honest_peer_served;  // dial, identify, ping three times
namespace fs = std::filesystem;
using net::asio::ip::tcp;

namespace {

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("chiral-daemon-test-" + std::to_string(std::random_device{}()))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A blocking TCP client with receive timeouts, for speaking broken protocol by hand.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : socket_(io_) {
    boost::system::error_code ec;
    socket_.connect({net::asio::ip::make_address("127.0.0.1"), port}, ec);
    EXPECT_FALSE(ec) << ec.message();
    timeval tv{0, 200'000};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send(BytesView b) {
    boost::system::error_code ec;
    net::asio::write(socket_, net::asio::buffer(b.data(), b.size()), ec);
  }
  // Reads until `n` bytes are buffered; false on EOF/error/timeout.
  bool read_at_least(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buf_.size() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::uint8_t tmp[65536];
      const ssize_t r = ::recv(socket_.native_handle(), tmp, sizeof tmp, 0);
      if (r == 0) return false;
      if (r < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return false;
      }
      buf_.insert(buf_.end(), tmp, tmp + r);
    }
    return true;
  }
  Bytes take_all() { return take(buf_.size()); }
  Bytes take(std::size_t n) {
    Bytes out(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(n));
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(n));
    return out;
  }
  // True when the daemon closes the connection within `timeout` (all data it sends is discarded).
  bool closed_by_peer(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::uint8_t tmp[65536];
      const ssize_t r = ::recv(socket_.native_handle(), tmp, sizeof tmp, 0);
      if (r == 0) return true;
      if (r < 0 && errno != EAGAIN && errno != EINTR) return true;  // reset
    }
    return false;
  }
  // Negotiates /noise with multistream-select (dialer side).
  bool select_noise() {
    multistream::Dialer d({"/noise"});
    auto first = d.start();
    if (!first) return false;
    send(*first);
    while (!d.done()) {
      if (!read_at_least(1)) return false;
      auto out = d.feed(take(buf_.size()));
      if (!out) return false;
      if (!out->empty()) send(*out);
    }
    buf_.insert(buf_.begin(), d.leftover().begin(), d.leftover().end());
    return true;
  }
  // One 2-byte-length-prefixed Noise message.
  std::optional<Bytes> read_noise_message() {
    if (!read_at_least(2)) return std::nullopt;
    const std::size_t len = std::size_t(buf_[0]) << 8 | buf_[1];
    if (!read_at_least(2 + len)) return std::nullopt;
    take(2);
    return take(len);
  }
  void send_noise_message(BytesView body) {
    Bytes framed = {static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    append(framed, body);
    send(framed);
  }

 private:
  net::asio::io_context io_;
  tcp::socket socket_;
  Bytes buf_;
};

// Bytes of a NoiseHandshakePayload with the given (possibly bogus) fields.
Bytes payload_bytes(const Bytes& key, const Bytes& sig, std::size_t padding = 0) {
  pb::NoiseHandshakePayload p;
  p.set_identity_key(key.data(), key.size());
  p.set_identity_sig(sig.data(), sig.size());
  if (padding) p.mutable_extensions()->add_stream_muxers(std::string(padding, 'x'));
  Bytes out(p.ByteSizeLong());
  p.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

class Daemon : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(
        dir_.path(), std::vector<std::string>{"--listen", "/ip4/127.0.0.1/tcp/0", "--handshake-timeout", "1"});
    ASSERT_TRUE(daemon_->started()) << daemon_->log();
  }
  void TearDown() override {
    EXPECT_TRUE(honest_peer_served(daemon_->multiaddr())) << daemon_->log();
    EXPECT_EQ(daemon_->stop(), 0) << daemon_->log();
  }
  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(Daemon, ServesHonestPeer) { EXPECT_TRUE(honest_peer_served(daemon_->multiaddr())); }

TEST_F(Daemon, GarbageInsteadOfMultistreamHeader) {
  RawClient c(daemon_->port());
  // 'G' reads as a 71-byte message that is not "/multistream/1.0.0\n": refused at once, not by deadline.
  c.send(as_bytes("GET / HTTP/1.1\r\nHost: relay.example\r\nUser-Agent: curl/7.88\r\nAccept: */*\r\n"
                  "Connection: close\r\n\r\n"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(3)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  const auto line = daemon_->wait_for_log("handshake failed during security negotiation");
  EXPECT_NE(line, "") << daemon_->log();
  EXPECT_EQ(line.find("deadline"), std::string::npos) << line;
}

TEST_F(Daemon, StallMidHandshakeIsCutByDeadline) {
  RawClient idle(daemon_->port());             // TCP only, says nothing
  RawClient mid_noise(daemon_->port());        // multistream done, then silence
  ASSERT_TRUE(mid_noise.select_noise());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.closed_by_peer(std::chrono::seconds(4)));
  EXPECT_TRUE(mid_noise.closed_by_peer(std::chrono::seconds(4)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_NE(daemon_->wait_for_log("handshake failed during security negotiation: deadline expired"), "")
      << daemon_->log();
  EXPECT_NE(daemon_->wait_for_log("handshake failed during noise: deadline expired"), "") << daemon_->log();
}

TEST_F(Daemon, WrongNoiseSignature) {
  RawClient c(daemon_->port());
  ASSERT_TRUE(c.select_noise());
  auto identity = crypto::Ed25519PrivateKey::generate();
  noise::HandshakeState hs(noise::Role::initiator, crypto::X25519KeyPair::generate(), {});
  c.send_noise_message(*hs.write_message({}));
  auto msg2 = c.read_noise_message();
  ASSERT_TRUE(msg2);
  ASSERT_TRUE(hs.read_message(*msg2));
  // A valid key, but the signature is over the wrong static key.
  Bytes sig = identity.sign(as_bytes("noise-libp2p-static-key:not-my-static-key"));
  c.send_noise_message(*hs.write_message(payload_bytes(identity.public_key().to_protobuf(), sig)));
  EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(3)));
  EXPECT_NE(daemon_->wait_for_log("handshake failed during noise: .*signature"), "") << daemon_->log();
}

TEST_F(Daemon, OversizedNoisePayload) {
  RawClient c(daemon_->port());
  ASSERT_TRUE(c.select_noise());
  auto identity = crypto::Ed25519PrivateKey::generate();
  noise::HandshakeState hs(noise::Role::initiator, crypto::X25519KeyPair::generate(), {});
  c.send_noise_message(*hs.write_message({}));
  auto msg2 = c.read_noise_message();
  ASSERT_TRUE(msg2);
  ASSERT_TRUE(hs.read_message(*msg2));
  Bytes sig(64, 1);
  // ~60 KiB of payload: a legal Noise message, far over the 8 KiB we accept for a handshake payload.
  c.send_noise_message(*hs.write_message(payload_bytes(identity.public_key().to_protobuf(), sig, 60000)));
  EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(3)));
  EXPECT_NE(daemon_->wait_for_log("handshake failed during noise: .*too large"), "") << daemon_->log();
}

TEST_F(Daemon, TruncatedNoiseFrameAfterHandshake) {
  RawClient c(daemon_->port());
  ASSERT_TRUE(c.select_noise());
  auto identity = crypto::Ed25519PrivateKey::generate();
  noise::Libp2pHandshake hs(noise::Role::initiator, identity, {"/yamux/1.0.0"});
  auto step = hs.on_start();
  ASSERT_TRUE(step);
  c.send(step->send);
  auto msg2 = c.read_noise_message();
  ASSERT_TRUE(msg2);
  step = hs.on_message(*msg2);
  ASSERT_TRUE(step && step->done);
  c.send(step->send);
  // A transport frame shorter than the 16-byte tag.
  c.send_noise_message(Bytes(5, 0));
  EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(3)));
  EXPECT_NE(daemon_->wait_for_log("closed: read: .*frame"), "") << daemon_->log();
}

TEST_F(Daemon, YamuxFrameWithBadVersion) {
  RawClient c(daemon_->port());
  ASSERT_TRUE(c.select_noise());
  auto identity = crypto::Ed25519PrivateKey::generate();
  noise::Libp2pHandshake hs(noise::Role::initiator, identity, {"/yamux/1.0.0"});
  auto step = hs.on_start();
  ASSERT_TRUE(step);
  c.send(step->send);
  auto msg2 = c.read_noise_message();
  ASSERT_TRUE(msg2);
  step = hs.on_message(*msg2);
  ASSERT_TRUE(step && step->done);
  c.send(step->send);
  auto session = hs.finish();
  ASSERT_TRUE(session);
  ASSERT_EQ(session->muxer, "/yamux/1.0.0");  // inline negotiation picked yamux
  Bytes header(yamux::kHeaderSize);
  yamux::encode_header({yamux::kVersion, yamux::FrameType::ping, yamux::flags::syn, 0, 7}, header.data());
  header[0] = 1;  // version 1 does not exist
  Bytes frame;
  ASSERT_TRUE(noise::encrypt_frames(session->send, header, frame));
  c.send(frame);
  EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(3)));
  EXPECT_NE(daemon_->wait_for_log("closed: yamux protocol error: .*version"), "") << daemon_->log();
}

// Collects what a hand-driven yamux client session receives.
struct Collector : yamux::Handler {
  std::map<std::uint32_t, Bytes> data;
  std::set<std::uint32_t> opened;
  void on_stream_opened(std::uint32_t id) override { opened.insert(id); }
  void on_data(std::uint32_t id, BytesView d) override { append(data[id], d); }
  void on_remote_close(std::uint32_t) override {}
  void on_stream_reset(std::uint32_t) override {}
  void on_send_window(std::uint32_t) override {}
  void on_go_away(std::uint32_t) override {}
};

// go/rust "lazy" dialers send the multistream header, their proposal and protocol data in one go, at
// both the connection and the stream level. Nothing sent early may be lost.
TEST_F(Daemon, LazyDialerDataIsNotDropped) {
  RawClient c(daemon_->port());
  auto identity = crypto::Ed25519PrivateKey::generate();
  noise::Libp2pHandshake hs(noise::Role::initiator, identity, {"/yamux/1.0.0"});
  auto step = hs.on_start();
  ASSERT_TRUE(step);
  // Connection level: header + "/noise" + Noise message 1 in a single write.
  Bytes first;
  multistream::append_message(first, multistream::kProtocolId);
  multistream::append_message(first, "/noise");
  append(first, step->send);
  c.send(first);
  const Bytes echo = multistream::encode_message(multistream::kProtocolId);
  const Bytes noise_echo = multistream::encode_message("/noise");
  ASSERT_TRUE(c.read_at_least(echo.size() + noise_echo.size()));
  EXPECT_EQ(c.take(echo.size()), echo);
  EXPECT_EQ(c.take(noise_echo.size()), noise_echo);
  auto msg2 = c.read_noise_message();
  ASSERT_TRUE(msg2);
  step = hs.on_message(*msg2);
  ASSERT_TRUE(step && step->done);
  c.send(step->send);
  auto session = hs.finish();
  ASSERT_TRUE(session);

  // Stream level: SYN + header + "/ipfs/ping/1.0.0" + a 32-byte ping, all in the first data frame.
  Collector got;
  yamux::Session mux(yamux::Role::client, {}, got);
  auto id = mux.open_stream();
  ASSERT_TRUE(id);
  Bytes payload;
  multistream::append_message(payload, multistream::kProtocolId);
  multistream::append_message(payload, "/ipfs/ping/1.0.0");
  Bytes ping(32);
  for (std::size_t i = 0; i < ping.size(); ++i) ping[i] = static_cast<std::uint8_t>(i * 3 + 1);
  append(payload, ping);
  Bytes plain;
  ASSERT_EQ(mux.write(*id, payload, plain), payload.size());
  Bytes wire;
  ASSERT_TRUE(noise::encrypt_frames(session->send, plain, wire));
  c.send(wire);

  Bytes expected;
  multistream::append_message(expected, multistream::kProtocolId);
  multistream::append_message(expected, "/ipfs/ping/1.0.0");
  append(expected, ping);
  noise::FrameDecoder dec(std::move(session->recv));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got.data[*id].size() < expected.size() && std::chrono::steady_clock::now() < deadline) {
    if (!c.read_at_least(1, std::chrono::milliseconds(200))) continue;
    Bytes in = c.take_all();
    BytesView rest = in;
    while (!rest.empty()) {
      auto out = dec.decode(rest);
      ASSERT_TRUE(out) << out.error().message();
      rest = rest.subspan(out->consumed);
      if (out->has_frame) {
        ASSERT_FALSE(mux.receive(out->plaintext));
      }
    }
  }
  EXPECT_EQ(got.data[*id], expected);
}

TEST(DaemonIdentity, RestartKeepsPeerIdAndCorruptFileStopsStartup) {
  TempDir dir;
  std::string first_id;
  {
    DaemonProcess d(dir.path(), {"--listen", "/ip4/127.0.0.1/tcp/0"});
    ASSERT_TRUE(d.started()) << d.log();
    first_id = d.peer_id();
    EXPECT_EQ(d.stop(), 0);
  }
  {
    DaemonProcess d(dir.path(), {"--listen", "/ip4/127.0.0.1/tcp/0"});
    ASSERT_TRUE(d.started()) << d.log();
    EXPECT_EQ(d.peer_id(), first_id);
    EXPECT_EQ(d.stop(), 0);
  }
  // Corrupt the key: start-up fails with a message naming the file; the file is left as it was.
  const auto key = dir.path() / "identity.key";
  {
    std::FILE* f = std::fopen(key.c_str(), "r+b");
    ASSERT_TRUE(f);
    std::fputc(0xff, f);
    std::fclose(f);
  }
  const auto before = fs::file_size(key);
  DaemonProcess bad(dir.path(), {"--listen", "/ip4/127.0.0.1/tcp/0"});
  EXPECT_FALSE(bad.started());
  EXPECT_NE(bad.wait_for_log("identity file .*identity.key is corrupt"), "") << bad.log();
  EXPECT_EQ(bad.stop(), 1);
  EXPECT_EQ(fs::file_size(key), before);
}

}  // namespace
