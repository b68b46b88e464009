// The folder-model's internals, shared by its parts (not a public API:
// only actors/folder_model*.cpp and actors/folder_model/*.cpp include it).
// One actor, one state; the parts are split by responsibility:
//   folder_model.cpp        the actor: messages, timers, inspection
//   folder_model/common     queues and the index rows every part writes
//   folder_model/scan       the folder walk (offline edits, creations, deletions)
//   folder_model/local_changes  a path's state on disk -> new versions,
//                           problems, unfinished files, the mass-delete guard
//   folder_model/hub_changes    hub entries and events -> downloads; download results
//   folder_model/work_queues    batching work for the uploader and downloader;
//                           upload results
//   folder_model/sync_point the sync point and POST /sync reconciliation
// The decisions themselves are pure rules in actors/rules/ (client_decisions,
// local_safety, sync_rules).
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/folder_model.h"
#include "actors/problem_tracker.h"
#include "actors/rules/local_safety.h"
#include "storage/client_index.h"
#include "storage/sync_root.h"

namespace syncer::folder_model_parts {

using namespace std::chrono;

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
  int64_t index_failed_at_ns = 0;
  // POST /sync failures in a row, and when (monotonic) the next may run:
  // 200 ms doubling to 30 s, so a hub that keeps refusing is not asked
  // twice a second forever.
  int resync_failures = 0;
  int64_t next_resync_mono_ns = 0;
  // Folders the watcher cannot watch: problems only the watcher resolves.
  std::unordered_set<std::string> watch_problems;
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

// Local deletions wait this long without a new one before they are
// counted and recorded: an rm -rf arrives in many watcher batches, and
// the guard must see it whole.
constexpr int64_t deletion_quiet_ms = 200;

// common
bool under(const std::string& path, const std::string& dir);
int64_t mono_ns();
void forget_sync_point(folder_state& st);
bool skipped(folder_state& st, const std::string& path, bool is_dir);
void examine(folder_state& st, const std::string& path);
void queue_upload(folder_state& st, const std::string& path);
void queue_download(folder_state& st, const file_entry& entry, std::optional<file_entry> expected);
void record_local_version(folder_state& st, file_entry entry, const std::optional<file_entry>& previous);
void record_tombstone(folder_state& st, const file_entry& previous, int64_t when);
void look_again(self_ptr self, const std::string& path, int64_t delay_ns);
bool nothing_pending(const folder_state& st);
void pump(self_ptr self);
void log_progress(folder_state& st);
// `path` is fine again: no longer a problem, and no transfer waits for
// its back-off any more (a pending retry would otherwise swallow the next
// download or upload of the path).
void resolve_problem(folder_state& st, const std::string& path);

// local_changes
void on_local_state(self_ptr self, const local_file_state& s);
void look_at(self_ptr self, const std::string& path);
bool is_ignore_file(const std::string& path);
void rules_changed(self_ptr self);
void settle_deletions(self_ptr self);
void apply_deletion_decision(self_ptr self);

// hub_changes
bool acceptable_hub_entry(folder_state& st, const file_entry& e);
void apply_hub_entry(folder_state& st, const file_entry& hub_entry);
void on_download_result(self_ptr self, const download_job& job, const download_result& r);
void start_prefetch(self_ptr self, const file_entry& announced);
void on_hub_event(self_ptr self, const hub_event& ev);

// scan
void full_scan(self_ptr self);
void schedule_rescan(folder_state& st);

// sync_point
void record_sync_point(folder_state& st, const std::string& hub_id, uint64_t hub_seq, int64_t local_seq);
void load_sync_point(folder_state& st);
void resync(self_ptr self);

// work_queues
void on_upload_result(self_ptr self, const upload_result& r);
void pump_queues(self_ptr self);

}  // namespace syncer::folder_model_parts
