// Tests for the Yamux session (hashicorp/yamux spec.md): two sessions wired back to back in memory.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "protocol/yamux/error.hpp"
#include "protocol/yamux/frame.hpp"
#include "protocol/yamux/session.hpp"

using namespace chiral;
using namespace chiral::yamux;

namespace {

// Records every event as text (data is collected per stream, since its split depends on the input).
struct Recorder : Handler {
  Session* session = nullptr;
  bool auto_consume = true;
  std::vector<std::string> events;
  std::map<std::uint32_t, std::string> data;
  std::function<void(std::uint32_t)> opened_hook;
  std::function<void(std::uint32_t, BytesView)> data_hook;
  std::function<void(std::uint32_t)> remote_close_hook;

  void log(const std::string& what, std::uint32_t v) { events.push_back(what + " " + std::to_string(v)); }
  void on_stream_opened(std::uint32_t id) override {
    log("open", id);
    if (opened_hook) opened_hook(id);
  }
  void on_data(std::uint32_t id, BytesView d) override {
    data[id] += std::string(as_string_view(d));
    if (auto_consume) session->consumed(id, d.size());
    if (data_hook) data_hook(id, d);
  }
  void on_remote_close(std::uint32_t id) override {
    log("fin", id);
    if (remote_close_hook) remote_close_hook(id);
  }
  void on_stream_reset(std::uint32_t id) override { log("rst", id); }
  void on_send_window(std::uint32_t id) override { log("window", id); }
  void on_stream_acked(std::uint32_t id) override { log("acked", id); }
  void on_pong(std::uint32_t opaque) override { log("pong", opaque); }
  void on_go_away(std::uint32_t code) override { log("goaway", code); }
  bool saw(const std::string& e) const { return std::find(events.begin(), events.end(), e) != events.end(); }
};

struct Pair {
  Recorder ch, sh;
  Session client, server;
  explicit Pair(Config cc = {}, Config sc = {})
      : client(Role::client, cc, ch), server(Role::server, sc, sh) {
    ch.session = &client;
    sh.session = &server;
  }
  // Moves queued control frames both ways until both sides are quiet.
  void flush() {
    for (int i = 0; i < 1000; ++i) {
      Bytes a, b;
      client.take_output(a);
      server.take_output(b);
      if (a.empty() && b.empty()) return;
      if (!a.empty()) {
        ASSERT_FALSE(server.receive(a));
      }
      if (!b.empty()) {
        ASSERT_FALSE(client.receive(b));
      }
    }
    FAIL() << "no quiescence";
  }
  std::size_t send(Session& from, Session& to, std::uint32_t id, std::string_view text) {
    Bytes out;
    const auto n = from.write(id, as_bytes(text), out);
    EXPECT_FALSE(to.receive(out));
    return n;
  }
};

Bytes frame(FrameType type, std::uint16_t f, std::uint32_t id, std::uint32_t length,
            std::string_view body = {}) {
  Bytes out;
  append_header(out, Header{0, type, f, id, length});
  append(out, as_bytes(body));
  return out;
}

std::vector<Header> parse_frames(BytesView wire) {
  std::vector<Header> out;
  while (wire.size() >= kHeaderSize) {
    auto h = decode_header(wire);
    EXPECT_TRUE(h);
    if (!h) break;
    out.push_back(*h);
    std::size_t skip = kHeaderSize + (h->type == FrameType::data ? h->length : 0);
    wire = wire.subspan(std::min(skip, wire.size()));
  }
  return out;
}

std::vector<Header> output_of(Session& s) {
  Bytes out;
  s.take_output(out);
  return parse_frames(out);
}

}  // namespace

