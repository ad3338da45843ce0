// AutoNAT v2 / v1 codecs (libp2p/specs autonat/autonat-v2.md "RPC Messages", autonat-v1.md): round trips
// and the exact bytes of the cases implementations disagree on (fixed64 nonces, empty OK messages).
#include <gtest/gtest.h>

#include "protocol/autonat/messages_v1.hpp"
#include "protocol/autonat/messages_v2.hpp"

using namespace chiral;
using namespace chiral::autonat;

namespace {
Bytes hex(std::string_view h) {
  Bytes out;
  EXPECT_TRUE(from_hex(h, out)) << h;
  return out;
}
}  // namespace

TEST(AutonatV2Codec, DialBackNonceIsFixed64LittleEndian) {
  const Bytes wire = v2::encode_dial_back(v2::DialBack{0x0102030405060708ull});
  EXPECT_EQ(to_hex(wire), "090807060504030201");
  auto back = v2::decode_dial_back(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->nonce, 0x0102030405060708ull);
  // A nonce with every byte set is still 8 bytes, not a 10-byte varint.
  EXPECT_EQ(to_hex(v2::encode_dial_back(v2::DialBack{~0ull})), "09ffffffffffffffff");
}

TEST(AutonatV2Codec, DialBackResponseOkIsEmpty) {
  EXPECT_TRUE(v2::encode_dial_back_response(v2::DialBackResponse{}).empty());
  auto r = v2::decode_dial_back_response({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, v2::DialBackStatus::OK);
}

TEST(AutonatV2Codec, DialRequestExactBytes) {
  v2::DialRequest req;
  req.addrs.push_back(hex("047f000001060fa1"));  // /ip4/127.0.0.1/tcp/4001
  req.nonce = 0x1122334455667788ull;
  const Bytes wire = v2::encode_message(req);
  // Message{1: DialRequest{1: addr, 2: fixed64}}
  EXPECT_EQ(to_hex(wire), "0a130a08047f000001060fa1118877665544332211");
  auto m = v2::decode_message(wire);
  ASSERT_TRUE(m);
  ASSERT_TRUE(std::holds_alternative<v2::DialRequest>(*m));
  EXPECT_EQ(std::get<v2::DialRequest>(*m), req);
}

TEST(AutonatV2Codec, RoundTripsEveryMessage) {
  v2::DialResponse resp;
  resp.status = v2::ResponseStatus::OK;
  resp.addr_idx = 3;
  resp.dial_status = v2::DialStatus::E_DIAL_BACK_ERROR;
  v2::DialDataRequest ddr;
  ddr.addr_idx = 1;
  ddr.num_bytes = 54321;
  v2::DialDataResponse data;
  data.data = Bytes(4096, 0xab);
  for (const v2::Message& m : {v2::Message(resp), v2::Message(ddr), v2::Message(data)}) {
    auto back = v2::decode_message(v2::encode_message(m));
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, m);
  }
}

TEST(AutonatV2Codec, ZeroValuesAreOmitted) {
  // DialResponse{status=E_INTERNAL_ERROR, addrIdx=0, dialStatus=UNUSED} is an empty DialResponse.
  EXPECT_EQ(to_hex(v2::encode_message(v2::DialResponse{})), "1200");
  v2::DialResponse refused;
  refused.status = v2::ResponseStatus::E_DIAL_REFUSED;
  EXPECT_EQ(to_hex(v2::encode_message(refused)), "12020865");
  v2::DialResponse ok;
  ok.status = v2::ResponseStatus::OK;
  ok.dial_status = v2::DialStatus::OK;
  EXPECT_EQ(to_hex(v2::encode_message(ok)), "120608c80118c801");
  v2::DialDataRequest ddr;
  ddr.num_bytes = 30000;
  EXPECT_EQ(to_hex(v2::encode_message(ddr)), "1a0410b0ea01");
}

