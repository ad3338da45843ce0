// Tests for multistream-select 1.0 (multiformats/multistream-select): byte vectors, decoder bounds,
// listener/dialer in memory, pipelined data, byte-by-byte splits.
#include <gtest/gtest.h>

#include <string>

#include "core/uvarint.hpp"
#include "protocol/multistream/dialer.hpp"
#include "protocol/multistream/error.hpp"
#include "protocol/multistream/listener.hpp"
#include "protocol/multistream/message.hpp"

using namespace chiral;
using namespace chiral::multistream;

namespace {

Bytes hex(const char* h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b)) << h;
  return b;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}

Bytes copy(BytesView v) { return Bytes(v.begin(), v.end()); }

Bytes msg(std::string_view text) { return encode_message(text); }

// Runs both sides until neither produces output. Returns false on error.
void pump(Dialer& d, Listener& l, Bytes to_listener) {
  for (int round = 0; round < 64 && !to_listener.empty(); ++round) {
    auto from_listener = l.feed(to_listener);
    ASSERT_TRUE(from_listener) << from_listener.error().message();
    auto next = d.feed(*from_listener);
    ASSERT_TRUE(next) << next.error().message();
    to_listener = std::move(*next);
  }
}

}  // namespace

TEST(MultistreamMessage, ByteVectors) {
  // Header: length 0x13 = 19 = 18 chars + '\n'.
  EXPECT_EQ(to_hex(msg("/multistream/1.0.0")),
            "13" + to_hex(as_bytes("/multistream/1.0.0")) + "0a");
  // Spec examples.
  EXPECT_EQ(to_hex(msg("na")), "036e610a");
  EXPECT_EQ(to_hex(msg("ls")), "036c730a");
  EXPECT_EQ(to_hex(msg("/echo/1.0")), "0a2f6563686f2f312e300a");
  EXPECT_EQ(to_hex(msg("/noise")), "072f6e6f6973650a");
  EXPECT_EQ(to_hex(msg("/yamux/1.0.0")), "0d2f79616d75782f312e302e300a");
}

TEST(MultistreamMessage, LsResponseBytes) {
  // One message: entries uvarint(len+1) name '\n', then the message's own '\n'.
  std::vector<std::string> protos{"/a", "/bc"};
  Bytes out;
  append_ls_response(out, protos);
  EXPECT_EQ(to_hex(out), "0a032f610a042f62630a0a");

  MessageDecoder dec;
  dec.feed(out);
  auto m = dec.next();
  ASSERT_TRUE(m && *m);
  auto names = decode_ls_response(**m);
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, protos);

  Bytes empty;
  append_ls_response(empty, {});
  EXPECT_EQ(to_hex(empty), "010a");
  EXPECT_TRUE(decode_ls_response("")->empty());
  EXPECT_FALSE(decode_ls_response("\x03/a"));  // entry cut short
}

