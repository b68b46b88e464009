// folder-model: Moves queued work to the uploader and downloader in batches; upload results.
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

void on_upload_result(self_ptr self, const upload_result& r) {
  auto& st = self->state;
  const auto& path = r.sent.path;
  st.uploading.erase(path);
  if (r.changed_locally) {
    examine(st, path);  // a new version (or a tombstone) will follow
    return;
  }
  if (r.answer == error_kind::unreachable) {
    st.resync_wanted = true;  // the hub is away; the reconnect resync re-plans
    st.last_error = r.error;
    return;
  }
  if (r.answer == error_kind::stale) {  // the hub holds a newer version (e.g. an edit beat our delete)
    st.resync_wanted = true;
    return;
  }
  if (r.answer == error_kind::not_found && r.sent.deleted) return;  // the hub never had it
  if (is_transient(r.answer) || r.answer == error_kind::failed || r.answer == error_kind::unsupported) {
    // The hub cannot take it now (storage_full: its disk is full): a
    // problem, retried with back-off; nothing is refused for good.
    ++st.failures;
    std::string reason = r.answer == error_kind::storage_full
                             ? "the hub cannot store it: its disk is full"
                             : std::string("the hub failed to store it (") + to_string(r.answer) + "): " + r.error;
    if (st.problems->report(path, reason, mono_ns(), now_ns())) log::warn("folder-model", "problem: " + path + ": " + reason);
    st.upload_retry.insert(path);
    st.last_error = path + ": " + reason;
    return;
  }
  if (r.answer == error_kind::changed_while_reading) {  // the file changed while it was sent: look again
    examine(st, path);
    return;
  }
  if (r.answer != error_kind::ok) {
    ++st.failures;
    st.last_error = path + ": " + r.error;
    // Refused (e.g. too_large, invalid): not sent again until it changes locally or
    // the client restarts; the sync point stays before it meanwhile.
    st.refused.insert(path);
    return;
  }
  ++st.uploads_done;
  resolve_problem(st, path);
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
  if (st.resync_wanted && !st.scanning && st.online && mono_ns() >= st.next_resync_mono_ns) resync(self);
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

}  // namespace syncer::folder_model_parts
