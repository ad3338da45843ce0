// app::load_or_create_identity on an existing 0600 file holding the input. It throws StartupError on
// anything but a valid Ed25519 PrivateKey by design. Properties: never crashes, never modifies the file or
// leaves anything beside it, never "creates" over an existing file, and loads exactly what from_protobuf
// accepts.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <google/protobuf/stubs/logging.h>

#include "app/identity_file.hpp"
#include "fuzz_check.hpp"

using namespace chiral;

// The loader's ParseFromArray logs every malformed file to stderr: fine at start-up, noise here.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int, const std::string&) {});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path kDir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fuzz-identity-XXXXXX").string();
    FUZZ_CHECK(::mkdtemp(tmpl.data()) != nullptr);
    return std::filesystem::path(tmpl);
  }();
  // Registered after kDir is built, so it runs before kDir's destructor.
  static const int kCleanup = std::atexit([] { std::error_code ec; std::filesystem::remove_all(kDir, ec); });
  (void)kCleanup;
  const auto path = kDir / "identity.key";
  std::filesystem::remove(path);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  FUZZ_CHECK(fd >= 0 && ::write(fd, data, size) == static_cast<ssize_t>(size) && ::close(fd) == 0);
  try {
    auto id = app::load_or_create_identity(path);
    FUZZ_CHECK(!id.created);
    auto direct = crypto::Ed25519PrivateKey::from_protobuf(fuzz::input(data, size));
    FUZZ_CHECK(direct && direct->public_key() == id.key.public_key());
  } catch (const app::StartupError& e) {
    FUZZ_CHECK(std::string_view(e.what()).find(path.string()) != std::string_view::npos);
  }
  std::ifstream f(path, std::ios::binary);
  const Bytes after((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  FUZZ_CHECK(after == Bytes(data, data + size));
  FUZZ_CHECK(std::distance(std::filesystem::directory_iterator(kDir), std::filesystem::directory_iterator()) == 1);
  return 0;
}