TEST(MultistreamMessage, Validation) {
  EXPECT_TRUE(is_valid_protocol_name("/noise"));
  EXPECT_TRUE(is_valid_protocol_name("/caf\xc3\xa9/1"));
  EXPECT_FALSE(is_valid_protocol_name("noise"));
  EXPECT_FALSE(is_valid_protocol_name(""));
  EXPECT_FALSE(is_valid_protocol_name("/a\tb"));
  EXPECT_FALSE(is_valid_protocol_name("/a\x7f"));
  EXPECT_FALSE(is_valid_protocol_name("/a\xc3"));          // truncated sequence
  EXPECT_FALSE(is_valid_protocol_name("/a\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(is_valid_protocol_name("/a\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(is_valid_protocol_name("/a\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_TRUE(is_valid_protocol_name("/\xf0\x9f\x98\x80"));
  EXPECT_TRUE(is_valid_protocol_name("/" + std::string(1022, 'x')));
  EXPECT_FALSE(is_valid_protocol_name("/" + std::string(1023, 'x')));
}

TEST(MultistreamDecoder, SplitAndRemainder) {
  Bytes wire = cat({msg("/multistream/1.0.0"), msg("/noise"), to_bytes("tail")});
  MessageDecoder dec;
  dec.feed(BytesView(wire).first(5));
  auto m = dec.next();
  ASSERT_TRUE(m);
  EXPECT_FALSE(*m);
  dec.feed(BytesView(wire).subspan(5));
  m = dec.next();
  ASSERT_TRUE(m && *m);
  EXPECT_EQ(**m, "/multistream/1.0.0");
  m = dec.next();
  ASSERT_TRUE(m && *m);
  EXPECT_EQ(**m, "/noise");
  EXPECT_EQ(as_string_view(dec.buffered()), "tail");
  EXPECT_EQ(dec.take_remainder(), to_bytes("tail"));
}

TEST(MultistreamDecoder, Bounds) {
  auto first_error = [](const Bytes& wire) -> error_code {
    MessageDecoder dec;
    dec.feed(wire);
    auto m = dec.next();
    return m ? error_code{} : m.error();
  };
  // 1024 bytes (1023 + '\n') are fine, 1025 are not.
  Bytes ok = msg(std::string(1023, 'a'));
  MessageDecoder dec;
  dec.feed(ok);
  auto m = dec.next();
  ASSERT_TRUE(m && *m);
  EXPECT_EQ((*m)->size(), 1023u);
  EXPECT_EQ(first_error(hex("8108")), MultistreamError::message_too_long);  // 1025, no body yet
  // Two continuation bytes already mean >= 16384: rejected before the prefix completes.
  EXPECT_EQ(first_error(hex("8080")), MultistreamError::message_too_long);
  EXPECT_EQ(first_error(hex("ffffffffffffffffff")), MultistreamError::message_too_long);
  EXPECT_EQ(first_error(hex("00")), MultistreamError::missing_newline);
  EXPECT_EQ(first_error(hex("026e61")), MultistreamError::missing_newline);  // "na" without '\n'
  EXPECT_EQ(first_error(hex("8300")), MultistreamError::invalid_length);     // non-minimal 3
  EXPECT_EQ(first_error(hex("80")), error_code{});                           // incomplete, waits
}

TEST(Multistream, NegotiateFirstChoice) {
  Dialer d({"/noise"});
  Listener l({"/tls/1.0.0", "/noise"});
  auto hello = d.start();
  ASSERT_TRUE(hello);
  EXPECT_EQ(*hello, cat({msg("/multistream/1.0.0"), msg("/noise")}));  // pipelined in one write
  auto answer = l.feed(*hello);
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, cat({msg("/multistream/1.0.0"), msg("/noise")}));
  EXPECT_TRUE(l.done());
  EXPECT_EQ(l.selected(), "/noise");
  EXPECT_TRUE(l.leftover().empty());
  auto r = d.feed(*answer);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.selected(), "/noise");
  EXPECT_TRUE(d.leftover().empty());
}

TEST(Multistream, NaThenSuccess) {
  Dialer d({"/tls/1.0.0", "/mplex/6.7.0", "/yamux/1.0.0"});
  Listener l({"/yamux/1.0.0"});
  auto hello = d.start();
  ASSERT_TRUE(hello);
  auto a1 = l.feed(*hello);
  ASSERT_TRUE(a1);
  EXPECT_EQ(*a1, cat({msg("/multistream/1.0.0"), msg("na")}));
  auto p2 = d.feed(*a1);
  ASSERT_TRUE(p2);
  EXPECT_EQ(*p2, msg("/mplex/6.7.0"));
  auto a2 = l.feed(*p2);
  ASSERT_TRUE(a2);
  EXPECT_EQ(*a2, msg("na"));
  auto p3 = d.feed(*a2);
  ASSERT_TRUE(p3);
  EXPECT_EQ(*p3, msg("/yamux/1.0.0"));
  auto a3 = l.feed(*p3);
  ASSERT_TRUE(a3);
  EXPECT_EQ(*a3, msg("/yamux/1.0.0"));
  EXPECT_FALSE(d.done());
  ASSERT_TRUE(d.feed(*a3));
  EXPECT_TRUE(d.done());
  EXPECT_TRUE(l.done());
  EXPECT_EQ(d.selected(), "/yamux/1.0.0");
  EXPECT_EQ(l.selected(), "/yamux/1.0.0");
  EXPECT_EQ(l.attempts(), 2u);
}

TEST(Multistream, NoProtocolInCommon) {
  Dialer d({"/a", "/b"});
  Listener l({"/c"});
  auto out = d.start();
  ASSERT_TRUE(out);
  Bytes to_listener = *out;
  error_code err;
  for (int i = 0; i < 8 && !err; ++i) {
    auto a = l.feed(to_listener);
    ASSERT_TRUE(a);
    auto n = d.feed(*a);
    if (!n) err = n.error();
    else to_listener = *n;
  }
  EXPECT_EQ(err, MultistreamError::no_protocol_in_common);
  EXPECT_FALSE(d.done());
  EXPECT_EQ(d.feed({}).error(), MultistreamError::no_protocol_in_common);  // sticky
}

TEST(Multistream, LsIsAnswered) {
  Listener l({"/noise", "/yamux/1.0.0"});
  auto a = l.feed(cat({msg("/multistream/1.0.0"), msg("ls")}));
  ASSERT_TRUE(a);
  Bytes list;
  append_ls_response(list, std::vector<std::string>{"/noise", "/yamux/1.0.0"});
  EXPECT_EQ(*a, cat({msg("/multistream/1.0.0"), list}));
  // Exact bytes: 0x17 = 23 = 8 ("\x07/noise\n") + 14 ("\x0d/yamux/1.0.0\n") + 1.
  EXPECT_EQ(to_hex(list), "17" "072f6e6f6973650a" "0d2f79616d75782f312e302e300a" "0a");
  auto b = l.feed(msg("/noise"));
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, msg("/noise"));
  EXPECT_TRUE(l.done());

  // Predicate listener without an advertised list answers ls with na (go behaviour).
  Listener p([](std::string_view s) { return s == "/x"; });
  auto c = p.feed(cat({msg("/multistream/1.0.0"), msg("ls"), msg("/x")}));
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, cat({msg("/multistream/1.0.0"), msg("na"), msg("/x")}));
  EXPECT_EQ(p.selected(), "/x");
}