TEST(YamuxSession, OpenAckDataFinBothWays) {
  Pair p;
  auto id = p.client.open_stream();
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, 1u);
  auto syn = output_of(p.client);
  ASSERT_EQ(syn.size(), 1u);
  EXPECT_EQ(syn[0], (Header{0, FrameType::window_update, flags::syn, 1, 0}));
  ASSERT_FALSE(p.server.receive(frame(FrameType::window_update, flags::syn, 1, 0)));
  EXPECT_TRUE(p.sh.saw("open 1"));
  p.flush();
  EXPECT_TRUE(p.ch.saw("acked 1"));

  EXPECT_EQ(p.send(p.client, p.server, 1, "hello"), 5u);
  EXPECT_EQ(p.sh.data[1], "hello");
  EXPECT_EQ(p.send(p.server, p.client, 1, "world"), 5u);
  EXPECT_EQ(p.ch.data[1], "world");

  p.client.close_write(1);
  p.flush();
  EXPECT_TRUE(p.sh.saw("fin 1"));
  EXPECT_EQ(p.client.stream_count(), 1u);  // half-closed
  EXPECT_EQ(p.send(p.client, p.server, 1, "late"), 0u);  // no writes after our FIN
  EXPECT_EQ(p.send(p.server, p.client, 1, "still"), 5u);  // the other direction still works
  EXPECT_EQ(p.ch.data[1], "worldstill");
  p.server.close_write(1);
  p.flush();
  EXPECT_TRUE(p.ch.saw("fin 1"));
  EXPECT_EQ(p.client.stream_count(), 0u);
  EXPECT_EQ(p.server.stream_count(), 0u);

  // Server-opened stream gets an even id.
  auto sid = p.server.open_stream();
  ASSERT_TRUE(sid);
  EXPECT_EQ(*sid, 2u);
  p.flush();
  EXPECT_TRUE(p.ch.saw("open 2"));
  EXPECT_TRUE(p.sh.saw("acked 2"));
  EXPECT_EQ(*p.server.open_stream(), 4u);
}

TEST(YamuxSession, WriteDrainsControlFirst) {
  // SYN queued by open_stream must precede the data write() appends.
  Pair p;
  auto id = p.client.open_stream();
  ASSERT_TRUE(id);
  Bytes out;
  EXPECT_EQ(p.client.write(*id, as_bytes("abc"), out), 3u);
  p.client.close_write(*id);
  p.client.take_output(out);
  auto frames = parse_frames(out);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_TRUE(frames[0].has(flags::syn));
  EXPECT_EQ(frames[1].type, FrameType::data);
  EXPECT_TRUE(frames[2].has(flags::fin));
  ASSERT_FALSE(p.server.receive(out));
  EXPECT_EQ(p.sh.data[1], "abc");
  EXPECT_TRUE(p.sh.saw("fin 1"));
}

TEST(YamuxSession, DataFramesWithFlags) {
  // go sends the first data with SYN; FIN may ride on a data frame.
  Pair p;
  Bytes wire = frame(FrameType::data, flags::syn, 1, 3, "abc");
  append(wire, frame(FrameType::data, flags::fin, 1, 2, "de"));
  append(wire, frame(FrameType::data, flags::syn | flags::fin, 3, 1, "x"));
  ASSERT_FALSE(p.server.receive(wire));
  EXPECT_EQ(p.sh.data[1], "abcde");
  EXPECT_EQ(p.sh.data[3], "x");
  EXPECT_EQ(p.sh.events, (std::vector<std::string>{"open 1", "fin 1", "open 3", "fin 3"}));
  // Both got ACKed.
  auto out = output_of(p.server);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (Header{0, FrameType::window_update, flags::ack, 1, 0}));
  EXPECT_EQ(out[1], (Header{0, FrameType::window_update, flags::ack, 3, 0}));
  // Data|RST: bytes delivered, then the stream is gone.
  Bytes r = frame(FrameType::data, flags::syn | flags::rst, 5, 2, "zz");
  ASSERT_FALSE(p.server.receive(r));
  EXPECT_EQ(p.sh.data[5], "zz");
  EXPECT_TRUE(p.sh.saw("rst 5"));
  EXPECT_FALSE(p.server.has_stream(5));
  // Our data frames carry ACK when the stream was not ACKed yet (auto_ack off).
  Config c;
  c.auto_ack = false;
  Pair q(Config{}, c);
  ASSERT_FALSE(q.server.receive(frame(FrameType::window_update, flags::syn, 1, 0)));
  EXPECT_FALSE(q.server.has_output());
  Bytes o;
  EXPECT_EQ(q.server.write(1, as_bytes("hi"), o), 2u);
  auto f = parse_frames(o);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], (Header{0, FrameType::data, flags::ack, 1, 2}));
}

