// folder-model: The sync point and POST /sync reconciliation.
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
    ++st.resync_failures;
    auto wait_ms = backoff_policy{200, 30000}.delay_ms(st.resync_failures);
    st.next_resync_mono_ns = mono_ns() + wait_ms * 1'000'000;
    st.last_error = "sync with hub failed: " + (reply.error.empty() ? std::string(to_string(reply.kind)) : reply.error);
    // One line for the first failure and then at each doubling, not one per try.
    if ((st.resync_failures & (st.resync_failures - 1)) == 0)
      log::warn("folder-model", st.last_error + " (" + std::to_string(st.resync_failures) + " in a row; next try in " +
                                    std::to_string(wait_ms) + " ms)");
    st.resync_wanted = true;
    return;
  }
  st.resync_failures = 0;
  // At most five plans a second, even when every one asks for the next.
  st.next_resync_mono_ns = mono_ns() + 200'000'000;
  // A path being uploaded right now already carries its newest version
  // (a newer local edit is queued again when that upload answers).
  for (const auto& path : plan.upload) {
    if (hub_path_error(path)) {
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

}  // namespace syncer::folder_model_parts
