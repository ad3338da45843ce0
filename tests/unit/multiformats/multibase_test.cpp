// Tests for multiformats/multibase.hpp with the multiformats/multibase tests/*.csv vectors.
#include "multiformats/multibase.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace chiral;
using namespace chiral::multiformats;
using multibase::Base;

namespace {

struct Vector {
  Base base;
  const char* text;
};

void check_round_trip(std::string_view input, std::initializer_list<Vector> vectors) {
  const BytesView data = as_bytes(input);
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.text);
    EXPECT_EQ(multibase::encode(v.base, data), v.text);
    auto d = multibase::decode(v.text);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->base, v.base);
    EXPECT_EQ(as_string_view(d->data), input);
  }
}

}  // namespace

// tests/basic.csv: "yes mani !"
TEST(Multibase, BasicCsv) {
  check_round_trip("yes mani !", {{Base::base16, "f796573206d616e692021"},
                                  {Base::base16upper, "F796573206D616E692021"},
                                  {Base::base32, "bpfsxgidnmfxgsibb"},
                                  {Base::base32upper, "BPFSXGIDNMFXGSIBB"},
                                  {Base::base32pad, "cpfsxgidnmfxgsibb"},
                                  {Base::base32padupper, "CPFSXGIDNMFXGSIBB"},
                                  {Base::base36, "k2lcpzo5yikidynfl"},
                                  {Base::base36upper, "K2LCPZO5YIKIDYNFL"},
                                  {Base::base58btc, "z7paNL19xttacUY"},
                                  {Base::base64, "meWVzIG1hbmkgIQ"},
                                  {Base::base64pad, "MeWVzIG1hbmkgIQ=="},
                                  {Base::base64url, "ueWVzIG1hbmkgIQ"},
                                  {Base::base64urlpad, "UeWVzIG1hbmkgIQ=="}});
}

// tests/leading_zero.csv: "\x00yes mani !"
TEST(Multibase, LeadingZeroCsv) {
  using namespace std::string_view_literals;
  check_round_trip("\0yes mani !"sv, {{Base::base16, "f00796573206d616e692021"},
                                      {Base::base16upper, "F00796573206D616E692021"},
                                      {Base::base32, "bab4wk4zanvqw42jaee"},
                                      {Base::base32upper, "BAB4WK4ZANVQW42JAEE"},
                                      {Base::base32pad, "cab4wk4zanvqw42jaee======"},
                                      {Base::base32padupper, "CAB4WK4ZANVQW42JAEE======"},
                                      {Base::base36, "k02lcpzo5yikidynfl"},
                                      {Base::base36upper, "K02LCPZO5YIKIDYNFL"},
                                      {Base::base58btc, "z17paNL19xttacUY"},
                                      {Base::base64, "mAHllcyBtYW5pICE"},
                                      {Base::base64pad, "MAHllcyBtYW5pICE="},
                                      {Base::base64url, "uAHllcyBtYW5pICE"},
                                      {Base::base64urlpad, "UAHllcyBtYW5pICE="}});
}

// tests/two_leading_zeros.csv: "\x00\x00yes mani !"
TEST(Multibase, TwoLeadingZerosCsv) {
  using namespace std::string_view_literals;
  check_round_trip("\0\0yes mani !"sv, {{Base::base16, "f0000796573206d616e692021"},
                                        {Base::base16upper, "F0000796573206D616E692021"},
                                        {Base::base32, "baaahszltebwwc3tjeaqq"},
                                        {Base::base32upper, "BAAAHSZLTEBWWC3TJEAQQ"},
                                        {Base::base32pad, "caaahszltebwwc3tjeaqq===="},
                                        {Base::base32padupper, "CAAAHSZLTEBWWC3TJEAQQ===="},
                                        {Base::base36, "k002lcpzo5yikidynfl"},
                                        {Base::base36upper, "K002LCPZO5YIKIDYNFL"},
                                        {Base::base58btc, "z117paNL19xttacUY"},
                                        {Base::base64, "mAAB5ZXMgbWFuaSAh"},
                                        {Base::base64pad, "MAAB5ZXMgbWFuaSAh"},
                                        {Base::base64url, "uAAB5ZXMgbWFuaSAh"},
                                        {Base::base64urlpad, "UAAB5ZXMgbWFuaSAh"}});
}

