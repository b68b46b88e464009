#include "actors/folder_model.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <deque>
#include <future>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <caf/all.hpp>

#include "storage/file_times.h"

#include "actors/log.h"
#include "actors/rules/path_rules.h"
#include "actors/fatal.h"
#include "actors/problem_tracker.h"
#include "actors/rules/client_decisions.h"
#include "actors/rules/local_safety.h"
#include "storage/client_index.h"
#include "storage/sha256.h"
#include "storage/sync_root.h"

namespace syncer {
namespace {

using namespace std::chrono;


bool under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

// How many requests may wait in each worker's mailbox: enough to keep it
// busy, few enough that the newest index state is what gets sent.
// Paths waiting for or being hashed: enough to keep the hasher busy,
// few enough that a scan's edits reach the hub early. Hash requests carry
// up to max_hash_batch paths; their results are recorded in one index
// transaction.
constexpr size_t max_hash_pending = 1024;
constexpr size_t max_hash_batch = 128;
constexpr uint64_t max_hash_batch_bytes = 16 << 20;
constexpr int max_hash_requests = 2;
constexpr int max_upload_in_flight = 2;  // requests (single files or batches)
// Batches: at most this many entries and bytes per request; files from
// max_batched_file_bytes on go one by one (link first, then streamed).
// Batched files from 64 KiB on are offered by sha256 first too.
constexpr size_t max_batch_entries = 512;
constexpr uint64_t max_batch_bytes = 4 << 20;
constexpr uint64_t max_batched_file_bytes = 1 << 20;
constexpr int max_download_in_flight = 2;

struct sync_point_record {
  std::string hub_id;
  uint64_t hub_seq = 0;
  int64_t local_seq = 0;
  std::string ignore_fingerprint;
};

struct folder_state {
  folder_model_config config;
  std::shared_ptr<client_index> index;
  // Every look at the disk goes beneath this descriptor, no link followed.
  std::shared_ptr<sync_root> root;
  std::string root_error;
  // Paths that could not be looked at: reported, retried, never deleted.
  std::unique_ptr<problem_tracker> problems;
  // Problem paths being retried: hashed even when size and mtime look
  // unchanged (a chmod does not change the mtime).
  std::unordered_set<std::string> force_look;
  // Files seen unfinished (open for writing, or too fresh), since when
  // (monotonic ns): published once finished, or after publish.max_wait.
  std::unordered_map<std::string, int64_t> unfinished_since;
  publish_policy publish;
  // Paths with a look-again already scheduled: their events meanwhile
  // need no look of their own (a file being written sends many).
  std::unordered_set<std::string> retry_pending;
  // Files recorded within a moment of their mtime (git's "racy" entries):
  // a rewrite of the same size in the same timestamp tick would look
  // unchanged, so their next look hashes them. Path -> when (monotonic).
  std::unordered_map<std::string, int64_t> racy;
  int64_t next_rescan_mono_ns = 0;
  // Local deletions found, not yet recorded: they are counted together
  // (one scan or burst) by the mass-delete guard first.
  std::vector<std::string> deletion_candidates;
  int64_t last_candidate_mono_ns = 0;
  bool settle_scheduled = false;
  std::unordered_set<std::string> held;  // held by the guard until `syncer deletions` decides
  // Transfers that failed with a problem (a full disk here or on the hub,
  // a link in the way): tried again when the problem's back-off is over,
  // not by re-planning every 200 ms.
  std::unordered_map<std::string, download_job> download_retry;
  std::unordered_set<std::string> upload_retry;
  // The index itself could not be written (the client's disk is full):
  // everything waits until this (monotonic ns), then a rescan rebuilds
  // what was lost from the disk and the hub.
  int64_t index_full_until_ns = 0;
  int index_full_attempts = 0;
  bool index_rebuild_wanted = false;
  int64_t refused_from_hub = 0;  // hub entries with a path or sha256 we do not accept
  std::unique_ptr<hub_api> hub;  // for POST /sync
  hasher_actor hasher;
  uploader_actor uploader;
  downloader_actor downloader;
  prefetcher_actor prefetcher;  // may be null: no prefetching
  // sha256s being prefetched: a download of one of them waits for the
  // prefetch to end (then takes its file) instead of fetching it again.
  std::unordered_set<std::string> prefetching;

  std::deque<std::string> to_examine;
  std::unordered_set<std::string> examine_queued;
  std::vector<std::string> to_hash;  // looked at, need hashing
  std::vector<uint64_t> to_hash_sizes;  // their sizes at the look
  int hash_in_flight = 0;            // paths sent to the hasher
  int hash_requests = 0;

  std::deque<std::string> to_upload;
  std::unordered_set<std::string> upload_queued;
  std::unordered_set<std::string> uploading;
  int upload_requests = 0;
  std::deque<std::string> large_uploads;  // set aside from to_upload: sent one by one

