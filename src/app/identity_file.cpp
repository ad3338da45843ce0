#include "app/identity_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <random>

#include "proto/keys.pb.h"

namespace chiral::app {

namespace {

constexpr std::size_t kMaxIdentityFileSize = 16 * 1024;

std::string errno_text(int e) { return std::strerror(e); }

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

const char* key_type_name(int t) {
  switch (t) {
    case 0: return "RSA";
    case 1: return "Ed25519";
    case 2: return "Secp256k1";
    case 3: return "ECDSA";
  }
  return "unknown";
}

LoadedIdentity load_existing(const std::filesystem::path& path, const struct stat& st) {
  const std::string p = path.string();
  if (!S_ISREG(st.st_mode)) throw StartupError(fmt::format("identity file {} is not a regular file", p));
  if (st.st_mode & 077) {
    throw StartupError(fmt::format(
        "identity file {} has permissions {:04o}: a private key must not be accessible by group or others; "
        "fix with: chmod 600 {}",
        p, st.st_mode & 07777, p));
  }
  if (st.st_size > static_cast<off_t>(kMaxIdentityFileSize)) {
    throw StartupError(fmt::format("identity file {} is corrupt: {} bytes is too large for a key (refusing to "
                                   "start; the file was left untouched)",
                                   p, st.st_size));
  }
  Fd f{::open(p.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw StartupError(fmt::format("cannot read identity file {}: {}", p, errno_text(errno)));
  Bytes data(kMaxIdentityFileSize + 1);
  std::size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::read(f.fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw StartupError(fmt::format("cannot read identity file {}: {}", p, errno_text(errno)));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  data.resize(got);
  const auto corrupt = [&](const std::string& why) {
    return StartupError(fmt::format(
        "identity file {} is corrupt: {} (refusing to start; the file was left untouched — restore it from "
        "a backup, or move it away to generate a new identity)",
        p, why));
  };
  if (data.empty()) throw corrupt("the file is empty");
  pb::PrivateKey msg;
  if (!msg.ParseFromArray(data.data(), static_cast<int>(data.size())) || !msg.IsInitialized()) {
    throw corrupt("not a protobuf-encoded libp2p PrivateKey (truncated or damaged)");
  }
  if (msg.type() != pb::Ed25519) {
    throw StartupError(fmt::format("identity file {} holds a {} key; chiral-relay needs an Ed25519 key", p,
                                   key_type_name(msg.type())));
  }
  auto key = crypto::Ed25519PrivateKey::from_protobuf(data);
  if (!key) throw corrupt(key.error().message());
  return {std::move(*key), false};
}

void fsync_dir(const std::filesystem::path& dir) {
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd);
}

LoadedIdentity create_new(const std::filesystem::path& path) {
  const std::string p = path.string();
  auto dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) throw StartupError(fmt::format("cannot create directory {} for identity file: {}", dir.string(), ec.message()));
    ::chmod(dir.c_str(), 0700);
  }
  auto key = crypto::Ed25519PrivateKey::generate();
  const Bytes encoded = key.to_protobuf();

  // Write a private temp file, fsync it, then link() it into place: link fails if the target appeared
  // meanwhile, so an existing identity is never replaced, and readers never see a partial key.
  std::random_device rd;
  const auto tmp = dir / fmt::format(".{}.tmp-{:08x}", path.filename().string(), rd());
  Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (f.fd < 0) throw StartupError(fmt::format("cannot create identity file {}: {}", p, errno_text(errno)));
  const auto cleanup_fail = [&](const std::string& what, int e) {
    ::unlink(tmp.c_str());
    return StartupError(fmt::format("cannot write identity file {}: {}: {}", p, what, errno_text(e)));
  };
  std::size_t off = 0;
  while (off < encoded.size()) {
    const ssize_t n = ::write(f.fd, encoded.data() + off, encoded.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw cleanup_fail("write", errno);
    off += static_cast<std::size_t>(n);
  }
  if (::fchmod(f.fd, 0600) != 0) throw cleanup_fail("fchmod", errno);
  if (::fsync(f.fd) != 0) throw cleanup_fail("fsync", errno);
  if (::link(tmp.c_str(), p.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    if (e == EEXIST) {
      // Someone created it between our stat and link: load theirs instead of replacing it.
      struct stat st{};
      if (::stat(p.c_str(), &st) == 0) return load_existing(path, st);
    }
    throw StartupError(fmt::format("cannot create identity file {}: {}", p, errno_text(e)));
  }
  ::unlink(tmp.c_str());
  fsync_dir(dir);
  return {std::move(key), true};
}

}  // namespace

LoadedIdentity load_or_create_identity(const std::filesystem::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0) return load_existing(path, st);
  if (errno != ENOENT) {
    throw StartupError(fmt::format("cannot access identity file {}: {}", path.string(), errno_text(errno)));
  }
  return create_new(path);
}

}  // namespace chiral::app