// tests/case_insensitivity.csv: "hello world", mixed case must decode.
TEST(Multibase, CaseInsensitivityCsv) {
  for (const char* text : {"f68656c6c6f20776F726C64", "F68656c6c6f20776F726C64", "bnbswy3dpeB3W64TMMQ",
                           "Bnbswy3dpeB3W64TMMQ", "cnbswy3dpeB3W64TMMQ======", "Cnbswy3dpeB3W64TMMQ======",
                           "kfUvrsIvVnfRbjWaJo", "KfUVrSIVVnFRbJWAJo"}) {
    auto d = multibase::decode(text);
    ASSERT_TRUE(d) << text << ": " << d.error().message();
    EXPECT_EQ(as_string_view(d->data), "hello world") << text;
  }
}

TEST(Multibase, EmptyAndZeros) {
  for (Base b : {Base::base16, Base::base32, Base::base36, Base::base58btc, Base::base64url}) {
    EXPECT_EQ(multibase::encode(b, {}), std::string(1, static_cast<char>(b)));
    auto d = multibase::decode(std::string(1, static_cast<char>(b)));
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->data.empty());
  }
  const Bytes zeros(3, 0);
  EXPECT_EQ(multibase::base58btc_encode(zeros), "111");
  EXPECT_EQ(multibase::base36_encode(zeros), "000");
  EXPECT_EQ(*multibase::base58btc_decode("111"), zeros);
}

TEST(Multibase, Errors) {
  EXPECT_EQ(multibase::decode("").error(), make_error_code(MultibaseError::empty));
  EXPECT_EQ(multibase::decode("Qm").error(), make_error_code(MultibaseError::unknown_base));
  EXPECT_EQ(multibase::decode("z0OIl").error(), make_error_code(MultibaseError::invalid_character));  // not base58
  EXPECT_EQ(multibase::decode("bpfsx1").error(), make_error_code(MultibaseError::invalid_character));
  EXPECT_EQ(multibase::decode("bp").error(), make_error_code(MultibaseError::invalid_length));
  EXPECT_EQ(multibase::decode("bpfs").error(), make_error_code(MultibaseError::invalid_length));
  EXPECT_EQ(multibase::decode("bpfsxgidnm=").error(), make_error_code(MultibaseError::invalid_padding));
  EXPECT_EQ(multibase::decode("cpfsxgidnm").error(), make_error_code(MultibaseError::invalid_padding));
  EXPECT_EQ(multibase::decode("f796").error(), make_error_code(MultibaseError::invalid_length));
  EXPECT_EQ(multibase::decode("fzz").error(), make_error_code(MultibaseError::invalid_character));
  EXPECT_EQ(multibase::decode("ueWVzI+").error(), make_error_code(MultibaseError::invalid_character));
  EXPECT_EQ(multibase::decode("me").error(), make_error_code(MultibaseError::invalid_length));
  EXPECT_EQ(multibase::decode("z" + std::string(multibase::kMaxBigBaseChars + 1, '2')).error(),
            make_error_code(MultibaseError::too_large));
}

TEST(Multibase, RandomRoundTrips) {
  std::uint32_t x = 12345;
  for (int n = 0; n < 300; ++n) {
    Bytes data(static_cast<std::size_t>(n % 70));
    for (auto& b : data) b = static_cast<std::uint8_t>((x = x * 1103515245 + 12345) >> 16);
    if (n % 5 == 0 && !data.empty()) data[0] = 0;
    for (Base b : {Base::base16, Base::base32, Base::base32pad, Base::base36, Base::base58btc, Base::base64,
                   Base::base64pad, Base::base64url, Base::base64urlpad}) {
      auto d = multibase::decode(multibase::encode(b, data));
      ASSERT_TRUE(d);
      EXPECT_EQ(d->data, data);
    }
  }
}