  std::deque<download_job> to_download;
  std::deque<download_job> large_downloads;  // set aside from to_download: fetched one by one
  // Queued or in flight, with the hub entry wanted: an event and a plan
  // often name the same version (one crosses the other while a batch is
  // arriving), and that second mention needs no re-plan.
  std::unordered_map<std::string, file_entry> downloading;
  int download_in_flight = 0;
  std::unordered_set<std::string> deferred;  // changed while being downloaded
  // Folder tombstones whose folder still holds tracked entries: retried on
  // the next tick, after those entries' own tombstones were applied.
  std::vector<download_job> removals_to_retry;
  std::unordered_map<std::string, int> removal_attempts;

  bool online = false;
  bool scanning = false;       // a full scan is being hashed
  bool resync_wanted = false;  // run POST /sync when the scan is done / hub is back
  int64_t last_sync_ns = 0;
  std::optional<sync_point_record> sync_point;
  std::unordered_set<std::string> refused;  // uploads the hub refused (4xx) since their last local change
  std::string ignore_fingerprint;  // of the rules the sync point was made under
  uint64_t newest_hub_seq = 0;     // highest sequence seen in hub events
  int64_t full_resyncs = 0;
  int64_t last_resync_ns = 0;
  int64_t last_hub_event_ns = 0;
  int64_t tracked = 0, tracked_counted_ns = 0;  // files_tracked for inspection, and when it was counted
  int64_t last_progress_log = 0;