TEST(YamuxSession, FlowControlBlocksUntilConsumed) {
  Pair p;
  p.sh.auto_consume = false;
  auto id = p.client.open_stream();
  ASSERT_TRUE(id);
  p.flush();
  const std::string big(300 * 1024, 'x');
  Bytes out;
  EXPECT_EQ(p.client.write(*id, as_bytes(big), out), kDefaultWindow);
  EXPECT_EQ(p.client.send_window(*id), 0u);
  EXPECT_EQ(p.client.write(*id, as_bytes(big), out), 0u);  // blocked
  // Frames are split at max_frame_data (16 KiB).
  auto frames = parse_frames(out);
  EXPECT_EQ(frames.size(), kDefaultWindow / (16 * 1024));
  ASSERT_FALSE(p.server.receive(out));
  EXPECT_EQ(p.sh.data[*id].size(), kDefaultWindow);
  EXPECT_EQ(p.server.receive_window(*id), 0u);
  p.flush();
  EXPECT_EQ(p.client.send_window(*id), 0u);  // nothing consumed, no credit

  p.server.consumed(*id, 64 * 1024);  // below half a window: no update yet
  EXPECT_FALSE(p.server.has_output());
  p.server.consumed(*id, 64 * 1024);
  auto upd = output_of(p.server);
  ASSERT_EQ(upd.size(), 1u);
  EXPECT_EQ(upd[0], (Header{0, FrameType::window_update, 0, *id, 128 * 1024}));
  ASSERT_FALSE(p.client.receive(frame(FrameType::window_update, 0, *id, 128 * 1024)));
  EXPECT_TRUE(p.ch.saw("window 1"));
  EXPECT_EQ(p.client.send_window(*id), 128u * 1024);
  Bytes more;
  EXPECT_EQ(p.client.write(*id, as_bytes(big), more), 128u * 1024);
  ASSERT_FALSE(p.server.receive(more));
  EXPECT_EQ(p.sh.data[*id].size(), kDefaultWindow + 128 * 1024);
}

TEST(YamuxSession, WindowExceededIsProtocolError) {
  Pair p;
  ASSERT_FALSE(p.server.receive(frame(FrameType::window_update, flags::syn, 1, 0)));
  (void)output_of(p.server);
  Bytes hdr = frame(FrameType::data, 0, 1, kDefaultWindow + 1);
  auto ec = p.server.receive(hdr);
  EXPECT_EQ(ec, YamuxError::window_exceeded);
  auto out = output_of(p.server);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (Header{0, FrameType::go_away, 0, 0, 1}));
  EXPECT_EQ(p.server.receive(frame(FrameType::ping, flags::syn, 0, 1)), YamuxError::window_exceeded);
  EXPECT_EQ(p.server.open_stream().error(), YamuxError::session_failed);
  // Larger than any window we grant, even for an unknown stream.
  Pair q;
  EXPECT_EQ(q.server.receive(frame(FrameType::data, 0, 7, 16 * 1024 * 1024 + 1)),
            YamuxError::frame_too_large);
}

