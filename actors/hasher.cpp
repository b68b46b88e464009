#include "actors/hasher.h"

#include <sys/stat.h>

#include <caf/all.hpp>

#include "actors/log.h"
#include "storage/file_times.h"
#include "storage/sha256.h"

namespace syncer {
namespace {


struct hasher_state {
  static inline const char* name = "hasher";
  std::string root;
  int64_t hashed_files = 0;
  int64_t hashed_bytes = 0;
  int64_t unstable = 0;
  std::string last_error;
};

}  // namespace

local_file_state read_local_state(const std::string& root, const std::string& rel_path, bool hash) {
  local_file_state s;
  s.path = rel_path;
  std::string full = root + "/" + rel_path;
  struct stat before {};
  if (::lstat(full.c_str(), &before) != 0) return s;  // gone
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
  std::string error;
  auto digest = sha256_file(full, &error);
  if (!digest) {
    struct stat gone {};
    if (::lstat(full.c_str(), &gone) != 0) {
      s.exists = false;  // deleted while we were reading
      return s;
    }
    s.error = error;
    return s;
  }
  struct stat after {};
  if (::lstat(full.c_str(), &after) != 0) {
    s.exists = false;
    return s;
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
  auto s = read_local_state(st.root, rel_path, true);
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
    self->state.root = std::move(root);
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