  int64_t uploads_done = 0, downloads_done = 0, removals_done = 0, conflicts = 0, resyncs = 0,
          failures = 0, scans = 0;
  std::string last_error;
  std::string client_id() const { return config.client_id; }
};

using self_ptr = folder_model_actor::stateful_pointer<folder_state>;

void pump(self_ptr self);

// The sync point: this client was in sync with hub `hub_id` up to its
// sequence `hub_seq` and with its own index up to `local_seq`. Recorded
// only after a plan that left nothing to do; the next POST /sync then
// carries only what changed since (see docs/sync-semantics.md).
void forget_sync_point(folder_state& st) {
  st.sync_point.reset();
  st.index->set_meta("sync_point", "");
}


bool skipped(folder_state& st, const std::string& path, bool is_dir) {
  return is_internal_path(path) || (st.config.is_ignored && st.config.is_ignored(path, is_dir));
}

void examine(folder_state& st, const std::string& path) {
  if (is_internal_path(path)) return;
  if (st.retry_pending.count(path)) return;  // a look is scheduled already
  if (st.downloading.count(path)) {
    st.deferred.insert(path);  // our own write, or a race with it: look after the download
    return;
  }
  if (st.examine_queued.insert(path).second) st.to_examine.push_back(path);
}

void queue_upload(folder_state& st, const std::string& path) {
  if (st.upload_queued.insert(path).second) st.to_upload.push_back(path);
}

void queue_download(folder_state& st, const file_entry& entry, std::optional<file_entry> expected) {
  auto wanted = st.downloading.find(entry.path);
  if (wanted != st.downloading.end()) {
    if (same_hub_version(wanted->second, entry)) return;
    wanted->second = entry;
    // Replace the queued job if it is still waiting.
    for (auto* queue : {&st.to_download, &st.large_downloads})
      for (auto& job : *queue)
        if (job.entry.path == entry.path) {
          job.entry = entry;
          return;
        }
    st.resync_wanted = true;  // in flight: re-plan once it is done, so the newer version follows
    return;
  }
  st.downloading.emplace(entry.path, entry);
  st.to_download.push_back(download_job{entry, std::move(expected)});
}

// Records a local edit / creation / deletion as a new version by this client.
void record_local_version(folder_state& st, file_entry entry, const std::optional<file_entry>& previous) {
  st.refused.erase(entry.path);
  entry.version = previous ? previous->version : version_vector{};
  entry.version.increment(st.client_id());
  entry.origin = st.client_id();
  st.index->put(entry);
  queue_upload(st, entry.path);
}

void record_tombstone(folder_state& st, const file_entry& previous, int64_t when) {
  file_entry t;
  t.path = previous.path;
  t.deleted = true;
  t.is_dir = previous.is_dir;
  t.mtime_ns = when;
  record_local_version(st, t, previous);
}

// A path's state on disk (already hashed when it is a file that changed).
void full_scan(self_ptr self);

int64_t mono_ns() { return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count(); }

// Schedules one more look at `path` after `delay_ns`; events for it until
// then are folded into that look.
void look_again(self_ptr self, const std::string& path, int64_t delay_ns) {
  if (!self->state.retry_pending.insert(path).second) return;
  self->delayed_send(self, nanoseconds(delay_ns), rescan_atom::value, std::vector<std::string>{path});
}

// Local deletions wait this long without a new one before they are
// counted and recorded: an rm -rf arrives in many watcher batches, and
// the guard must see it whole.
constexpr int64_t deletion_quiet_ms = 200;

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
  if (st.problems->has(s.path)) {
    st.problems->resolved(s.path);
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

// Is this entry from the hub something we may act on? Its path must be a
// normal sync path outside .syncer/, and a live file's sha256 64 lowercase
// hex digits (temp files are named after it). A hostile or broken hub
// gets nothing written for anything else.
bool acceptable_hub_entry(folder_state& st, const file_entry& e) {
  std::string why;
  auto normal = normalize_sync_path(e.path, &why);
  if (normal && *normal != e.path) why = "path is not in normal form";
  else if (normal && is_internal_path(e.path)) why = "path is inside .syncer/";
  else if (normal && !e.deleted && !e.is_dir && !is_sha256_hex(e.sha256)) why = "sha256 is not 64 lowercase hex digits";
  else if (normal) return true;
  ++st.refused_from_hub;
  st.last_error = "refused an entry from the hub: " + why;
  log::warn("folder-model", st.last_error + " (" + std::to_string(e.path.size()) + "-byte path)");
  return false;
}

void apply_hub_entry(folder_state& st, const file_entry& hub_entry) {
  if (!acceptable_hub_entry(st, hub_entry)) return;
  if (skipped(st, hub_entry.path, hub_entry.is_dir)) return;
  auto local = st.index->get(hub_entry.path);
  auto d = decide_hub_entry(local, hub_entry);  // actors/rules/client_decisions.h
  switch (d.action) {
    case hub_entry_action::nothing: break;
    case hub_entry_action::record: st.index->put(d.record); break;
    case hub_entry_action::download: queue_download(st, hub_entry, local); break;
    case hub_entry_action::upload: queue_upload(st, hub_entry.path); break;
  }
}

void on_upload_result(self_ptr self, const upload_result& r) {
  auto& st = self->state;
  const auto& path = r.sent.path;
  st.uploading.erase(path);
  if (r.status == upload_result::changed_locally) {
    examine(st, path);  // a new version (or a tombstone) will follow
    return;
  }
  if (r.status == 0) {
    st.resync_wanted = true;  // the hub is away; the reconnect resync re-plans
    st.last_error = r.error;
    return;
  }
  if (r.status == 409) {  // the hub holds a newer version (e.g. an edit beat our delete)
    st.resync_wanted = true;
    return;
  }
  if (r.status == 404 && r.sent.deleted) return;  // the hub never had it
  if (r.status >= 500) {
    // The hub cannot take it now (507: its disk is full): a problem,
    // retried with back-off; nothing is refused for good.
    ++st.failures;
    std::string reason = r.status == 507 ? "the hub cannot store it: its disk is full (507)"
                                         : "the hub failed to store it (" + std::to_string(r.status) + "): " + r.error;
    if (st.problems->report(path, reason, mono_ns(), now_ns())) log::warn("folder-model", "problem: " + path + ": " + reason);
    st.upload_retry.insert(path);
    st.last_error = path + ": " + reason;
    return;
  }
  if (r.status == 422) {  // the file changed while it was sent: look again
    examine(st, path);
    return;
  }
  if (r.status < 200 || r.status >= 300) {
    ++st.failures;
    st.last_error = path + ": " + r.error;
    // Refused (e.g. 413, 400): not sent again until it changes locally or
    // the client restarts; the sync point stays before it meanwhile.
    st.refused.insert(path);
    return;
  }
  ++st.uploads_done;
  if (st.upload_retry.erase(path) || st.problems->has(path)) st.problems->resolved(path);
  auto current = st.index->get(path);
  if (!current) return;
  bool conflict = r.kind == "conflict";
  auto d = decide_after_upload(*current, r.sent, r.hub, conflict, st.client_id());  // actors/rules/client_decisions.h
  if (conflict) {
    ++st.conflicts;
    log::info("folder-model", "conflict on " + path + (d.lost ? ": the other version won; ours is kept as a conflict copy"
                                                               : ": ours won; the other is kept as a conflict copy"));
    st.resync_wanted = true;  // fetch the conflict copy (and the winner)
  }
  switch (d.action) {
    case upload_followup::nothing: break;
    case upload_followup::record: st.index->put(d.record); break;
    case upload_followup::download_winner: queue_download(st, d.record, current); break;
    case upload_followup::replan: st.resync_wanted = true; break;
    case upload_followup::upload_again:
      st.index->put(d.record);
      queue_upload(st, path);
      break;
  }
}

bool is_ignore_file(const std::string& path) {
  return path == ".syncignore" || (path.size() > 12 && path.compare(path.size() - 12, 12, "/.syncignore") == 0);
}

void full_scan(self_ptr self);

void rules_changed(self_ptr self) {
  auto& st = self->state;
  if (st.config.ignore_rules_changed) st.config.ignore_rules_changed();
  // Paths that stop being ignored may have hub versions older than the
  // sync point: the next POST /sync must compare everything.
  forget_sync_point(st);
  log::info("folder-model", "ignore rules changed; rescanning");
  full_scan(self);
}

void on_download_result(self_ptr self, const download_job& job, const download_result& r) {
  auto& st = self->state;
  const auto& path = job.entry.path;
  st.downloading.erase(path);
  switch (r.outcome) {
    case download_result::done:
      st.index->put(r.entry);
      if (st.download_retry.erase(path) || st.problems->has(path)) st.problems->resolved(path);
      if (job.entry.deleted) {
        ++st.removals_done;
        log::info("folder-model", "removed (deleted on hub): " + path);
      } else {
        ++st.downloads_done;
        log::debug("folder-model", "downloaded: " + path);
      }
      if (is_ignore_file(path)) rules_changed(self);
      break;
    case download_result::local_changed:
      if (job.entry.deleted && job.entry.is_dir) {
        bool tracked_inside = false;
        for (const auto& e : st.index->all())
          if (!e.deleted && under(e.path, path)) tracked_inside = true;
        if (tracked_inside && ++st.removal_attempts[path] < 100) {
          st.removals_to_retry.push_back(job);  // its content goes first
          break;
        }
        st.removal_attempts.erase(path);
        auto local = st.index->get(path);
        if (local && !local->deleted) {
          // Files the hub does not know keep the folder: like an edit, that
          // beats the deletion and brings the folder back everywhere.
          auto keep = *local;
          record_local_version(st, keep, local);
        }
        break;
      }
      examine(st, path);  // our edit wins locally; the hub resolves
      break;
    case download_result::gone:
      st.resync_wanted = true;
      break;
    default: {
      // Cannot be written here (a full disk, a link in the way, no
      // permission): a problem, retried with back-off.
      ++st.failures;
      std::string reason = "cannot write it here: " + r.error;
      st.last_error = path + ": " + reason;
      if (st.problems->report(path, reason, mono_ns(), now_ns())) log::warn("folder-model", "problem: " + path + ": " + reason);
      st.download_retry[path] = job;
      break;
    }
  }
  if (st.deferred.erase(path)) examine(st, path);
}

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
  std::sort(gone.begin(), gone.end(), [](const file_entry& x, const file_entry& y) {
    return std::count(x.path.begin(), x.path.end(), '/') > std::count(y.path.begin(), y.path.end(), '/');
  });
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
    std::sort(held.begin(), held.end(), [](const auto& x, const auto& y) {
      return std::count(x.first.begin(), x.first.end(), '/') > std::count(y.first.begin(), y.first.end(), '/');
    });
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

bool nothing_pending(const folder_state& st) {
  return !st.scanning && st.to_examine.empty() && st.to_hash.empty() && st.hash_in_flight == 0 &&
         st.to_upload.empty() && st.large_uploads.empty() && st.uploading.empty() && st.to_download.empty() &&
         st.large_downloads.empty() && st.downloading.empty() && st.download_in_flight == 0 && st.deferred.empty() &&
         st.removals_to_retry.empty() && st.retry_pending.empty() && st.deletion_candidates.empty();
}

void record_sync_point(folder_state& st, const std::string& hub_id, uint64_t hub_seq, int64_t local_seq) {
  if (hub_id.empty()) return;  // a hub that does not take part
  st.sync_point = sync_point_record{hub_id, hub_seq, local_seq, st.ignore_fingerprint};
  st.index->set_meta("sync_point", hub_id + " " + std::to_string(hub_seq) + " " + std::to_string(local_seq) + " " +
                                       st.ignore_fingerprint);
}

void load_sync_point(folder_state& st) {
  auto text = st.index->get_meta("sync_point");
  if (!text || text->empty()) return;
  std::istringstream in(*text);
  sync_point_record p;
  std::string fingerprint;
  if (!(in >> p.hub_id >> p.hub_seq >> p.local_seq)) return;
  in >> fingerprint;
  p.ignore_fingerprint = fingerprint;
  st.sync_point = p;
}

void resync(self_ptr self) {
  auto& st = self->state;
  st.resync_wanted = false;
  st.last_resync_ns = now_ns();
  ++st.resyncs;
  sync_plan plan;
  int64_t local_mark = st.index->last_local_seq();
  hub_reply reply;
  bool incremental = st.sync_point.has_value();
  if (incremental) {
    reply = st.hub->sync_since(st.index->changed_since(st.sync_point->local_seq), st.sync_point->hub_seq,
                               st.sync_point->hub_id, &plan);
    if (reply.ok() && !plan.incremental) {
      // Another hub, or one that does not reach back that far: it needs
      // every entry to plan.
      log::info("folder-model", "the hub does not know our sync point; sending the whole index");
      forget_sync_point(st);
      incremental = false;
    }
  }
  if (!incremental) {
    plan = sync_plan{};
    reply = st.hub->sync(st.index->all(), &plan);
    ++st.full_resyncs;
  }
  if (!reply.ok()) {
    st.last_error = "sync with hub failed: " + (reply.error.empty() ? "status " + std::to_string(reply.status) : reply.error);
    log::warn("folder-model", st.last_error);
    st.resync_wanted = true;
    return;
  }
  // A path being uploaded right now already carries its newest version
  // (a newer local edit is queued again when that upload answers).
  for (const auto& path : plan.upload) {
    auto normal = normalize_sync_path(path, nullptr);
    if (!normal || *normal != path || is_internal_path(path)) {
      ++st.refused_from_hub;
      continue;
    }
    if (!st.uploading.count(path) && !st.refused.count(path)) queue_upload(st, path);
  }
  for (const auto& e : plan.download) apply_hub_entry(st, e);
  for (const auto& e : plan.remove) apply_hub_entry(st, e);
  st.last_sync_ns = now_ns();
  st.index->set_meta("last_sync_ns", std::to_string(st.last_sync_ns));
  if (nothing_pending(st) && st.refused.empty()) record_sync_point(st, plan.hub_id, plan.sequence, local_mark);
  if (!plan.upload.empty() || !plan.download.empty() || !plan.remove.empty())
    log::info("folder-model", "sync plan: " + std::to_string(plan.upload.size()) + " to upload, " +
                                  std::to_string(plan.download.size()) + " to download, " +
                                  std::to_string(plan.remove.size()) + " to delete, " +
                                  std::to_string(plan.conflicts.size()) + " in conflict");
}

// Moves work from the queues to the workers, within the in-flight limits.
void pump_queues(self_ptr self) {
  auto& st = self->state;
  while (!st.to_examine.empty() && st.hash_in_flight + st.to_hash.size() < max_hash_pending) {
    auto path = st.to_examine.front();
    st.to_examine.pop_front();
    st.examine_queued.erase(path);
    look_at(self, path);
  }
  while (!st.to_hash.empty() && st.hash_requests < max_hash_requests) {
    // Cut by bytes too: a big file's result (and its upload) must not
    // wait for the hashing of the files after it.
    size_t n = 0;
    uint64_t bytes = 0;
    while (n < st.to_hash.size() && n < max_hash_batch && (n == 0 || bytes + st.to_hash_sizes[n] <= max_hash_batch_bytes))
      bytes += st.to_hash_sizes[n++];
    std::vector<std::string> batch(st.to_hash.begin(), st.to_hash.begin() + static_cast<std::ptrdiff_t>(n));
    st.to_hash.erase(st.to_hash.begin(), st.to_hash.begin() + static_cast<std::ptrdiff_t>(n));
    st.to_hash_sizes.erase(st.to_hash_sizes.begin(), st.to_hash_sizes.begin() + static_cast<std::ptrdiff_t>(n));
    st.hash_in_flight += static_cast<int>(n);
    ++st.hash_requests;
    self->request(st.hasher, caf::infinite, hash_atom::value, std::move(batch))
        .then(
            [self, n](const std::vector<local_file_state>& states) {
              auto& st = self->state;
              st.hash_in_flight -= static_cast<int>(n);
              --st.hash_requests;
              st.index->begin_batch();
              for (const auto& s : states) on_local_state(self, s);
              st.index->end_batch();
              pump(self);
            },
            [self, n](const caf::error& err) {
              auto& st = self->state;
              st.hash_in_flight -= static_cast<int>(n);
              --st.hash_requests;
              st.last_error = "hashing failed: " + self->system().render(err);
              pump(self);
            });
  }
  if (st.scanning && st.to_examine.empty() && st.to_hash.empty() && st.hash_in_flight == 0) {
    st.scanning = false;
    log::info("folder-model", "scan done");
  }
  // Rate-limited: a failing hub or a stubborn path must not spin the loop.
  if (st.resync_wanted && !st.scanning && st.online && now_ns() - st.last_resync_ns >= 200'000'000) resync(self);
  while ((!st.to_upload.empty() || !st.large_uploads.empty()) && st.upload_requests < max_upload_in_flight) {
    // Small files, folders and tombstones go many per request; bigger
    // files are set aside and go alone (offered by sha256 first, then
    // streamed), so one of them does not cut a batch short.
    std::vector<file_entry> batch;
    std::optional<file_entry> single;
    uint64_t batch_bytes = 0;
    bool busy_path = false;
    while (!st.to_upload.empty() && batch.size() < max_batch_entries) {
      auto path = st.to_upload.front();
      if (st.uploading.count(path)) {  // one upload per path at a time
        busy_path = true;
        st.to_upload.pop_front();
        st.upload_queued.erase(path);
        queue_upload(st, path);
        self->delayed_send(self, milliseconds(50), poll_atom::value);
        break;
      }
      auto entry = st.index->get(path);
      if (!entry) {
        st.to_upload.pop_front();
        st.upload_queued.erase(path);
        continue;
      }
      entry->origin = st.client_id();  // the hub records who published this version
      bool small = entry->deleted || entry->is_dir || entry->size < max_batched_file_bytes;
      if (small && !batch.empty() && batch_bytes + entry->size > max_batch_bytes) break;
      st.to_upload.pop_front();
      if (!small) {
        st.large_uploads.push_back(path);  // stays in upload_queued until sent
        continue;
      }
      st.upload_queued.erase(path);
      if (!entry->deleted && !entry->is_dir) batch_bytes += entry->size;
      batch.push_back(std::move(*entry));
    }
    if (batch.empty()) {
      while (!st.large_uploads.empty() && !single) {
        auto path = st.large_uploads.front();
        if (st.uploading.count(path)) break;
        st.large_uploads.pop_front();
        st.upload_queued.erase(path);
        if (auto entry = st.index->get(path)) {
          entry->origin = st.client_id();
          single = std::move(entry);
        }
      }
    }
    if (single) {
      auto path = single->path;
      st.uploading.insert(path);
      ++st.upload_requests;
      self->request(st.uploader, caf::infinite, upload_atom::value, *single)
          .then([self](const upload_result& r) {
                  --self->state.upload_requests;
                  on_upload_result(self, r);
                  pump(self);
                },
                [self, path](const caf::error& err) {
                  --self->state.upload_requests;
                  self->state.uploading.erase(path);
                  self->state.resync_wanted = true;
                  pump(self);
                });
    } else if (!batch.empty()) {
      std::vector<std::string> paths;
      for (const auto& e : batch) {
        st.uploading.insert(e.path);
        paths.push_back(e.path);
      }
      ++st.upload_requests;
      self->request(st.uploader, caf::infinite, upload_atom::value, std::move(batch))
          .then([self](const std::vector<upload_result>& results) {
                  --self->state.upload_requests;
                  self->state.index->begin_batch();
                  for (const auto& r : results) on_upload_result(self, r);
                  self->state.index->end_batch();
                  pump(self);
                },
                [self, paths](const caf::error& err) {
                  --self->state.upload_requests;
                  for (const auto& p : paths) self->state.uploading.erase(p);
                  self->state.resync_wanted = true;
                  pump(self);
                });
    }
    if (!single && batch.empty()) break;
    (void)busy_path;
  }
  while ((!st.to_download.empty() || !st.large_downloads.empty()) && st.download_in_flight < max_download_in_flight) {
    // Folders, tombstones and small files go many per request; bigger
    // files are set aside and fetched alone (streamed, resumable).
    std::vector<download_job> batch;
    uint64_t batch_bytes = 0;
    while (!st.to_download.empty() && batch.size() < max_batch_entries) {
      const auto& e = st.to_download.front().entry;
      bool small = e.deleted || e.is_dir || e.size < max_batched_download_bytes;
      if (!small) {
        st.large_downloads.push_back(std::move(st.to_download.front()));
        st.to_download.pop_front();
        continue;
      }
      if (!batch.empty() && batch_bytes + e.size > max_batch_bytes) break;
      if (!e.deleted && !e.is_dir) batch_bytes += e.size;
      batch.push_back(std::move(st.to_download.front()));
      st.to_download.pop_front();
    }
    if (batch.empty()) {
      auto next = std::find_if(st.large_downloads.begin(), st.large_downloads.end(),
                               [&](const download_job& j) { return st.prefetching.count(j.entry.sha256) == 0; });
      if (next == st.large_downloads.end()) break;
      batch.push_back(std::move(*next));
      st.large_downloads.erase(next);
    }
    ++st.download_in_flight;
    if (batch.size() == 1) {
      auto job = std::move(batch.front());
      self->request(st.downloader, caf::infinite, download_atom::value, job)
          .then(
              [self, job](const download_result& r) {
                --self->state.download_in_flight;
                on_download_result(self, job, r);
                pump(self);
              },
              [self, job](const caf::error& err) {
                --self->state.download_in_flight;
                self->state.downloading.erase(job.entry.path);
                self->state.resync_wanted = true;
                pump(self);
              });
      continue;
    }
    auto jobs = std::make_shared<std::vector<download_job>>(std::move(batch));
    self->request(st.downloader, caf::infinite, download_atom::value, *jobs)
        .then(
            [self, jobs](const std::vector<download_result>& results) {
              auto& st = self->state;
              --st.download_in_flight;
              st.index->begin_batch();
              for (size_t i = 0; i < jobs->size() && i < results.size(); ++i)
                on_download_result(self, (*jobs)[i], results[i]);
              st.index->end_batch();
              pump(self);
            },
            [self, jobs](const caf::error& err) {
              --self->state.download_in_flight;
              for (const auto& job : *jobs) self->state.downloading.erase(job.entry.path);
              self->state.resync_wanted = true;
              pump(self);
            });
  }
}

// Another client is uploading a large file: fetch it from the hub while
// it arrives there. Its "file_changed" event follows the commit and goes
// through the usual plan; the download then takes the prefetched file.
void start_prefetch(self_ptr self, const file_entry& announced) {
  auto& st = self->state;
  std::string error;
  auto path = normalize_sync_path(announced.path, &error);
  if (!st.prefetcher || !path || announced.size < prefetch_min_size || !is_sha256_hex(announced.sha256) ||
      skipped(st, *path, false) || !st.prefetching.insert(announced.sha256).second)
    return;
  auto local = st.index->get(*path);
  if (local && !local->deleted && local->sha256 == announced.sha256) {
    st.prefetching.erase(announced.sha256);
    return;  // we have it
  }
  auto entry = announced;
  entry.path = *path;
  self->request(st.prefetcher, caf::infinite, prefetch_atom::value, entry)
      .then(
          [self, sha = entry.sha256](const download_result&) {
            self->state.prefetching.erase(sha);
            pump(self);
          },
          [self, sha = entry.sha256](const caf::error&) {
            self->state.prefetching.erase(sha);
            pump(self);
          });
}

// One index transaction for the whole pass (a deferred BEGIN takes no lock
// until the first read): outside a transaction every lookup takes and
// drops SQLite's file locks, two fcntl calls per file of a batch.
void pump(self_ptr self) {
  self->state.index->begin_batch();
  pump_queues(self);
  self->state.index->end_batch();
}

// One event from the hub (the caller pumps once for all of a message's).
void on_hub_event(self_ptr self, const hub_event& ev) {
  if (ev.type == "file_incoming") return start_prefetch(self, ev.entry);
  if (ev.type != "file_changed" && ev.type != "file_deleted") return;
  auto& st = self->state;
  st.last_hub_event_ns = now_ns();
  st.newest_hub_seq = std::max(st.newest_hub_seq, ev.entry.sequence);
  apply_hub_entry(st, ev.entry);  // checks the path and sha256 first
}

void log_progress(folder_state& st) {
  auto pending = st.to_examine.size() + st.to_upload.size() + st.large_uploads.size() + st.uploading.size() +
                 st.to_download.size() + st.large_downloads.size() +
                 static_cast<size_t>(st.download_in_flight);
  if (pending < 50) return;
  auto now = now_ns();
  if (now - st.last_progress_log < 2'000'000'000LL) return;
  st.last_progress_log = now;
  log::info("folder-model", "progress: " + std::to_string(st.uploads_done) + " uploaded, " +
                                std::to_string(st.downloads_done) + " downloaded, " + std::to_string(pending) +
                                " pending");
}

}  // namespace

folder_model_actor spawn_folder_model(caf::actor_system& sys, folder_model_config config, hub_api_factory hub,
                                      hasher_actor hasher, uploader_actor uploader, downloader_actor downloader,
                                      prefetcher_actor prefetcher) {
  auto behavior = [](self_ptr self, folder_model_config config, hub_api_factory hub, hasher_actor hasher,
                     uploader_actor uploader, downloader_actor downloader,
                     prefetcher_actor prefetcher) -> folder_model_actor::behavior_type {
    auto& st = self->state;
    self->set_exception_handler([](caf::scheduled_actor*, std::exception_ptr& e) { return stop_node_on_exception("folder-model", e); });
    st.config = std::move(config);
    st.index = st.config.index;
    st.hub = hub();
    st.hasher = std::move(hasher);
    st.uploader = std::move(uploader);
    st.downloader = std::move(downloader);
    st.prefetcher = std::move(prefetcher);
    st.root = sync_root::open(st.config.root, &st.root_error);
    st.problems = std::make_unique<problem_tracker>(st.index.get());
    st.problems->load(mono_ns());
    for (const auto& [path, since] : st.index->held_deletions()) st.held.insert(path);
    for (const auto& p : st.problems->due(mono_ns())) {
      st.force_look.insert(p);
      examine(st, p);
    }
    if (auto last = st.index->get_meta("last_sync_ns")) st.last_sync_ns = std::stoll(*last);
    load_sync_point(st);
    schedule_rescan(st);
    full_scan(self);
    pump(self);
    self->delayed_send(self, milliseconds(500), poll_atom::value);
    return {
        [self](changed_atom, const std::vector<std::string>& paths) {
          bool rules = false;
          for (const auto& p : paths) {
            rules = rules || is_ignore_file(p);
            examine(self->state, p);
          }
          if (rules) rules_changed(self);
          pump(self);
        },
        [self](rescan_atom) {
          full_scan(self);
          pump(self);
        },
        [self](rescan_atom, const std::vector<std::string>& paths) {
          for (const auto& p : paths) {
            self->state.retry_pending.erase(p);
            examine(self->state, p);
          }
          if (paths.empty()) {  // the deletion settle timer
            self->state.settle_scheduled = false;
            settle_deletions(self);
          }
          pump(self);
        },
        [self](hub_event_atom, const hub_event& ev) {
          on_hub_event(self, ev);
          pump(self);
        },
        [self](hub_event_atom, const std::vector<hub_event>& events) {
          self->state.index->begin_batch();
          for (const auto& ev : events) on_hub_event(self, ev);
          self->state.index->end_batch();
          pump(self);  // once for all: a batch's files go out as download batches
        },
        [self](online_atom) {
          self->state.online = true;
          self->state.resync_wanted = true;  // catch up on what was missed while away
          log::info("folder-model", "hub connected");
          pump(self);
        },
        [self](offline_atom) {
          if (self->state.online) log::warn("folder-model", "hub connection lost; will reconcile on reconnect");
          self->state.online = false;
        },
        [self](poll_atom) {
          auto& st = self->state;
          settle_deletions(self);
          apply_deletion_decision(self);
          if (auto failure = st.index->take_write_failure()) {
            // Writes were dropped (the disk is full): once the back-off is
            // over, rebuild from the disk and the hub (a rescan and a full
            // sync find whatever the index missed; same content merges).
            ++st.index_full_attempts;
            st.last_error = *failure + "; retrying in a while";
            log::warn("folder-model", st.last_error);
            st.index_full_until_ns = mono_ns() + backoff_policy{}.delay_ms(st.index_full_attempts) * 1'000'000;
            st.index_rebuild_wanted = true;
          } else if (st.index_rebuild_wanted && mono_ns() >= st.index_full_until_ns) {
            st.index_rebuild_wanted = false;
            log::info("folder-model", "rebuilding what the index could not record");
            forget_sync_point(st);
            full_scan(self);
          } else if (!st.index_rebuild_wanted) {
            st.index_full_attempts = 0;
          }
          for (auto& job : st.removals_to_retry) {
            auto current = st.index->get(job.entry.path);
            job.expected_local = current;
            queue_download(st, job.entry, current);
          }
          st.removals_to_retry.clear();
          if (st.config.rescan_interval_ns > 0 && mono_ns() >= st.next_rescan_mono_ns) {
            log::info("folder-model", "periodic rescan");
            full_scan(self);
            schedule_rescan(st);
          }
          if (st.racy.size() > 4096) st.racy.clear();  // a burst's worth; they matter for a few seconds only
          for (const auto& p : st.problems->due(mono_ns())) {  // their back-off is over: try again
            if (auto retry = st.download_retry.find(p); retry != st.download_retry.end()) {
              auto job = retry->second;
              st.download_retry.erase(retry);
              queue_download(st, job.entry, st.index->get(p));
            } else if (st.upload_retry.erase(p)) {
              queue_upload(st, p);
            } else {
              st.force_look.insert(p);
              examine(st, p);
            }
          }
          // Once idle, move the sync point up to what was done since the
          // last one (a small incremental POST /sync), so a restart or a
          // reconnect has little to compare.
          // Idle means no hub event for a second too: while a client's
          // uploads stream in, the gaps between its batches are not idle,
          // and a plan asked for there crosses the events on their way.
          if (st.online && !st.resync_wanted && nothing_pending(st) && now_ns() - st.last_resync_ns > 1'000'000'000 &&
              now_ns() - st.last_hub_event_ns > 1'000'000'000 &&
              (!st.sync_point || st.index->last_local_seq() > st.sync_point->local_seq ||
               st.newest_hub_seq > st.sync_point->hub_seq))
            st.resync_wanted = true;
          log_progress(self->state);
          pump(self);
          self->delayed_send(self, milliseconds(500), poll_atom::value);
        },
        [self](inspect_atom) {
          auto& s = self->state;
          actor_state out;
          out.name = "folder-model";
          // Counting is a scan of the whole index: at most once a second,
          // however often a monitor asks (syncer inspect --watch, scripts).
          if (s.tracked_counted_ns == 0 || now_ns() - s.tracked_counted_ns > 1'000'000'000) {
            s.tracked = static_cast<int64_t>(s.index->count(false));
            s.tracked_counted_ns = now_ns();
          }
          out.counters["files_tracked"] = s.tracked;
          out.counters["pending_examine"] =
              static_cast<int64_t>(s.to_examine.size() + s.to_hash.size()) + s.hash_in_flight;
          out.counters["pending_uploads"] =
              static_cast<int64_t>(s.to_upload.size() + s.large_uploads.size() + s.uploading.size());
          out.counters["pending_downloads"] = static_cast<int64_t>(s.downloading.size());
          out.counters["uploads_done"] = s.uploads_done;
          out.counters["downloads_done"] = s.downloads_done;
          out.counters["removals_done"] = s.removals_done;
          out.counters["conflicts"] = s.conflicts;
          out.counters["resyncs"] = s.resyncs;
          out.counters["scans"] = s.scans;
          out.counters["failures"] = s.failures;
          out.counters["last_sync_ns"] = s.last_sync_ns;
          out.counters["full_resyncs"] = s.full_resyncs;
          out.counters["problems"] = static_cast<int64_t>(s.problems->size());
          out.counters["refused_from_hub"] = s.refused_from_hub;
          out.counters["held_deletions"] = static_cast<int64_t>(s.held.size());
          {
            std::string listed;
            int shown = 0;
            for (const auto& p : s.problems->list()) {
              if (++shown > 20) break;
              listed += (listed.empty() ? "" : "; ") + p.path + ": " + p.reason;
            }
            out.info["problems"] = listed;
          }
          out.counters["sync_point_hub_seq"] = s.sync_point ? static_cast<int64_t>(s.sync_point->hub_seq) : -1;
          out.info["client_id"] = s.config.client_id;
          out.info["hub"] = s.online ? "connected" : "disconnected";
          // "idle" only with nothing queued, in flight or waiting for a
          // re-plan (a conflict's other side arrives through one).
          out.info["state"] = s.scanning                                  ? "scanning"
                              : (!nothing_pending(s) || s.resync_wanted) ? "syncing"
                                                                          : "idle";
          out.info["last_error"] = s.last_error;
          return out;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior, std::move(config), std::move(hub), std::move(hasher),
                                  std::move(uploader), std::move(downloader), std::move(prefetcher));
}

}  // namespace syncer
