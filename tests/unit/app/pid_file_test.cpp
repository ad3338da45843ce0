// PID file: create, remove on exit, stale (dead pid, our own pid, garbage) replaced, live pid refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "app/identity_file.hpp"
#include "app/pid_file.hpp"

using namespace chiral::app;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "chiral-pid-XXXXXX").string();
    path_ = ::mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, ec);
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_text(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A pid that is certainly not running: a child that exited and was reaped.
pid_t dead_pid() {
  const pid_t p = ::fork();
  if (p == 0) ::_exit(0);
  ::waitpid(p, nullptr, 0);
  return p;
}

// A live child that sleeps until killed.
class LiveChild {
 public:
  LiveChild() {
    pid_ = ::fork();
    if (pid_ == 0) {
      for (;;) ::pause();
    }
  }
  ~LiveChild() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST(PidFile, WritesOurPidAndRemovesItOnExit) {
  TempDir dir;
  const auto file = dir.path() / "relay.pid";
  {
    auto pf = PidFile::acquire(file);
    EXPECT_TRUE(pf.held());
    EXPECT_EQ(read_text(file), std::to_string(::getpid()) + "\n");
    EXPECT_EQ(read_pid_file(file), ::getpid());
    EXPECT_EQ(entries(dir.path()), 1u);  // no temp file left
  }
  EXPECT_FALSE(fs::exists(file));
}

TEST(PidFile, StaleFileOfADeadProcessIsReplaced) {
  TempDir dir;
  const auto file = dir.path() / "relay.pid";
  const pid_t dead = dead_pid();
  write_text(file, std::to_string(dead) + "\n");
  EXPECT_FALSE(process_alive(dead));
  auto pf = PidFile::acquire(file);
  EXPECT_EQ(read_pid_file(file), ::getpid());
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(PidFile, OwnPidAndGarbageAreStale) {
  TempDir dir;
  const auto file = dir.path() / "relay.pid";
  write_text(file, std::to_string(::getpid()));
  { auto pf = PidFile::acquire(file); }
  for (const char* junk : {"", "not a pid\n", "-5\n", "0\n"}) {
    write_text(file, junk);
    auto pf = PidFile::acquire(file);
    EXPECT_EQ(read_pid_file(file), ::getpid()) << junk;
  }
}

TEST(PidFile, LiveProcessRefusesTheStart) {
  TempDir dir;
  const auto file = dir.path() / "relay.pid";
  LiveChild child;
  write_text(file, std::to_string(child.pid()) + "\n");
  try {
    auto pf = PidFile::acquire(file);
    ADD_FAILURE() << "acquire succeeded over a live pid";
  } catch (const StartupError& e) {
    EXPECT_EQ(std::string(e.what()), "relay already running with pid " + std::to_string(child.pid()) +
                                         " (pid file " + file.string() + ")");
  }
  EXPECT_THROW(PidFile::check_not_running(file), StartupError);
  EXPECT_EQ(read_text(file), std::to_string(child.pid()) + "\n");  // untouched
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(PidFile, DoesNotRemoveAFileThatNoLongerHoldsOurPid) {
  TempDir dir;
  const auto file = dir.path() / "relay.pid";
  LiveChild other;
  {
    auto pf = PidFile::acquire(file);
    write_text(file, std::to_string(other.pid()) + "\n");  // replaced by someone else
  }
  EXPECT_TRUE(fs::exists(file));
}

TEST(PidFile, MoveTransfersOwnership) {
  TempDir dir;
  const auto file = dir.path() / "relay.pid";
  PidFile outer;
  EXPECT_FALSE(outer.held());
  {
    auto pf = PidFile::acquire(file);
    outer = std::move(pf);
    EXPECT_FALSE(pf.held());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  }
  EXPECT_TRUE(fs::exists(file));
  outer.release();
  EXPECT_FALSE(fs::exists(file));
}

TEST(PidFile, PathThatIsADirectoryNamesTheFile) {
  TempDir dir;
  const auto file = dir.path() / "relay.pid";
  fs::create_directory(file);
  try {
    auto pf = PidFile::acquire(file);
    ADD_FAILURE() << "acquire succeeded over a directory";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write pid file " + file.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(entries(dir.path()), 1u);  // the temp file was cleaned up
}

TEST(PidFile, MissingDirectoryNamesTheFile) {
  TempDir dir;
  const auto file = dir.path() / "no" / "such" / "relay.pid";
  try {
    auto pf = PidFile::acquire(file);
    ADD_FAILURE() << "acquire succeeded in a missing directory";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write pid file " + file.string()), std::string::npos) << e.what();
  }
}
