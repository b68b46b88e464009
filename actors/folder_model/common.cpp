// folder-model: Queues and the index rows every part of the folder-model writes.
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

bool under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

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
  if (auto retry = st.download_retry.find(entry.path); retry != st.download_retry.end()) {
    // A problem waiting for its back-off (a full disk, a link in the way):
    // a new plan or event only updates what the retry will fetch.
    retry->second.entry = entry;
    retry->second.expected_local = std::move(expected);
    return;
  }
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

int64_t mono_ns() { return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count(); }

// Schedules one more look at `path` after `delay_ns`; events for it until
// then are folded into that look.
void look_again(self_ptr self, const std::string& path, int64_t delay_ns) {
  if (!self->state.retry_pending.insert(path).second) return;
  self->delayed_send(self, nanoseconds(delay_ns), rescan_atom::value, std::vector<std::string>{path});
}

bool nothing_pending(const folder_state& st) {
  return !st.scanning && st.to_examine.empty() && st.to_hash.empty() && st.hash_in_flight == 0 &&
         st.to_upload.empty() && st.large_uploads.empty() && st.uploading.empty() && st.to_download.empty() &&
         st.large_downloads.empty() && st.downloading.empty() && st.download_in_flight == 0 && st.deferred.empty() &&
         st.removals_to_retry.empty() && st.retry_pending.empty() && st.deletion_candidates.empty();
}

// One index transaction for the whole pass (a deferred BEGIN takes no lock
// until the first read): outside a transaction every lookup takes and
// drops SQLite's file locks, two fcntl calls per file of a batch.
void pump(self_ptr self) {
  self->state.index->begin_batch();
  pump_queues(self);
  self->state.index->end_batch();
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

void resolve_problem(folder_state& st, const std::string& path) {
  st.download_retry.erase(path);
  st.upload_retry.erase(path);
  st.problems->resolved(path);
}

}  // namespace syncer::folder_model_parts
