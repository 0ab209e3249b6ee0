// SPDX-License-Identifier: MIT
// Issue 11 defect 2: state files must never be written through a planted symlink, and the run
// directory must be fresh and private.
#include "core/private_files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace gxlink {
namespace {

namespace fs = std::filesystem;

class PrivateFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gxlink-private-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::owner_all);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

TEST_F(PrivateFiles, WritesAtomicallyWithMode0600) {
  const auto f = dir_ / "state.json";
  ASSERT_TRUE(write_file_atomically(f, "one"));
  ASSERT_TRUE(write_file_atomically(f, "two"));
  EXPECT_EQ(read(f), "two");
  struct stat st {};
  ASSERT_EQ(::stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(dir_ / "state.json.tmp"));
}

TEST_F(PrivateFiles, APlantedTemporaryLinkIsNotFollowed) {
  const auto victim = dir_ / "victim";
  std::ofstream(victim) << "root's file";
  const auto f = dir_ / "device_instances.json";
  fs::create_symlink(victim, dir_ / "device_instances.json.tmp");
  ASSERT_TRUE(write_file_atomically(f, "{}"));
  EXPECT_EQ(read(victim), "root's file");
  EXPECT_EQ(read(f), "{}");
  EXPECT_FALSE(fs::is_symlink(f));
}

TEST_F(PrivateFiles, APlantedLinkAtTheNameIsReplacedNotWrittenThrough) {
  const auto victim = dir_ / "victim";
  std::ofstream(victim) << "root's file";
  const auto f = dir_ / "settings.json";
  fs::create_symlink(victim, f);
  ASSERT_TRUE(write_file_atomically(f, "new"));
  EXPECT_EQ(read(victim), "root's file");
  EXPECT_FALSE(fs::is_symlink(f));
  EXPECT_EQ(read(f), "new");
}

TEST_F(PrivateFiles, PrivateDirChecks) {
  EXPECT_TRUE(check_private_dir(dir_));
  const auto link = dir_ / "link";
  fs::create_directory_symlink(dir_, link);
  EXPECT_FALSE(check_private_dir(link));
  const auto open_dir = dir_ / "open";
  fs::create_directory(open_dir);
  fs::permissions(open_dir, fs::perms::all);
  EXPECT_FALSE(check_private_dir(open_dir));
  EXPECT_FALSE(ensure_state_dir(open_dir));
  if (::geteuid() == 0) {  // a directory another user owns (only root can make one here)
    const auto theirs = dir_ / "theirs";
    fs::create_directory(theirs);
    fs::permissions(theirs, fs::perms::owner_all);
    ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
    EXPECT_FALSE(check_private_dir(theirs));
    EXPECT_FALSE(ensure_state_dir(theirs));
  }
  EXPECT_TRUE(ensure_state_dir(dir_ / "new" / "state"));
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "new" / "state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(PrivateFiles, RunDirIsFreshEachTimeOrSystemdsOwn) {
  ::unsetenv("RUNTIME_DIRECTORY");
  auto a = make_run_dir();
  auto b = make_run_dir();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(check_private_dir(*a));
  fs::remove_all(*a);
  fs::remove_all(*b);

  ::setenv("RUNTIME_DIRECTORY", (dir_.string() + ":/somewhere/else").c_str(), 1);
  auto c = make_run_dir();
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, dir_);
  fs::permissions(dir_, fs::perms::all);
  EXPECT_FALSE(make_run_dir());  // systemd's directory must be private too
  ::unsetenv("RUNTIME_DIRECTORY");
}

}  // namespace
}  // namespace gxlink
