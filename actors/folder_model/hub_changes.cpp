// folder-model: Entries and events from the hub become downloads (after the checks of
// acceptable_hub_entry); what a download result changes.
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

// Is this entry from the hub something we may act on? Its path must be a
// normal sync path outside .syncer/, and a live file's sha256 64 lowercase
// hex digits (temp files are named after it). A hostile or broken hub
// gets nothing written for anything else.
bool acceptable_hub_entry(folder_state& st, const file_entry& e) {
  auto why = hub_entry_error(e);  // actors/rules/client_decisions.h
  if (!why) return true;
  ++st.refused_from_hub;
  st.last_error = "refused an entry from the hub: " + *why;
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

void on_download_result(self_ptr self, const download_job& job, const download_result& r) {
  auto& st = self->state;
  const auto& path = job.entry.path;
  st.downloading.erase(path);
  switch (r.outcome) {
    case download_result::done:
      st.index->put(r.entry);
      resolve_problem(st, path);
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

// One event from the hub (the caller pumps once for all of a message's).
void on_hub_event(self_ptr self, const hub_event& ev) {
  if (ev.type == "file_incoming") return start_prefetch(self, ev.entry);
  if (ev.type != "file_changed" && ev.type != "file_deleted") return;
  auto& st = self->state;
  st.last_hub_event_ns = now_ns();
  st.newest_hub_seq = std::max(st.newest_hub_seq, ev.entry.sequence);
  apply_hub_entry(st, ev.entry);  // checks the path and sha256 first
}

}  // namespace syncer::folder_model_parts
