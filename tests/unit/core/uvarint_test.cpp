#include "core/uvarint.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace chiral;

namespace {
Bytes hex(const char* h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b));
  return b;
}
}  // namespace

// Vectors from multiformats/unsigned-varint README.
TEST(Uvarint, SpecVectors) {
  struct V {
    std::uint64_t value;
    const char* hex;
  } vectors[] = {{1, "01"},       {127, "7f"},       {128, "8001"},
                 {255, "ff01"},   {300, "ac02"},     {16384, "808001"},
                 {0, "00"},       {(1ull << 63) - 1, "ffffffffffffffff7f"}};
  for (auto& v : vectors) {
    EXPECT_EQ(to_hex(uvarint::encode(v.value)), v.hex) << v.value;
    auto d = uvarint::decode(hex(v.hex));
    ASSERT_TRUE(d) << v.hex;
    EXPECT_EQ(d->value, v.value);
    EXPECT_EQ(d->consumed, std::string(v.hex).size() / 2);
    EXPECT_EQ(uvarint::encoded_size(v.value), d->consumed);
  }
}

TEST(Uvarint, Truncated) {
  auto d = uvarint::decode(hex("8080"));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error(), make_error_code(CoreError::truncated));
  EXPECT_EQ(uvarint::decode({}).error(), make_error_code(CoreError::truncated));
}

TEST(Uvarint, Overflow) {
  // 9 continuation bytes: more than 63 bits.
  EXPECT_EQ(uvarint::decode(hex("ffffffffffffffffff01")).error(), make_error_code(CoreError::varint_overflow));
  EXPECT_EQ(uvarint::decode(hex("ffffffffffffffffff")).error(), make_error_code(CoreError::varint_overflow));
}

TEST(Uvarint, NotMinimal) {
  EXPECT_EQ(uvarint::decode(hex("8100")).error(), make_error_code(CoreError::varint_not_minimal));
  EXPECT_EQ(uvarint::decode(hex("808000")).error(), make_error_code(CoreError::varint_not_minimal));
}

TEST(Uvarint, TrailingBytesIgnored) {
  auto d = uvarint::decode(hex("ac02ff"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->value, 300u);
  EXPECT_EQ(d->consumed, 2u);
}

TEST(UvarintFrame, RoundTripAndBounds) {
  Bytes out;
  uvarint::append_frame(out, as_bytes("hello"));
  EXPECT_EQ(to_hex(out), "0568656c6c6f");
  auto f = uvarint::decode_frame(out, 5);
  ASSERT_TRUE(f);
  EXPECT_EQ(as_string_view(f->body), "hello");
  EXPECT_EQ(f->consumed, 6u);
  EXPECT_EQ(uvarint::decode_frame(out, 4).error(), make_error_code(CoreError::too_large));
  Bytes partial(out.begin(), out.begin() + 3);
  EXPECT_EQ(uvarint::decode_frame(partial, 5).error(), make_error_code(CoreError::truncated));
  // An announced huge length is refused before its body arrives.
  EXPECT_EQ(uvarint::decode_frame(hex("ffff03"), 4096).error(), make_error_code(CoreError::too_large));
}
