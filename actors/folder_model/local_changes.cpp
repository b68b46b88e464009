// folder-model: A path's state on disk becomes a new version, a problem, a wait for an
// unfinished file, or a deletion counted by the mass-delete guard.
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

// A path's state on disk (already hashed when it is a file that changed).
void on_local_state(self_ptr self, const local_file_state& s) {
  auto& st = self->state;
  if (st.downloading.count(s.path)) {
    st.deferred.insert(s.path);
    return;
  }
  if (!s.error.empty()) {
    // Cannot be looked at: a problem, never a deletion.
    bool is_new = st.problems->report(s.path, s.error, mono_ns(), now_ns());
    if (is_new) log::warn("folder-model", "problem: " + s.path + ": " + s.error + " (retried with back-off)");
    return;
  }
  if (st.problems->has(s.path) && !st.watch_problems.count(s.path)) {
    resolve_problem(st, s.path);
    log::info("folder-model", "problem resolved: " + s.path);
    if (s.is_dir) full_scan(self);  // what was unreadable beneath it is compared now
  }
  if (s.unstable) {  // being written: look again shortly
    look_again(self, s.path, 100'000'000);
    return;
  }
  if (s.exists && !s.is_dir && !s.is_symlink) {
    // Published only in a state its writer finished (docs/sync-semantics.md).
    auto waiting = st.unfinished_since.find(s.path);
    int64_t since = waiting == st.unfinished_since.end() ? 0 : waiting->second;
    auto d = decide_publish(st.publish, s.open_for_write, s.writer_known, now_ns(), s.mtime_ns, since, mono_ns());
    if (!d.publish) {
      if (!since) st.unfinished_since.emplace(s.path, mono_ns());
      look_again(self, s.path, d.retry_after_ns);
      return;
    }
    if (since) st.unfinished_since.erase(waiting);
    if (now_ns() - s.mtime_ns < 2'000'000'000) st.racy[s.path] = mono_ns();
  }
  auto previous = st.index->get(s.path);
  bool known = previous && !previous->deleted;
  if (!s.exists) {
    if (!known) return;
    if (skipped(st, s.path, previous->is_dir)) return;  // ignored now: its deletion stays local too
    if (st.held.count(s.path)) return;  // held by the guard already
    // Counted with the rest of this scan or burst before anything is
    // recorded (settle_deletions).
    st.deletion_candidates.push_back(s.path);
    st.last_candidate_mono_ns = mono_ns();
    if (!st.settle_scheduled) {
      st.settle_scheduled = true;
      self->delayed_send(self, milliseconds(deletion_quiet_ms), rescan_atom::value, std::vector<std::string>{});
    }
    return;
  }
  if (s.is_symlink) {
    log::debug("folder-model", "not following symlink or special file: " + s.path);
    return;
  }
  if (skipped(st, s.path, s.is_dir)) return;
  if (s.is_dir) {
    if (known && previous->is_dir) return;
    file_entry e;
    e.path = s.path;
    e.is_dir = true;
    e.mtime_ns = s.mtime_ns;
    record_local_version(st, e, previous);
    return;
  }
  if (known && !previous->is_dir && previous->sha256 == s.sha256) {
    if (previous->size != s.size || previous->mtime_ns != s.mtime_ns) {
      auto same = *previous;  // touched, same bytes: no new version
      same.mtime_ns = s.mtime_ns;
      st.index->put(same);
    }
    return;
  }
  file_entry e;
  e.path = s.path;
  e.sha256 = s.sha256;
  e.size = s.size;
  e.mtime_ns = s.mtime_ns;
  record_local_version(st, e, previous);
  log::debug("folder-model", "changed locally: " + s.path);
}

// Cheap first look (lstat only): unchanged files never reach the hasher.
void look_at(self_ptr self, const std::string& path) {
  auto& st = self->state;
  local_file_state quick;
  quick.path = path;
  if (!st.root) {
    quick.exists = true;
    quick.error = st.root_error;
  } else {
    quick = read_local_state(*st.root, path, false);
  }
  bool forced = st.force_look.erase(path) > 0;
  if (auto racy = st.racy.find(path); racy != st.racy.end()) {
    if (mono_ns() - racy->second < 3'000'000'000) forced = true;  // the same tick may hide a rewrite
    else st.racy.erase(racy);
  }
  if (quick.exists && quick.is_dir && quick.error.empty() && st.root) {
    // A folder that cannot be opened hides what is in it: a problem for
    // the folder (its tracked files are not taken as deleted).
    unique_fd dir;
    int err = st.root->open_dir(path, &dir);
    if (err && classify_errno(err) == look_outcome::problem) {
      quick.error = problem_reason(err);
      quick.error_errno = err;
    }
  }
  if (quick.exists && !quick.is_dir && !quick.is_symlink && quick.error.empty()) {
    auto previous = st.index->get(path);
    if (!forced && previous && !previous->deleted && !previous->is_dir && previous->size == quick.size &&
        previous->mtime_ns == quick.mtime_ns)
      return;
    if (skipped(st, path, false)) return;
    st.to_hash.push_back(path);  // sent to the hasher in batches by pump()
    st.to_hash_sizes.push_back(quick.size);
    return;
  }
  on_local_state(self, quick);
}

bool is_ignore_file(const std::string& path) {
  return path == ".syncignore" || (path.size() > 12 && path.compare(path.size() - 12, 12, "/.syncignore") == 0);
}

void rules_changed(self_ptr self) {
  auto& st = self->state;
  if (st.config.ignore_rules_changed) st.config.ignore_rules_changed();
  // Paths that stop being ignored may have hub versions older than the
  // sync point: the next POST /sync must compare everything.
  forget_sync_point(st);
  log::info("folder-model", "ignore rules changed; rescanning");
  full_scan(self);
}

// Records the local deletions found by a scan or burst, once it is over
// (nothing left to examine or hash, none found for deletion_quiet_ms) --
// unless the mass-delete guard holds them all.
void settle_deletions(self_ptr self) {
  auto& st = self->state;
  if (st.deletion_candidates.empty()) return;
  bool busy = !st.to_examine.empty() || !st.to_hash.empty() || st.hash_in_flight > 0 || st.scanning;
  if (busy || mono_ns() - st.last_candidate_mono_ns < deletion_quiet_ms * 1'000'000) {
    if (!st.settle_scheduled) {
      st.settle_scheduled = true;
      self->delayed_send(self, milliseconds(deletion_quiet_ms), rescan_atom::value, std::vector<std::string>{});
    }
    return;
  }
  std::unordered_set<std::string> named(st.deletion_candidates.begin(), st.deletion_candidates.end());
  st.deletion_candidates.clear();
  // What goes: each named entry and, for a folder, everything tracked
  // beneath it, deepest first so other clients can remove folders once
  // emptied. The index is read once, not once per folder.
  std::vector<file_entry> gone;
  bool any_dir = false;
  for (const auto& path : named)
    if (auto e = st.index->get(path); e && !e->deleted) {
      any_dir = any_dir || e->is_dir;
      gone.push_back(*e);
    }
  if (any_dir) {
    std::unordered_set<std::string> dirs;
    for (const auto& e : gone)
      if (e.is_dir) dirs.insert(e.path);
    for (const auto& e : st.index->all()) {
      if (e.deleted || named.count(e.path)) continue;
      for (auto slash = e.path.find('/'); slash != std::string::npos; slash = e.path.find('/', slash + 1))
        if (dirs.count(e.path.substr(0, slash))) {
          gone.push_back(e);
          break;
        }
    }
  }
  if (gone.empty()) return;
  auto tracked = st.index->count(false);
  auto when = now_ns();
  if (hold_deletions(st.config.delete_guard, gone.size(), tracked)) {
    for (const auto& e : gone) {
      st.index->hold_deletion(e.path, when);
      st.held.insert(e.path);
    }
    st.last_error = std::to_string(st.held.size()) + " local deletions held by the mass-delete guard (of " +
                    std::to_string(tracked) + " tracked): run 'syncer deletions' to see them, then --accept or --restore";
    log::warn("folder-model", st.last_error);
    return;
  }
  std::sort(gone.begin(), gone.end(),
            [](const file_entry& x, const file_entry& y) { return path_depth(x.path) > path_depth(y.path); });
  for (const auto& e : gone) record_tombstone(st, e, when);
  if (gone.size() == 1) log::info("folder-model", "deleted locally: " + gone.front().path);
  else log::info("folder-model", "deleted locally: " + std::to_string(gone.size()) + " entries");
}

// `syncer deletions --accept | --restore` leaves its decision in the
// index; it is carried out here.
void apply_deletion_decision(self_ptr self) {
  auto& st = self->state;
  if (st.held.empty()) return;
  auto decision = st.index->get_meta("held_deletions_decision");
  if (!decision || decision->empty()) return;
  st.index->set_meta("held_deletions_decision", "");
  auto held = st.index->held_deletions();
  st.index->clear_held_deletions();
  st.held.clear();
  auto when = now_ns();
  if (*decision == "accept") {
    std::sort(held.begin(), held.end(),
              [](const auto& x, const auto& y) { return path_depth(x.first) > path_depth(y.first); });
    size_t n = 0;
    for (const auto& [path, since] : held) {
      struct stat sb {};
      if (!st.root || !is_gone_errno(st.root->lstat(path, &sb))) continue;  // came back meanwhile
      if (auto e = st.index->get(path); e && !e->deleted) {
        record_tombstone(st, *e, when);
        ++n;
      }
    }
    log::info("folder-model", "held deletions accepted: " + std::to_string(n) + " entries deleted everywhere");
  } else {
    // Restore: forget them locally; the next full sync brings them back
    // from the hub, which never saw them deleted.
    for (const auto& [path, since] : held) st.index->erase(path);
    forget_sync_point(st);
    st.resync_wanted = true;
    log::info("folder-model", "held deletions restored: " + std::to_string(held.size()) + " entries fetched again from the hub");
  }
  st.last_error.clear();
}

}  // namespace syncer::folder_model_parts