TEST(Multistream, PipelinedDataIsLeftover) {
  // A lazy dialer sends header, proposal and Noise message 1 in one packet.
  Dialer d({"/noise"}, /*lazy=*/true);
  auto hello = d.start();
  ASSERT_TRUE(hello);
  EXPECT_TRUE(d.may_send());
  EXPECT_FALSE(d.done());
  EXPECT_EQ(d.selected(), "/noise");
  Bytes noise1 = hex("0020aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899");
  Bytes packet = cat({*hello, noise1});

  Listener l({"/noise"});
  auto answer = l.feed(packet);
  ASSERT_TRUE(answer);
  EXPECT_TRUE(l.done());
  EXPECT_EQ(copy(l.leftover()), noise1);
  // The listener's Noise message 2 follows its echo; the dialer hands it back too.
  Bytes noise2 = to_bytes("message two");
  auto r = d.feed(cat({*answer, noise2}));
  ASSERT_TRUE(r);
  EXPECT_TRUE(d.done());
  EXPECT_EQ(copy(d.leftover()), noise2);
  // More bytes after done() are never dropped.
  ASSERT_TRUE(d.feed(to_bytes("!")));
  EXPECT_EQ(as_string_view(d.leftover()), "message two!");
  ASSERT_TRUE(l.feed(to_bytes("?")));
  EXPECT_EQ(l.take_leftover(), cat({noise1, to_bytes("?")}));
  EXPECT_TRUE(l.leftover().empty());
}

TEST(Multistream, LazyDialerNa) {
  Dialer d({"/a", "/b"}, true);
  ASSERT_TRUE(d.start());
  EXPECT_FALSE(d.may_send());  // "/b" is still untried
  auto n = d.feed(cat({msg("/multistream/1.0.0"), msg("na")}));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, msg("/b"));
  EXPECT_TRUE(d.may_send());
  EXPECT_EQ(d.selected(), "/b");
  auto e = d.feed(msg("na"));
  EXPECT_EQ(e.error(), MultistreamError::no_protocol_in_common);
  EXPECT_FALSE(d.may_send());
  EXPECT_EQ(d.selected(), "");
}

TEST(Multistream, EagerListenerHeader) {
  Listener l({"/noise"});
  EXPECT_EQ(l.start(), msg("/multistream/1.0.0"));
  EXPECT_TRUE(l.start().empty());
  auto a = l.feed(cat({msg("/multistream/1.0.0"), msg("/noise")}));
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, msg("/noise"));  // header not repeated
}

TEST(Multistream, GarbageHeader) {
  Listener l({"/noise"});
  EXPECT_EQ(l.feed(msg("/multistream/2.0.0")).error(), MultistreamError::bad_header);
  EXPECT_EQ(l.feed(msg("/multistream/1.0.0")).error(), MultistreamError::bad_header);  // sticky

  // An HTTP client: 'G' announces a 71-byte message; its text has "\r\n" in it.
  Listener h({"/noise"});
  std::string http = "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n";
  EXPECT_EQ(h.feed(to_bytes(http)).error(), MultistreamError::invalid_text);
  Listener n({"/noise"});
  EXPECT_EQ(n.feed(to_bytes("\x05/abcd")).error(), MultistreamError::missing_newline);

  Dialer d({"/noise"});
  ASSERT_TRUE(d.start());
  EXPECT_EQ(d.feed(msg("/noise")).error(), MultistreamError::bad_header);

  Dialer u({"/noise"});
  ASSERT_TRUE(u.start());
  EXPECT_EQ(u.feed(cat({msg("/multistream/1.0.0"), msg("/tls")})).error(),
            MultistreamError::unexpected_message);
}

