#include "app/identity_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <random>

#include "multiformats/peer_id.hpp"

using namespace chiral;
namespace fs = std::filesystem;

namespace {

class IdentityFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("chiral-id-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Bytes read(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(f)), {});
  }
  void write(const fs::path& p, const Bytes& b, mode_t mode = 0600) {
    { std::ofstream f(p, std::ios::binary); f.write(reinterpret_cast<const char*>(b.data()), b.size()); }
    ::chmod(p.c_str(), mode);
  }
  std::string error_of(const fs::path& p) {
    try {
      app::load_or_create_identity(p);
    } catch (const app::StartupError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(IdentityFile, CreatesWithMode0600AndReloadsSamePeerId) {
  const auto path = dir_ / "sub" / "identity.key";
  auto first = app::load_or_create_identity(path);
  EXPECT_TRUE(first.created);
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const Bytes stored = read(path);
  EXPECT_EQ(stored, first.key.to_protobuf());
  EXPECT_EQ(stored.size(), 68u);  // 08 01 12 40 + seed||pub

  auto second = app::load_or_create_identity(path);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(multiformats::PeerId::from_public_key(second.key.public_key()),
            multiformats::PeerId::from_public_key(first.key.public_key()));
  EXPECT_EQ(read(path), stored);  // untouched
  // No temp files left behind.
  int files = 0;
  for (auto& e : fs::directory_iterator(dir_ / "sub")) { (void)e; ++files; }
  EXPECT_EQ(files, 1);
}

TEST_F(IdentityFile, CorruptFileIsRefusedAndNeverOverwritten) {
  const auto path = dir_ / "identity.key";
  const Bytes garbage = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
  write(path, garbage);
  const auto err = error_of(path);
  EXPECT_NE(err.find("corrupt"), std::string::npos) << err;
  EXPECT_NE(err.find(path.string()), std::string::npos) << err;
  EXPECT_EQ(read(path), garbage);
}

TEST_F(IdentityFile, TruncatedAndEmptyFilesAreRefused) {
  const auto path = dir_ / "identity.key";
  auto key = crypto::Ed25519PrivateKey::generate().to_protobuf();
  Bytes truncated(key.begin(), key.begin() + 30);
  write(path, truncated);
  EXPECT_NE(error_of(path).find("corrupt"), std::string::npos);
  EXPECT_EQ(read(path), truncated);
  write(path, {});
  EXPECT_NE(error_of(path).find("empty"), std::string::npos);
}

TEST_F(IdentityFile, WrongKeyTypeIsRefused) {
  const auto path = dir_ / "identity.key";
  const Bytes secp = {0x08, 0x02, 0x12, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
  write(path, secp);
  const auto err = error_of(path);
  EXPECT_NE(err.find("Secp256k1"), std::string::npos) << err;
  EXPECT_NE(err.find("Ed25519"), std::string::npos) << err;
  EXPECT_EQ(read(path), secp);
}

TEST_F(IdentityFile, GroupOrWorldReadableIsRefusedWithChmodHint) {
  const auto path = dir_ / "identity.key";
  const Bytes key = crypto::Ed25519PrivateKey::generate().to_protobuf();
  write(path, key, 0644);
  const auto err = error_of(path);
  EXPECT_NE(err.find("chmod 600 " + path.string()), std::string::npos) << err;
  write(path, key, 0640);
  EXPECT_NE(error_of(path).find("chmod 600"), std::string::npos);
  write(path, key, 0400);
  EXPECT_EQ(error_of(path), "");
}

TEST_F(IdentityFile, AcceptsGoLegacy96ByteForm) {
  const auto path = dir_ / "identity.key";
  auto key = crypto::Ed25519PrivateKey::generate();
  Bytes pb = key.to_protobuf();  // 08 01 12 40 seed pub
  Bytes legacy = {0x08, 0x01, 0x12, 0x60};
  legacy.insert(legacy.end(), pb.begin() + 4, pb.end());
  legacy.insert(legacy.end(), pb.end() - 32, pb.end());
  write(path, legacy);
  auto loaded = app::load_or_create_identity(path);
  EXPECT_EQ(loaded.key.public_key(), key.public_key());
}

}  // namespace
