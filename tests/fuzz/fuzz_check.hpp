// Shared by the libFuzzer targets: a property check that crashes (so libFuzzer saves the input) in every
// build type, and the fuzz input as a BytesView.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/bytes.hpp"

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace chiral::fuzz {
inline BytesView input(const std::uint8_t* data, std::size_t size) { return {data, size}; }
}  // namespace chiral::fuzz
