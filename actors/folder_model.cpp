#include "actors/folder_model.h"

#include <caf/all.hpp>

#include "actors/fatal.h"
#include "actors/folder_model/state.h"
#include "actors/log.h"
#include "storage/file_times.h"

namespace syncer {

using namespace folder_model_parts;

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
        [self](watch_atom, const std::string& folder, const std::string& reason) {
          auto& st = self->state;
          std::string path = folder.empty() ? "." : folder;
          if (reason.empty()) {
            st.watch_problems.erase(path);
            resolve_problem(st, path);
          } else {
            st.watch_problems.insert(path);
            if (st.problems->report(path, reason, mono_ns(), now_ns())) log::warn("folder-model", "problem: " + path + ": " + reason);
          }
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
            st.index_failed_at_ns = mono_ns();
            st.last_error = *failure + "; retrying in a while";
            log::warn("folder-model", st.last_error);
            st.index_full_until_ns = mono_ns() + backoff_policy{}.delay_ms(st.index_full_attempts) * 1'000'000;
            st.index_rebuild_wanted = true;
          } else if (st.index_rebuild_wanted && mono_ns() >= st.index_full_until_ns) {
            st.index_rebuild_wanted = false;
            log::info("folder-model", "rebuilding what the index could not record");
            forget_sync_point(st);
            full_scan(self);
          } else if (!st.index_rebuild_wanted && mono_ns() - st.index_failed_at_ns > 120'000'000'000) {
            st.index_full_attempts = 0;  // two quiet minutes: the next failure starts the back-off afresh
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
            if (st.watch_problems.count(p)) continue;  // the watcher retries those itself
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
