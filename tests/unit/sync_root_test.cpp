// sync_root: every operation stays beneath the root, no link followed at
// any level, and only ENOENT/ENOTDIR read as "gone".
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "storage/sync_root.h"
#include "tests/unit/temp_dir.h"

using namespace syncer;
namespace fs = std::filesystem;

namespace {

struct rooted : ::testing::Test {
  temp_dir base{"syncer-root"};
  fs::path root_dir = base.path / "root";
  fs::path outside = base.path / "outside";
  std::shared_ptr<sync_root> root;
  void SetUp() override {
    fs::create_directories(root_dir);
    fs::create_directories(outside);
    std::ofstream(outside / "secret.txt") << "secret";
    std::string error;
    root = sync_root::open(root_dir.string(), &error);
    ASSERT_TRUE(root) << error;
  }
  // Writes `text` to a temp file in root/.tmp and returns that folder's fd.
  unique_fd temp_with(const std::string& name, const std::string& text) {
    EXPECT_EQ(root->make_dirs(".tmp"), 0);
    unique_fd dir;
    EXPECT_EQ(root->open_dir(".tmp", &dir), 0);
    std::ofstream(root_dir / ".tmp" / name) << text;
    return dir;
  }
};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_F(rooted, RefusesPathsThatAreNotNormalBeforeAnySystemCall) {
  struct stat sb {};
  for (const char* bad : {"../outside/secret.txt", "/etc/passwd", "a/../../outside", "a//b", "./a", "a\\b", ""}) {
    EXPECT_EQ(root->lstat(bad, &sb), EINVAL) << bad;
    unique_fd fd;
    EXPECT_EQ(root->open_file(bad, O_RDONLY, 0, &fd), EINVAL) << bad;
    EXPECT_EQ(root->unlink(bad), EINVAL) << bad;
  }
  EXPECT_TRUE(fs::exists(outside / "secret.txt"));
}

TEST_F(rooted, NeverFollowsALinkAtAnyLevel) {
  fs::create_directory_symlink(outside, root_dir / "docs");
  fs::create_symlink(outside / "secret.txt", root_dir / "file-link");
  struct stat sb {};
  // Through a linked folder: refused as a link (ELOOP), never as "gone".
  int err = root->lstat("docs/secret.txt", &sb);
  EXPECT_EQ(err, ELOOP);
  EXPECT_FALSE(is_gone_errno(err));
  unique_fd fd;
  EXPECT_EQ(root->open_file("docs/secret.txt", O_RDONLY, 0, &fd), ELOOP);
  EXPECT_EQ(root->open_file("file-link", O_RDONLY, 0, &fd), ELOOP);
  EXPECT_EQ(root->make_dirs("docs/sub"), ELOOP);
  EXPECT_EQ(root->unlink("docs/secret.txt"), ELOOP);
  // The link itself is seen as a link.
  ASSERT_EQ(root->lstat("docs", &sb), 0);
  EXPECT_TRUE(S_ISLNK(sb.st_mode));
  // A download renamed to a path through the link is refused; nothing
  // appears outside.
  auto tmp = temp_with("t1", "planted");
  EXPECT_EQ(root->rename_into(tmp.get(), "t1", "docs/planted.txt", true), ELOOP);
  EXPECT_FALSE(fs::exists(outside / "planted.txt"));
  // Replacing the link itself is fine: the link goes, its target stays.
  EXPECT_EQ(root->rename_into(tmp.get(), "t1", "file-link", true), 0);
  EXPECT_EQ(read(root_dir / "file-link"), "planted");
  EXPECT_EQ(read(outside / "secret.txt"), "secret");
  EXPECT_EQ(fs::directory_iterator(outside) == fs::directory_iterator(), false);
  EXPECT_EQ(std::distance(fs::directory_iterator(outside), fs::directory_iterator()), 1);
}

TEST_F(rooted, CreatesParentsRenamesAndRemoves) {
  auto tmp = temp_with("t2", "hello");
  ASSERT_EQ(root->rename_into(tmp.get(), "t2", "a/b/c.txt", true), 0);
  EXPECT_EQ(read(root_dir / "a/b/c.txt"), "hello");
  struct stat sb {};
  ASSERT_EQ(root->lstat("a/b/c.txt", &sb), 0);
  EXPECT_EQ(sb.st_size, 5);
  unique_fd fd;
  ASSERT_EQ(root->open_file("a/b/c.txt", O_RDONLY, 0, &fd), 0);
  char buf[8] = {};
  EXPECT_EQ(::pread(fd.get(), buf, sizeof buf, 0), 5);
  EXPECT_EQ(std::string(buf), "hello");
  EXPECT_EQ(::access(fd.proc_path().c_str(), R_OK), 0);
  EXPECT_EQ(root->unlink("a/b/c.txt"), 0);
  EXPECT_EQ(root->rmdir("a/b"), 0);
  EXPECT_TRUE(is_gone_errno(root->lstat("a/b/c.txt", &sb)));
  EXPECT_TRUE(is_gone_errno(root->lstat("a/b", &sb)));
  // A file where a folder should be: ENOTDIR, which is "gone" for the
  // path below it.
  std::ofstream(root_dir / "plain") << "x";
  EXPECT_TRUE(is_gone_errno(root->lstat("plain/child", &sb)));
  EXPECT_EQ(root->make_dirs("plain/child"), ENOTDIR);
}

TEST_F(rooted, UnreadableFolderIsAnErrorNotGone) {
  fs::create_directories(root_dir / "private");
  std::ofstream(root_dir / "private" / "s1.txt") << "x";
  fs::permissions(root_dir / "private", fs::perms::none);
  // Root reads everything: look as user nobody, in a child process.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(200);
    struct stat sb {};
    ::_exit(root->lstat("private/s1.txt", &sb));
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  fs::permissions(root_dir / "private", fs::perms::owner_all);
  ASSERT_TRUE(WIFEXITED(status));
  int err = WEXITSTATUS(status);
  EXPECT_EQ(err, EACCES);
  EXPECT_FALSE(is_gone_errno(err));
}
