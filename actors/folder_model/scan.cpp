// folder-model: The full scan: walks the folder by descriptors and compares it with the index.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <future>
#include <sstream>

#include <caf/all.hpp>

#include "actors/folder_model/state.h"
#include "actors/log.h"
#include "actors/rules/client_decisions.h"
#include "actors/rules/path_rules.h"
#include "storage/file_times.h"
#include "storage/sha256.h"

namespace syncer::folder_model_parts {

struct scan_context {
  std::unordered_map<std::string, client_index::disk_view> known;  // live index entries
  std::string ignore_files;  // path, size and mtime of every .syncignore seen
  size_t on_disk = 0;
  size_t known_on_disk = 0;  // paths found on disk that are live in the index
  // Folders and files the walk could not read: problems; nothing tracked
  // beneath such a folder is taken as deleted.
  std::vector<std::string> unreadable;
};

// One path the walk found, with what the comparison needs from its stat.
struct seen_path {
  std::string path;
  mode_t mode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

// True when the index already holds what the disk shows for `s`: an
// unchanged file (same size and mtime) or a known folder.
bool unchanged_on_disk(scan_context& ctx, const seen_path& s) {
  auto it = ctx.known.find(s.path);
  if (it == ctx.known.end()) return false;
  ++ctx.known_on_disk;
  const auto& v = it->second;
  if (S_ISDIR(s.mode)) return v.is_dir;
  return S_ISREG(s.mode) && !v.is_dir && v.size == s.size && v.mtime_ns == s.mtime_ns;
}

// Can this process read the file (and, for a folder, list it)? From the
// mode bits alone, no system call: a file made unreadable by a chmod keeps
// its size and mtime, and must still show up as a problem.
bool readable_by_us(const struct stat& sb) {
  static const uid_t uid = ::geteuid();
  static const gid_t gid = ::getegid();
  if (uid == 0) return true;
  mode_t want = S_ISDIR(sb.st_mode) ? (S_IRUSR | S_IXUSR) : S_IRUSR;
  if (sb.st_uid == uid) return (sb.st_mode & want) == want;
  if (sb.st_gid == gid) return (sb.st_mode & (want >> 3)) == (want >> 3);
  return (sb.st_mode & (want >> 6)) == (want >> 6);
}

// Walks the folder with one fstatat per entry, relative to its folder's
// descriptor (opened with O_NOFOLLOW: no link is ever entered), skipping
// ignored paths. A folder that cannot be opened is a problem and
// remembered, so its tracked files are not taken as deleted. `dir_fd` is
// taken over.
void walk_tree(folder_state& st, int dir_fd, const std::string& rel, scan_context& ctx, std::vector<seen_path>& seen) {
  DIR* dir = ::fdopendir(dir_fd);
  if (!dir) {
    ::close(dir_fd);
    return;
  }
  int fd = ::dirfd(dir);
  while (auto* ent = ::readdir(dir)) {
    const char* name = ent->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
    std::string child = rel.empty() ? std::string(name) : rel + "/" + name;
    if (is_internal_path(child)) continue;
    struct stat sb {};
    if (::fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
      examine(st, child);  // vanished meanwhile, or a problem: the examination tells
      continue;
    }
    bool is_dir = S_ISDIR(sb.st_mode);
    if (skipped(st, child, is_dir)) continue;
    ++ctx.on_disk;
    if (S_ISREG(sb.st_mode) && std::strcmp(name, ".syncignore") == 0)
      ctx.ignore_files += child + ":" + std::to_string(sb.st_size) + ":" + std::to_string(mtime_ns(sb)) + "\n";
    seen.push_back({child, sb.st_mode, static_cast<uint64_t>(sb.st_size), mtime_ns(sb)});
    if ((S_ISREG(sb.st_mode) || is_dir) && !readable_by_us(sb)) {
      ctx.unreadable.push_back(child);
      st.force_look.insert(child);
      if (is_dir) continue;
    }
    if (is_dir) {
      int sub = ::openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        ctx.unreadable.push_back(child);  // examined below: reported as a problem
        st.force_look.insert(child);
        continue;
      }
      walk_tree(st, sub, child, ctx, seen);  // not seen.back(): the vector moves as it grows
    }
  }
  ::closedir(dir);
}

// Compares the whole folder with the index: offline edits, creations and
// deletions become new versions. A POST /sync follows once it is hashed.
void full_scan(self_ptr self) {
  auto& st = self->state;
  ++st.scans;
  st.scanning = true;
  st.resync_wanted = true;
  scan_context ctx;
  // The index is read on a helper thread while this one walks the folder
  // (the walk only queues paths; it does not touch the index): on a
  // 25,000-path tree each takes tens of milliseconds of a restart.
  auto known = std::async(std::launch::async, [index = st.index] { return index->live_disk_views(); });
  std::vector<seen_path> seen;
  unique_fd top;
  if (!st.root) {
    log::error("folder-model", st.root_error);
  } else if (int err = st.root->open_dir("", &top)) {
    log::error("folder-model", "cannot read the sync folder: " + problem_reason(err));
  } else {
    walk_tree(st, top.release(), "", ctx, seen);
  }
  ctx.known = known.get();
  std::unordered_set<std::string> unreadable(ctx.unreadable.begin(), ctx.unreadable.end());
  auto hidden = [&](const std::string& path) {  // beneath a folder the walk could not read?
    for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
      if (unreadable.count(path.substr(0, slash))) return true;
    return false;
  };
  for (const auto& s : seen)
    if (!unchanged_on_disk(ctx, s) || st.downloading.count(s.path) || st.force_look.count(s.path)) examine(st, s.path);
  // Deletions: live index entries not on disk. Only looked for when some
  // were not found by the walk.
  if (ctx.known_on_disk != ctx.known.size()) {
    for (const auto& [path, view] : ctx.known) {
      if (!ctx.unreadable.empty() && hidden(path)) continue;  // the folder's problem covers it
      struct stat sb {};
      if (!st.root || st.root->lstat(path, &sb) != 0) examine(st, path);
    }
  }
  // The rules in force: a sync point made under other rules is not
  // trusted (hub entries that stopped being ignored would be missed).
  st.ignore_fingerprint = sha256_hex(st.config.ignore_config + "\n--\n" + ctx.ignore_files).substr(0, 16);
  if (st.sync_point && st.sync_point->ignore_fingerprint != st.ignore_fingerprint) {
    log::info("folder-model", "ignore rules differ from the last sync point's; the next sync compares everything");
    forget_sync_point(st);
  }
  log::info("folder-model", "scan: " + std::to_string(ctx.on_disk) + " paths on disk, " +
                                std::to_string(st.to_examine.size()) + " to examine");
}

// The next periodic rescan: the interval +-10 %, so clients started
// together do not rescan together.
void schedule_rescan(folder_state& st) {
  if (st.config.rescan_interval_ns <= 0) return;
  auto spread = static_cast<double>(std::hash<std::string>{}(st.config.client_id + std::to_string(mono_ns())) % 2001) / 1000.0 - 1.0;
  st.next_rescan_mono_ns = mono_ns() + st.config.rescan_interval_ns + static_cast<int64_t>(static_cast<double>(st.config.rescan_interval_ns) * 0.1 * spread);
}

}  // namespace syncer::folder_model_parts