TEST(YamuxSession, WindowGrowth) {
  // A server configured with a 1 MiB window announces the extra 768 KiB in its ACK.
  Config big;
  big.initial_window = 1024 * 1024;
  Pair p(Config{}, big);
  auto id = p.client.open_stream();
  ASSERT_TRUE(id);
  p.flush();
  EXPECT_EQ(p.client.send_window(*id), 1024u * 1024);
  EXPECT_TRUE(p.ch.saw("window 1"));
  // And a client with a big window announces it with the SYN.
  Pair q(big, Config{});
  auto qid = q.client.open_stream();
  ASSERT_TRUE(qid);
  auto syn = output_of(q.client);
  ASSERT_EQ(syn.size(), 1u);
  EXPECT_EQ(syn[0], (Header{0, FrameType::window_update, flags::syn, 1, 768 * 1024}));
  ASSERT_FALSE(q.server.receive(frame(FrameType::window_update, flags::syn, 1, 768 * 1024)));
  EXPECT_EQ(q.server.send_window(1), 1024u * 1024);

  // set_receive_window grows an open stream's window up to max_window.
  Pair r;
  auto rid = r.client.open_stream();
  ASSERT_TRUE(rid);
  r.flush();
  r.server.set_receive_window(*rid, 4 * 1024 * 1024);
  r.flush();
  EXPECT_EQ(r.client.send_window(*rid), 4u * 1024 * 1024);
  r.server.set_receive_window(*rid, 0xffffffff);  // capped at max_window (16 MiB)
  r.flush();
  EXPECT_EQ(r.client.send_window(*rid), 16u * 1024 * 1024);
  // Repeated credit keeps a continuous transfer going: 64 MiB through a 256 KiB window.
  Pair s;
  auto sid = s.client.open_stream();
  ASSERT_TRUE(sid);
  s.flush();
  const std::string chunk(100 * 1024, 'q');
  std::size_t total = 0;
  for (int i = 0; i < 2000 && total < 64u * 1024 * 1024; ++i) {
    total += s.send(s.client, s.server, *sid, chunk);
    s.flush();
  }
  EXPECT_EQ(total, 64u * 1024 * 1024 + (chunk.size() - (64u * 1024 * 1024) % chunk.size()) % chunk.size());
  EXPECT_EQ(s.sh.data[*sid].size(), total);
}

TEST(YamuxSession, PingPong) {
  Pair p;
  p.client.ping(42);
  auto out = output_of(p.client);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (Header{0, FrameType::ping, flags::syn, 0, 42}));
  ASSERT_FALSE(p.server.receive(frame(FrameType::ping, flags::syn, 0, 42)));
  auto pong = output_of(p.server);
  ASSERT_EQ(pong.size(), 1u);
  EXPECT_EQ(pong[0], (Header{0, FrameType::ping, flags::ack, 0, 42}));
  ASSERT_FALSE(p.client.receive(frame(FrameType::ping, flags::ack, 0, 42)));
  EXPECT_EQ(p.ch.events, (std::vector<std::string>{"pong 42"}));
  EXPECT_TRUE(p.sh.events.empty());
}

TEST(YamuxSession, GoAway) {
  Pair p;
  auto id = p.client.open_stream();
  ASSERT_TRUE(id);
  p.flush();
  p.server.go_away(GoAwayCode::normal);
  p.server.go_away(GoAwayCode::normal);  // once
  auto out = output_of(p.server);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (Header{0, FrameType::go_away, 0, 0, 0}));
  ASSERT_FALSE(p.client.receive(frame(FrameType::go_away, 0, 0, 0)));
  EXPECT_TRUE(p.ch.saw("goaway 0"));
  EXPECT_TRUE(p.client.remote_went_away());
  EXPECT_EQ(p.client.open_stream().error(), YamuxError::went_away);
  EXPECT_EQ(p.server.open_stream().error(), YamuxError::went_away);
  // Existing streams keep working.
  EXPECT_EQ(p.send(p.client, p.server, *id, "after"), 5u);
  EXPECT_EQ(p.sh.data[*id], "after");
  // A SYN after our GoAway is refused with RST; its data is ignored.
  Bytes wire = frame(FrameType::data, flags::syn, 3, 4, "nope");
  ASSERT_FALSE(p.server.receive(wire));
  EXPECT_FALSE(p.sh.saw("open 3"));
  auto rst = output_of(p.server);
  ASSERT_EQ(rst.size(), 1u);
  EXPECT_EQ(rst[0], (Header{0, FrameType::window_update, flags::rst, 3, 0}));
  EXPECT_EQ(p.server.stream_count(), 1u);
}

