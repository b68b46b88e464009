// sync_root: the client's sync folder as an open directory, and every file
// operation on a synced path done *beneath* it.
//
// Contract (docs/security.md, "Confinement"): a relative path handed to
// any method here is first checked to be a normal sync path (the rules of
// normalize_sync_path: no "..", no leading '/', no NUL or backslash, ...);
// anything else fails with EINVAL before a system call is made. It is then
// resolved from the root's descriptor with no symbolic link followed at
// any level: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) where the
// kernel has it, else one openat(O_NOFOLLOW | O_DIRECTORY) per component.
// A link anywhere in the way fails with ELOOP (or ENOTDIR), so neither a
// hostile hub nor a symlink planted inside the folder can make the client
// create, replace, delete or read anything outside it.
//
// Every method returns 0 or an errno value; nothing throws. Only ENOENT
// and ENOTDIR mean "not there" (see is_gone_errno); any other error is a
// problem to report, never a deletion.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

namespace syncer {

// An owned file descriptor, closed on destruction.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd();
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // A path that names this descriptor's file for APIs that take a path
  // (the kernel resolves it to this very file, no lookup by name):
  // "/proc/self/fd/N".
  std::string proc_path() const;

 private:
  int fd_ = -1;
};

// True for the errors that mean a path is gone: ENOENT, ENOTDIR.
bool is_gone_errno(int err);

class sync_root {
 public:
  // Opens `absolute_path` (which must be a folder; the path itself may
  // pass through links, as a user's home may). nullptr + `error` if not.
  static std::shared_ptr<sync_root> open(const std::string& absolute_path, std::string* error);

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }

  // fstatat of `rel` (not following a final link: a link is reported as
  // a link).
  int lstat(std::string_view rel, struct stat* out) const;
  // Opens the file `rel` (flags as open(2); O_NOFOLLOW and O_CLOEXEC are
  // always added, so a final link fails with ELOOP).
  int open_file(std::string_view rel, int flags, mode_t mode, unique_fd* out) const;
  // Opens the folder `rel` ("" = the root itself) for reading entries.
  int open_dir(std::string_view rel, unique_fd* out) const;
  // Creates `rel` and any missing parent folders (mode 0755 & ~umask). An
  // existing link or file in the way fails (ELOOP / ENOTDIR / EEXIST).
  int make_dirs(std::string_view rel) const;
  // Opens the folder that holds `rel` (creating it first when
  // `create_parents`), and gives the last component's name.
  int open_parent(std::string_view rel, bool create_parents, unique_fd* dir, std::string* leaf) const;
  int unlink(std::string_view rel) const;
  int rmdir(std::string_view rel) const;
  // Moves `from_name` of folder `from_dir` to `rel` (its parents created),
  // replacing what is there (a link there is replaced, never followed),
  // then fsyncs the destination folder when `sync_dir`.
  int rename_into(int from_dir, const std::string& from_name, std::string_view rel, bool sync_dir) const;

 private:
  sync_root(std::string path, unique_fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  // Opens folder `rel` beneath the root with `flags` (O_DIRECTORY |
  // O_NOFOLLOW | O_CLOEXEC added).
  int resolve_dir(std::string_view rel, int flags, unique_fd* out) const;

  std::string path_;
  unique_fd fd_;
};

}  // namespace syncer
