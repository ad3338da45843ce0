// The relay's persistent identity: a protobuf-encoded libp2p PrivateKey (Ed25519), as go-libp2p-relay-daemon
// and rust-libp2p write it. Loaded, or created atomically with mode 0600; never overwritten.
#pragma once
#include <filesystem>
#include <stdexcept>
#include <string>

#include "crypto/keys.hpp"

namespace chiral::app {

// A start-up error with an operator-facing message (main prints it and exits non-zero).
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedIdentity {
  crypto::Ed25519PrivateKey key;
  bool created;  // true when the file did not exist and was generated now
};

// Loads the key at `path`, or generates and stores a new one when the file does not exist.
// Throws StartupError naming the file when it is unreadable, corrupt, truncated, of another key type,
// or readable by group/others (like ssh, with the chmod that fixes it).
LoadedIdentity load_or_create_identity(const std::filesystem::path& path);

}  // namespace chiral::app