TEST(YamuxSession, Reset) {
  Pair p;
  auto id = p.client.open_stream();
  ASSERT_TRUE(id);
  p.flush();
  p.client.reset(*id);
  EXPECT_EQ(p.client.stream_count(), 0u);
  p.flush();
  EXPECT_TRUE(p.sh.saw("rst 1"));
  EXPECT_EQ(p.server.stream_count(), 0u);
  p.client.reset(*id);  // unknown now: no-op
  EXPECT_FALSE(p.client.has_output());
  // Frames still in flight for the reset stream are tolerated.
  ASSERT_FALSE(p.client.receive(frame(FrameType::data, 0, 1, 3, "abc")));
  ASSERT_FALSE(p.client.receive(frame(FrameType::window_update, flags::fin, 1, 100)));
  EXPECT_EQ(p.client.stream_count(), 0u);
  EXPECT_EQ(p.ch.data.count(1), 0u);
}

TEST(YamuxSession, HandlerResetsDuringData) {
  Pair p;
  p.sh.data_hook = [&](std::uint32_t id, BytesView) { p.server.reset(id); };
  Bytes wire = frame(FrameType::data, flags::syn, 1, 10, "0123456789");
  append(wire, frame(FrameType::ping, flags::syn, 0, 9));
  // Deliver the body in two pieces: the second piece is skipped after the reset.
  ASSERT_FALSE(p.server.receive(BytesView(wire).first(16)));
  ASSERT_FALSE(p.server.receive(BytesView(wire).subspan(16)));
  EXPECT_EQ(p.sh.data[1], "0123");
  EXPECT_EQ(p.server.stream_count(), 0u);
  auto out = output_of(p.server);
  ASSERT_EQ(out.size(), 3u);  // ACK, RST, pong
  EXPECT_TRUE(out[1].has(flags::rst));
  EXPECT_EQ(out[2], (Header{0, FrameType::ping, flags::ack, 0, 9}));
}

TEST(YamuxSession, BadVersionAndType) {
  Pair p;
  Bytes bad = frame(FrameType::data, 0, 1, 0);
  bad[0] = 1;
  EXPECT_EQ(p.server.receive(bad), YamuxError::bad_version);
  auto out = output_of(p.server);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (Header{0, FrameType::go_away, 0, 0, 1}));
  EXPECT_EQ(p.server.error(), YamuxError::bad_version);

  Pair q;
  Bytes t = frame(FrameType::data, 0, 1, 0);
  t[1] = 9;
  EXPECT_EQ(q.server.receive(t), YamuxError::bad_frame_type);
}

TEST(YamuxSession, StreamIdViolations) {
  {  // server receives a SYN with an even (server-parity) id
    Pair p;
    EXPECT_EQ(p.server.receive(frame(FrameType::window_update, flags::syn, 2, 0)),
              YamuxError::invalid_stream_id);
    auto out = output_of(p.server);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], (Header{0, FrameType::go_away, 0, 0, 1}));
  }
  {  // client receives an odd id SYN
    Pair p;
    EXPECT_EQ(p.client.receive(frame(FrameType::data, flags::syn, 1, 0)), YamuxError::invalid_stream_id);
  }
  {  // id 0
    Pair p;
    EXPECT_EQ(p.server.receive(frame(FrameType::window_update, flags::syn, 0, 0)),
              YamuxError::invalid_stream_id);
  }
  {  // duplicate SYN
    Pair p;
    ASSERT_FALSE(p.server.receive(frame(FrameType::window_update, flags::syn, 1, 0)));
    EXPECT_EQ(p.server.receive(frame(FrameType::window_update, flags::syn, 1, 0)),
              YamuxError::duplicate_stream);
    auto out = output_of(p.server);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1], (Header{0, FrameType::go_away, 0, 0, 1}));
  }
}

