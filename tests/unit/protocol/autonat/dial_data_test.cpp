// Dial-data accounting (libp2p/specs autonat/autonat-v2.md "Amplification Attack Prevention").
#include <gtest/gtest.h>

#include <random>

#include "protocol/autonat/dial_data.hpp"

using namespace chiral;
using namespace chiral::autonat;

TEST(DialData, AmountAlwaysInRange) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 10000; ++i) {
    const auto n = dial_data_amount(rng());
    EXPECT_GE(n, kMinDialDataBytes);
    EXPECT_LT(n, kMaxDialDataBytes);
  }
  EXPECT_EQ(dial_data_amount(0), kMinDialDataBytes);
  EXPECT_LT(dial_data_amount(~0ull), kMaxDialDataBytes);
}

TEST(DialData, RequiredIsClamped) {
  EXPECT_EQ(DialDataReceiver(5).required(), kMinDialDataBytes);
  EXPECT_EQ(DialDataReceiver(1'000'000).required(), kMaxDialDataBytes);
}

TEST(DialData, FullChunksUntilDoneLastMayOvershoot) {
  DialDataReceiver r(30'000);
  std::size_t chunks = 0;
  for (;;) {
    auto step = r.on_chunk(4096);
    ASSERT_TRUE(step) << step.error().message();
    ++chunks;
    if (*step == DialDataReceiver::Step::done) break;
    EXPECT_EQ(r.remaining(), 30'000 - 4096 * chunks);
  }
  EXPECT_EQ(chunks, 8u);  // 7 * 4096 = 28672 < 30000 <= 8 * 4096
  EXPECT_EQ(r.received(), 8u * 4096);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.remaining(), 0u);
  // Anything after done is a protocol violation.
  EXPECT_EQ(r.on_chunk(4096).error(), AutonatError::unexpected_message);
}

TEST(DialData, SmallFinalChunkIsFine) {
  DialDataReceiver r(30'000);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(r.on_chunk(4096));
  auto last = r.on_chunk(30'000 - 7 * 4096);  // 1328 bytes
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, DialDataReceiver::Step::done);
  DialDataReceiver tiny_tail(30'000);
  ASSERT_TRUE(tiny_tail.on_chunk(4096));
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(tiny_tail.on_chunk(4096));
  ASSERT_TRUE(tiny_tail.on_chunk(30'000 - 7 * 4096 - 1));
  auto one = tiny_tail.on_chunk(1);  // completes the amount: allowed even though < 100
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, DialDataReceiver::Step::done);
}

TEST(DialData, NonFinalSmallChunksAreRefused) {
  DialDataReceiver r(30'000);
  ASSERT_TRUE(r.on_chunk(100));  // exactly 100 is allowed
  EXPECT_EQ(r.on_chunk(99).error(), AutonatError::chunk_too_small);
  EXPECT_TRUE(r.failed());
  EXPECT_FALSE(r.done());
  EXPECT_EQ(r.on_chunk(4096).error(), AutonatError::unexpected_message);
  DialDataReceiver empty(30'000);
  EXPECT_EQ(empty.on_chunk(0).error(), AutonatError::chunk_too_small);
}

TEST(DialData, OversizedChunksAreRefused) {
  DialDataReceiver r(30'000);
  EXPECT_EQ(r.on_chunk(4097).error(), AutonatError::chunk_too_large);
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(r.received(), 0u);
}
