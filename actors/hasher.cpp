#include "actors/hasher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <caf/all.hpp>

#include "actors/log.h"
#include "storage/file_times.h"
#include "storage/sha256.h"
#include "storage/sync_root.h"
#include "actors/rules/local_safety.h"
#include "actors/rules/path_rules.h"

namespace syncer {
namespace {


struct hasher_state {
  static inline const char* name = "hasher";
  std::shared_ptr<sync_root> root;
  std::string root_error;
  int64_t hashed_files = 0;
  int64_t hashed_bytes = 0;
  int64_t unstable = 0;
  std::string last_error;
};

}  // namespace

namespace {

// A problem: the path is there (or may be) but cannot be looked at.
local_file_state& problem(local_file_state& s, int err) {
  s.error = problem_reason(err);
  s.error_errno = err;
  return s;
}

// Is any process holding `fd`'s file open for writing? A read lease is
// refused with EAGAIN exactly then (fcntl(2), F_SETLEASE). The lease is
// dropped at once: it is a probe, not a lock. Only the file's owner (or
// CAP_LEASE) may take one; -1 = cannot tell.
int open_for_writing(int fd) {
  if (::fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
    ::fcntl(fd, F_SETLEASE, F_UNLCK);
    return 0;
  }
  return errno == EAGAIN ? 1 : -1;
}

}  // namespace

local_file_state read_local_state(const sync_root& root, const std::string& rel_path, bool hash) {
  local_file_state s;
  s.path = rel_path;
  struct stat before {};
  int err = root.lstat(rel_path, &before);
  if (err) {
    if (classify_errno(err) == look_outcome::gone) return s;  // gone
    s.exists = true;  // may well be there: never read as a deletion
    problem(s, err);
    std::string why;
    if (err == EINVAL && !normalize_sync_path(rel_path, &why)) s.error = "cannot be synced: " + why;
    return s;
  }
  s.exists = true;
  s.is_symlink = S_ISLNK(before.st_mode);
  s.is_dir = S_ISDIR(before.st_mode);
  s.mtime_ns = mtime_ns(before);
  if (s.is_symlink || s.is_dir || !S_ISREG(before.st_mode)) {
    s.is_symlink = !s.is_dir;  // sockets, fifos, devices: skipped like symlinks
    return s;
  }
  s.size = static_cast<uint64_t>(before.st_size);
  if (!hash) return s;
  unique_fd fd;
  err = root.open_file(rel_path, O_RDONLY, 0, &fd);
  if (err) {
    if (classify_errno(err) == look_outcome::gone) {
      s.exists = false;  // deleted since the lstat
      return s;
    }
    return problem(s, err);
  }
  int writers = open_for_writing(fd.get());
  s.writer_known = writers >= 0;
  s.open_for_write = writers == 1;
  std::string error;
  auto digest = sha256_fd(fd.get(), &error);
  if (!digest) {
    problem(s, EIO);
    s.error = "cannot read: " + error;
    return s;
  }
  struct stat after {};
  err = root.lstat(rel_path, &after);
  if (err) {
    if (classify_errno(err) == look_outcome::gone) {
      s.exists = false;
      return s;
    }
    return problem(s, err);
  }
  // A file written while we read it must not be published half-written.
  if (after.st_size != before.st_size || mtime_ns(after) != mtime_ns(before) ||
      digest->size != static_cast<uint64_t>(after.st_size) || after.st_ino != before.st_ino) {
    s.unstable = true;
    return s;
  }
  s.sha256 = digest->sha256;
  return s;
}

namespace {

local_file_state hash_one(hasher_state& st, const std::string& rel_path) {
  local_file_state s;
  s.path = rel_path;
  if (!st.root) {
    s.exists = true;
    s.error = st.root_error;
  } else {
    s = read_local_state(*st.root, rel_path, true);
  }
  if (!s.error.empty()) {
    st.last_error = rel_path + ": " + s.error;
    log::warn("hasher", st.last_error);
  } else if (s.unstable) {
    ++st.unstable;
  } else if (s.exists && !s.is_dir && !s.is_symlink) {
    ++st.hashed_files;
    st.hashed_bytes += static_cast<int64_t>(s.size);
  }
  return s;
}

}  // namespace

hasher_actor spawn_hasher(caf::actor_system& sys, std::string root) {
  auto behavior = [](hasher_actor::stateful_pointer<hasher_state> self,
                     std::string root) -> hasher_actor::behavior_type {
    self->state.root = sync_root::open(root, &self->state.root_error);
    // A lease probe that races a writer's open(O_WRONLY) makes the kernel
    // send SIGIO to the lease holder; its default action would end the
    // process.
    ::signal(SIGIO, SIG_IGN);
    return {
        [self](hash_atom, const std::string& rel_path) { return hash_one(self->state, rel_path); },
        [self](hash_atom, const std::vector<std::string>& rel_paths) {
          std::vector<local_file_state> out;
          out.reserve(rel_paths.size());
          for (const auto& p : rel_paths) out.push_back(hash_one(self->state, p));
          return out;
        },
        [self](inspect_atom) {
          actor_state st;
          st.name = "hasher";
          st.counters["queue"] = static_cast<int64_t>(self->mailbox().size());
          st.counters["hashed_files"] = self->state.hashed_files;
          st.counters["hashed_bytes"] = self->state.hashed_bytes;
          st.counters["unstable"] = self->state.unstable;
          st.info["last_error"] = self->state.last_error;
          return st;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior, std::move(root));
}

}  // namespace syncer