TEST(YamuxSession, UnknownStreamIgnored) {
  Pair p;
  Bytes wire = frame(FrameType::data, 0, 99, 5, "ghost");
  append(wire, frame(FrameType::window_update, flags::ack, 77, 1000));
  append(wire, frame(FrameType::data, flags::fin, 55, 0));
  append(wire, frame(FrameType::window_update, flags::rst, 33, 0));
  append(wire, frame(FrameType::ping, flags::syn, 0, 5));
  ASSERT_FALSE(p.server.receive(wire));
  EXPECT_TRUE(p.sh.events.empty());
  EXPECT_TRUE(p.sh.data.empty());
  auto out = output_of(p.server);
  ASSERT_EQ(out.size(), 1u);  // only the pong
  EXPECT_EQ(out[0].type, FrameType::ping);
  // Stray ACK for one of our own ids that was never opened.
  ASSERT_FALSE(p.client.receive(frame(FrameType::window_update, flags::ack, 5, 0)));
  EXPECT_TRUE(p.ch.events.empty());
}

TEST(YamuxSession, DataAfterRemoteFinDropped) {
  Pair p;
  ASSERT_FALSE(p.server.receive(frame(FrameType::data, flags::syn | flags::fin, 1, 1, "a")));
  ASSERT_FALSE(p.server.receive(frame(FrameType::data, 0, 1, 1, "b")));
  ASSERT_FALSE(p.server.receive(frame(FrameType::data, flags::fin, 1, 0)));
  EXPECT_EQ(p.sh.data[1], "a");
  EXPECT_EQ(p.sh.events, (std::vector<std::string>{"open 1", "fin 1"}));
  EXPECT_EQ(p.server.stream_count(), 1u);
  p.server.close_write(1);
  EXPECT_EQ(p.server.stream_count(), 0u);
}

TEST(YamuxSession, InboundStreamCap) {
  Config small;
  small.max_streams = 4;
  Pair p(Config{}, small);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p.client.open_stream());
  p.flush();
  EXPECT_EQ(p.server.stream_count(), 4u);
  EXPECT_FALSE(p.sh.saw("open 9"));
  EXPECT_TRUE(p.ch.saw("rst 9"));
  EXPECT_EQ(p.client.stream_count(), 4u);
  // The cap counts our own streams too.
  EXPECT_EQ(p.server.open_stream().error(), YamuxError::too_many_streams);
  p.client.reset(1);
  p.flush();
  EXPECT_EQ(p.server.stream_count(), 3u);
  ASSERT_TRUE(p.server.open_stream());
  EXPECT_EQ(p.server.open_stream().error(), YamuxError::too_many_streams);
  // Client-side cap on its own opens.
  Config one;
  one.max_streams = 1;
  Pair q(one, Config{});
  ASSERT_TRUE(q.client.open_stream());
  EXPECT_EQ(q.client.open_stream().error(), YamuxError::too_many_streams);
}

TEST(YamuxSession, UnackedBacklogs) {
  // Inbound: without auto_ack, at most max_unacked_inbound streams wait for accept().
  Config manual;
  manual.auto_ack = false;
  manual.max_unacked_inbound = 3;
  Pair p(Config{}, manual);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p.client.open_stream());
  p.flush();
  EXPECT_EQ(p.server.stream_count(), 3u);
  EXPECT_TRUE(p.ch.saw("rst 7"));
  EXPECT_FALSE(p.ch.saw("acked 1"));
  p.server.accept(1);
  p.server.accept(1);  // once
  auto acks = output_of(p.server);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0], (Header{0, FrameType::window_update, flags::ack, 1, 0}));
  ASSERT_FALSE(p.client.receive(frame(FrameType::window_update, flags::ack, 1, 0)));
  EXPECT_TRUE(p.ch.saw("acked 1"));
  ASSERT_TRUE(p.client.open_stream());  // id 9: one slot free again
  p.flush();
  EXPECT_TRUE(p.sh.saw("open 9"));
  // A reset of an unacked stream frees its backlog slot.
  p.client.reset(3);
  p.flush();
  ASSERT_TRUE(p.client.open_stream());  // id 11
  p.flush();
  EXPECT_TRUE(p.sh.saw("open 11"));

  // Outbound: open_stream refuses once max_unacked_outbound of ours wait for an ACK.
  Config out_cfg;
  out_cfg.max_unacked_outbound = 2;
  Pair q(out_cfg, Config{});
  ASSERT_TRUE(q.client.open_stream());
  ASSERT_TRUE(q.client.open_stream());
  EXPECT_EQ(q.client.open_stream().error(), YamuxError::ack_backlog_full);
  q.flush();  // ACKs arrive
  EXPECT_TRUE(q.client.open_stream());
}

