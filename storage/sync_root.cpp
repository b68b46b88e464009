#include "storage/sync_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "actors/rules/path_rules.h"

namespace syncer {
namespace {

// Set once the kernel said it has no openat2 (Linux < 5.6): the component
// walk is used from then on.
std::atomic<bool> no_openat2{false};

bool is_normal_path(std::string_view rel) {
  auto normal = normalize_sync_path(rel, nullptr);
  return normal && *normal == rel;
}

// Opens `rel` beneath `dir` with no link followed, by openat2 when the
// kernel has it. Returns the descriptor or -errno; -ENOSYS asks for the
// fallback.
int open_beneath_openat2(int dir, std::string_view rel, int flags, mode_t mode) {
  if (no_openat2.load(std::memory_order_relaxed)) return -ENOSYS;
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_NOFOLLOW | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  std::string path(rel);
  for (;;) {
    long fd = ::syscall(SYS_openat2, dir, path.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno == EINTR || errno == EAGAIN) continue;  // EAGAIN: a rename raced the lookup
    if (errno == ENOSYS) no_openat2.store(true, std::memory_order_relaxed);
    return -errno;
  }
}

// A component that exists but is a link: ELOOP, whatever open said
// (O_DIRECTORY | O_NOFOLLOW on a link says ENOTDIR, which would read as
// "gone").
int link_or(int dir, const std::string& name, int err) {
  struct stat sb {};
  if (::fstatat(dir, name.c_str(), &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode)) return ELOOP;
  return err;
}

// The fallback: one openat(O_NOFOLLOW) per component. Returns fd or -errno.
int open_beneath_walk(int root, std::string_view rel, int flags, mode_t mode) {
  unique_fd current(::fcntl(root, F_DUPFD_CLOEXEC, 0));
  if (!current) return -errno;
  size_t start = 0;
  for (;;) {
    size_t slash = rel.find('/', start);
    std::string name(rel.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      int fd = ::openat(current.get(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
      if (fd < 0) {
        int err = errno;
        return -(err == ENOTDIR || err == ELOOP ? link_or(current.get(), name, err) : err);
      }
      return fd;
    }
    int next = ::openat(current.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      int err = errno;
      return -(err == ENOTDIR ? link_or(current.get(), name, err) : err);
    }
    current = unique_fd(next);
    start = slash + 1;
  }
}

int open_beneath(int root, std::string_view rel, int flags, mode_t mode) {
  int fd = open_beneath_openat2(root, rel, flags, mode);
  // ENOSYS: no openat2. ENOTDIR: a file, or a link opened with
  // O_DIRECTORY | O_NOFOLLOW, stands in the way; the walk tells which
  // (a link is ELOOP: a problem, not a path that is gone).
  if (fd == -ENOSYS || fd == -ENOTDIR) fd = open_beneath_walk(root, rel, flags, mode);
  return fd;
}

}  // namespace

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string unique_fd::proc_path() const { return "/proc/self/fd/" + std::to_string(fd_); }

bool is_gone_errno(int err) { return err == ENOENT || err == ENOTDIR; }

std::shared_ptr<sync_root> sync_root::open(const std::string& absolute_path, std::string* error) {
  int fd = ::open(absolute_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (error) *error = "cannot open the sync folder " + absolute_path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::shared_ptr<sync_root>(new sync_root(absolute_path, unique_fd(fd)));
}

int sync_root::resolve_dir(std::string_view rel, int flags, unique_fd* out) const {
  if (rel.empty()) {
    int fd = (flags & O_PATH) ? ::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0)
                              : ::openat(fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    *out = unique_fd(fd);
    return 0;
  }
  if (!is_normal_path(rel)) return EINVAL;
  int fd = open_beneath(fd_.get(), rel, flags | O_DIRECTORY, 0);
  if (fd < 0) return -fd;
  *out = unique_fd(fd);
  return 0;
}

int sync_root::open_parent(std::string_view rel, bool create_parents, unique_fd* dir, std::string* leaf) const {
  if (!is_normal_path(rel)) return EINVAL;
  auto slash = rel.rfind('/');
  std::string_view parent = slash == std::string_view::npos ? std::string_view{} : rel.substr(0, slash);
  *leaf = std::string(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
  if (create_parents && !parent.empty()) {
    int err = make_dirs(parent);
    if (err) return err;
  }
  return resolve_dir(parent, O_RDONLY, dir);
}

int sync_root::lstat(std::string_view rel, struct stat* out) const {
  if (!is_normal_path(rel)) return EINVAL;
  auto slash = rel.rfind('/');
  if (slash == std::string_view::npos) {
    std::string name(rel);
    return ::fstatat(fd_.get(), name.c_str(), out, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
  }
  unique_fd parent;
  if (int err = resolve_dir(rel.substr(0, slash), O_PATH, &parent)) return err;
  std::string name(rel.substr(slash + 1));
  return ::fstatat(parent.get(), name.c_str(), out, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

int sync_root::open_file(std::string_view rel, int flags, mode_t mode, unique_fd* out) const {
  if (!is_normal_path(rel)) return EINVAL;
  int fd = open_beneath(fd_.get(), rel, flags, mode);
  if (fd < 0) return -fd;
  *out = unique_fd(fd);
  return 0;
}

int sync_root::open_dir(std::string_view rel, unique_fd* out) const { return resolve_dir(rel, O_RDONLY, out); }

int sync_root::make_dirs(std::string_view rel) const {
  if (!is_normal_path(rel)) return EINVAL;
  unique_fd current(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!current) return errno;
  size_t start = 0;
  for (;;) {
    size_t slash = rel.find('/', start);
    std::string name(rel.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (::mkdirat(current.get(), name.c_str(), 0755) != 0 && errno != EEXIST) return errno;
    int next = ::openat(current.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      int err = errno;
      return err == ENOTDIR ? link_or(current.get(), name, err) : err;
    }
    current = unique_fd(next);
    if (slash == std::string_view::npos) return 0;
    start = slash + 1;
  }
}

int sync_root::unlink(std::string_view rel) const {
  unique_fd dir;
  std::string leaf;
  if (int err = open_parent(rel, false, &dir, &leaf)) return err;
  return ::unlinkat(dir.get(), leaf.c_str(), 0) == 0 ? 0 : errno;
}

int sync_root::rmdir(std::string_view rel) const {
  unique_fd dir;
  std::string leaf;
  if (int err = open_parent(rel, false, &dir, &leaf)) return err;
  return ::unlinkat(dir.get(), leaf.c_str(), AT_REMOVEDIR) == 0 ? 0 : errno;
}

int sync_root::rename_into(int from_dir, const std::string& from_name, std::string_view rel, bool sync_dir) const {
  unique_fd dir;
  std::string leaf;
  if (int err = open_parent(rel, true, &dir, &leaf)) return err;
  if (::renameat(from_dir, from_name.c_str(), dir.get(), leaf.c_str()) != 0) return errno;
  if (sync_dir) ::fsync(dir.get());
  return 0;
}

}  // namespace syncer