TEST(Multistream, OversizeAndBadText) {
  Listener l({"/noise"});
  Bytes big = cat({msg("/multistream/1.0.0"), hex("8108")});
  EXPECT_EQ(l.feed(big).error(), MultistreamError::message_too_long);

  Listener c({"/noise"});
  EXPECT_EQ(c.feed(cat({msg("/multistream/1.0.0"), msg("/no\x01se")})).error(),
            MultistreamError::invalid_text);
  Listener u({"/noise"});
  EXPECT_EQ(u.feed(cat({msg("/multistream/1.0.0"), msg("/\xff")})).error(),
            MultistreamError::invalid_text);
  // A proposal without a leading '/' is not an error, just not available.
  Listener s({"/noise"});
  auto a = s.feed(cat({msg("/multistream/1.0.0"), msg("noise")}));
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, cat({msg("/multistream/1.0.0"), msg("na")}));
}

TEST(Multistream, TooManyAttempts) {
  Listener l({"/noise"});
  Bytes wire = msg("/multistream/1.0.0");
  for (std::size_t i = 0; i < kMaxListenerAttempts; ++i) append(wire, msg("/nope/" + std::to_string(i)));
  auto a = l.feed(wire);
  ASSERT_TRUE(a);
  EXPECT_EQ(l.attempts(), kMaxListenerAttempts);
  EXPECT_EQ(l.feed(msg("ls")).error(), MultistreamError::too_many_attempts);
}

TEST(Multistream, DialerStartErrors) {
  Dialer none({});
  EXPECT_EQ(none.start().error(), MultistreamError::no_protocol_in_common);
  Dialer bad({"/ok", "no-slash"});
  EXPECT_EQ(bad.start().error(), MultistreamError::invalid_protocol_name);
  Dialer early({"/ok"});
  EXPECT_EQ(early.feed(msg("/multistream/1.0.0")).error(), MultistreamError::not_started);
  Dialer twice({"/ok"});
  ASSERT_TRUE(twice.start());
  auto again = twice.start();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
}

TEST(Multistream, InMemoryPump) {
  Dialer d({"/tls/1.0.0", "/noise"});
  Listener l({"/noise"});
  auto hello = d.start();
  ASSERT_TRUE(hello);
  pump(d, l, *hello);
  EXPECT_TRUE(d.done());
  EXPECT_TRUE(l.done());
  EXPECT_EQ(d.selected(), "/noise");
}

// The dialer's complete transcript (header, refused proposal, accepted proposal, protocol data) fed to
// a listener in two pieces split at every byte, and one byte at a time: same answers, same leftover.
TEST(Multistream, ListenerSplitAtEveryByte) {
  const Bytes data = to_bytes("pipelined-protocol-bytes");
  const Bytes wire = cat({msg("/multistream/1.0.0"), msg("/tls/1.0.0"), msg("ls"), msg("/noise"), data});
  Bytes list;
  append_ls_response(list, std::vector<std::string>{"/noise"});
  const Bytes expected = cat({msg("/multistream/1.0.0"), msg("na"), list, msg("/noise")});
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    Listener l({"/noise"});
    Bytes out;
    auto a = l.feed(BytesView(wire).first(cut));
    ASSERT_TRUE(a) << cut;
    append(out, *a);
    auto b = l.feed(BytesView(wire).subspan(cut));
    ASSERT_TRUE(b) << cut;
    append(out, *b);
    EXPECT_EQ(out, expected) << cut;
    EXPECT_TRUE(l.done());
    EXPECT_EQ(copy(l.leftover()), data) << cut;
  }
  Listener l({"/noise"});
  Bytes out;
  for (auto byte : wire) {
    auto a = l.feed(BytesView(&byte, 1));
    ASSERT_TRUE(a);
    append(out, *a);
  }
  EXPECT_EQ(out, expected);
  EXPECT_EQ(copy(l.leftover()), data);
}

TEST(Multistream, DialerSplitAtEveryByte) {
  const Bytes data = to_bytes("yamux-frames");
  const Bytes answers = cat({msg("/multistream/1.0.0"), msg("na"), msg("/noise"), data});
  for (std::size_t cut = 0; cut <= answers.size(); ++cut) {
    Dialer d({"/tls/1.0.0", "/noise"});
    ASSERT_TRUE(d.start());
    Bytes out;
    auto a = d.feed(BytesView(answers).first(cut));
    ASSERT_TRUE(a) << cut;
    append(out, *a);
    auto b = d.feed(BytesView(answers).subspan(cut));
    ASSERT_TRUE(b) << cut;
    append(out, *b);
    EXPECT_EQ(out, msg("/noise")) << cut;
    EXPECT_TRUE(d.done());
    EXPECT_EQ(copy(d.leftover()), data) << cut;
  }
}