// One client transcript fed to a fresh server split at every byte boundary (and byte by byte): the
// events, the data and the server's answers must not depend on the split.
TEST(YamuxSession, InputSplitAtEveryByte) {
  Recorder rec;
  Session client(Role::client, Config{}, rec);
  rec.session = &client;
  Bytes wire;
  auto a = client.open_stream();
  ASSERT_TRUE(a);
  client.write(*a, as_bytes("hello yamux"), wire);
  client.ping(0x01020304);
  auto b = client.open_stream();
  ASSERT_TRUE(b);
  client.write(*b, as_bytes(std::string(300, 'b')), wire);
  client.close_write(*a);
  client.reset(*b);
  client.take_output(wire);
  append(wire, frame(FrameType::data, flags::syn | flags::fin, 5, 3, "go!"));
  append(wire, frame(FrameType::window_update, 0, 5, 4096));
  append(wire, frame(FrameType::data, 0, 41, 4, "lost"));  // unknown stream
  append(wire, frame(FrameType::go_away, 0, 0, 0));

  auto run = [&](const std::vector<std::size_t>& cuts, Recorder& r, Bytes& answers) {
    Session server(Role::server, Config{}, r);
    r.session = &server;
    std::size_t from = 0;
    for (std::size_t cut : cuts) {
      ASSERT_FALSE(server.receive(BytesView(wire).subspan(from, cut - from)));
      from = cut;
    }
    ASSERT_FALSE(server.receive(BytesView(wire).subspan(from)));
    server.take_output(answers);
    EXPECT_EQ(server.stream_count(), 2u);  // 1 and 5: only the remote has sent FIN
  };
  Recorder base;
  Bytes base_answers;
  run({}, base, base_answers);
  EXPECT_EQ(base.data[1], "hello yamux");
  EXPECT_EQ(base.data[3], std::string(300, 'b'));
  EXPECT_EQ(base.data[5], "go!");
  EXPECT_EQ(base.data.count(41), 0u);
  EXPECT_EQ(base.events, (std::vector<std::string>{"open 1", "open 3", "fin 1", "rst 3", "open 5",
                                                   "fin 5", "window 5", "goaway 0"}));
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    Recorder r;
    Bytes answers;
    run({cut}, r, answers);
    EXPECT_EQ(r.events, base.events) << cut;
    EXPECT_EQ(r.data, base.data) << cut;
    EXPECT_EQ(answers, base_answers) << cut;
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < wire.size(); ++i) every.push_back(i);
  Recorder r;
  Bytes answers;
  run(every, r, answers);
  EXPECT_EQ(r.events, base.events);
  EXPECT_EQ(r.data, base.data);
  EXPECT_EQ(answers, base_answers);
}

TEST(YamuxSession, NoLeaksAfterManyCycles) {
  Pair p;
  p.sh.remote_close_hook = [&](std::uint32_t id) { p.server.close_write(id); };
  for (int i = 0; i < 10000; ++i) {
    auto id = p.client.open_stream();
    ASSERT_TRUE(id) << i;
    Bytes out;
    ASSERT_EQ(p.client.write(*id, as_bytes("ping"), out), 4u);
    ASSERT_FALSE(p.server.receive(out));
    switch (i % 3) {
      case 0: p.client.close_write(*id); break;  // graceful both ways
      case 1: p.client.reset(*id); break;        // local reset
      case 2: p.flush(); p.server.reset(*id); break;  // remote reset after ACK
    }
    p.flush();
    ASSERT_EQ(p.client.stream_count(), 0u) << i;
    ASSERT_EQ(p.server.stream_count(), 0u) << i;
  }
  EXPECT_EQ(p.sh.data.size(), 10000u);
  // Backlog counters came back to zero as well: a full backlog can still be opened.
  for (int i = 0; i < 256; ++i) ASSERT_TRUE(p.client.open_stream()) << i;
}