TEST(AutonatV2Codec, DialDataChunkHelperMatchesStruct) {
  v2::DialDataResponse d;
  d.data = Bytes(4096, 0);
  EXPECT_EQ(v2::encode_dial_data_chunk(4096), v2::encode_message(d));
  EXPECT_LE(v2::encode_dial_data_chunk(4096).size(), kMaxMessageSize);
}

TEST(AutonatV2Codec, UnknownStatusSurvives) {
  // DialResponse{status=7, dialStatus=9}: open proto3 enums keep the number.
  auto m = v2::decode_message(hex("12040807" "1809"));
  ASSERT_TRUE(m);
  const auto& r = std::get<v2::DialResponse>(*m);
  EXPECT_EQ(static_cast<int>(r.status), 7);
  EXPECT_EQ(static_cast<int>(r.dial_status), 9);
  EXPECT_EQ(v2::response_status_name(r.status), "UNKNOWN");
}

TEST(AutonatV2Codec, RejectsGarbageEmptyAndOversized) {
  EXPECT_EQ(v2::decode_message({}).error(), AutonatError::empty_message);
  EXPECT_EQ(v2::decode_message(hex("0aff")).error(), AutonatError::malformed);
  EXPECT_EQ(v2::decode_message(hex("ffffffff")).error(), AutonatError::malformed);
  Bytes big = v2::encode_dial_data_chunk(kMaxMessageSize);
  EXPECT_EQ(v2::decode_message(big).error(), AutonatError::too_large);
  EXPECT_EQ(v2::decode_dial_back(hex("09010203")).error(), AutonatError::malformed);  // truncated fixed64
}

TEST(AutonatV1Codec, DialExactBytesKeepZeroType) {
  v1::Message m;
  m.type = v1::MessageType::DIAL;
  v1::PeerInfo p;
  p.id = hex("0024");
  p.addrs.push_back(hex("047f000001060fa1"));
  v1::Dial d;
  d.peer = p;
  m.dial = d;
  const Bytes wire = v1::encode(m);
  // type=DIAL (08 00) is on the wire; Dial{PeerInfo{id, addr}}.
  EXPECT_EQ(to_hex(wire), "080012100a0e0a0200241208047f000001060fa1");
  auto back = v1::decode(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
}

TEST(AutonatV1Codec, ResponseRoundTripAndOkStatusOnWire) {
  v1::Message m;
  m.type = v1::MessageType::DIAL_RESPONSE;
  v1::DialResponse r;
  r.status = v1::ResponseStatus::OK;
  r.status_text = "dialed";
  r.addr = hex("047f000001060fa1");
  m.dial_response = r;
  const Bytes wire = v1::encode(m);
  EXPECT_EQ(to_hex(wire).substr(0, 12), "08011a140800");  // type 1, response with status OK (08 00)
  auto back = v1::decode(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
}

TEST(AutonatV1Codec, LongStatusTextIsCutToSendLimit) {
  v1::Message m;
  m.type = v1::MessageType::DIAL_RESPONSE;
  v1::DialResponse r;
  r.status = v1::ResponseStatus::E_DIAL_ERROR;
  r.status_text = std::string(10000, 'x');
  m.dial_response = r;
  EXPECT_LE(v1::encode(m).size(), kMaxSendSize);
}

TEST(AutonatV1Codec, RejectsMissingOrUnknownType) {
  EXPECT_EQ(v1::decode({}).error(), AutonatError::missing_type);
  EXPECT_EQ(v1::decode(hex("0807")).error(), AutonatError::missing_type);  // type 7 is not a MessageType
  EXPECT_EQ(v1::decode(hex("12ff")).error(), AutonatError::malformed);
  auto unknown_status = v1::decode(hex("08011a020807"));
  ASSERT_TRUE(unknown_status);
  ASSERT_TRUE(unknown_status->dial_response);
  EXPECT_FALSE(unknown_status->dial_response->status);
}
