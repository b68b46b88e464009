// One slice of a collection, run in file-store's turn (see gc_slice in
// actors/history_messages.h). Crash safety: which versions go and which
// objects no row references any more is decided and committed in ONE
// transaction, the objects' names recorded in gc_pending in the same
// transaction; only after that commit are the object files removed, and
// their gc_pending rows cleared. A kill at any instant leaves either the
// old rows (nothing removed) or the new rows plus a pending list that the
// next collection finishes ("pending" stage, which re-checks references).
// Because the slice runs in file-store's turn, no upload or link can
// commit between the decision and the removal: an object re-used by an
// upload after the slice is stored again by that upload.
#include <set>

#include "actors/file_store_parts.h"
#include "actors/log.h"

namespace syncer::file_store_parts {
namespace {

// Removes the object files of `shas` (already unreferenced and pending)
// and clears their pending rows.
void remove_pending(server_db& db, object_store& objects, const std::vector<std::string>& shas, gc_slice_result& out) {
  std::vector<std::string> removed;
  for (const auto& sha : shas) {
    uint64_t size = 0;
    if (!objects.remove(sha, &size)) {
      out.error = "cannot remove object " + sha;
      continue;  // stays pending; the next collection tries again
    }
    ++out.objects_removed;
    out.bytes_freed += static_cast<int64_t>(size);
    removed.push_back(sha);
  }
  if (removed.empty()) return;
  db.begin_batch();
  try {
    for (const auto& sha : removed) db.clear_gc_pending(sha);
    db.commit_batch();
  } catch (...) {
    db.rollback_batch();
    throw;
  }
}

gc_slice_result pending_stage(server_db& db, object_store& objects) {
  gc_slice_result out;
  std::vector<std::string> still_unused;
  std::vector<std::string> in_use;
  for (const auto& sha : db.gc_pending()) (db.object_referenced(sha) ? in_use : still_unused).push_back(sha);
  if (!in_use.empty()) {
    // Referenced again (never by a version the slice dropped: those rows
    // are gone): keep the object, forget the pending row.
    db.begin_batch();
    for (const auto& sha : in_use) db.clear_gc_pending(sha);
    db.commit_batch();
  }
  remove_pending(db, objects, still_unused, out);
  return out;
}

gc_slice_result versions_stage(server_db& db, object_store& objects, const gc_slice& slice) {
  gc_slice_result out;
  auto paths = db.version_paths_after(slice.cursor, slice.max_paths);
  if (paths.empty()) return out;  // done
  out.next_cursor = paths.back();
  auto oldest = db.oldest_sync_point();
  std::set<std::string> candidates;
  std::vector<std::string> pending;
  db.begin_batch();
  try {
    for (const auto& path : paths) {
      auto rows = db.version_rows(path);
      if (rows.empty()) continue;
      auto current = db.get_file(path);
      if (current && current->deleted && rows.back().deleted &&
          tombstone_expired(slice.policy, rows.back().recorded_ns, current->sequence, oldest, slice.now_ns)) {
        for (const auto& r : rows) {
          if (!r.sha256.empty()) candidates.insert(r.sha256);
          ++out.versions_pruned;
        }
        db.remove_path(path);
        ++out.tombstones_expired;
        continue;
      }
      std::vector<version_stamp> stamps;
      for (const auto& r : rows) stamps.push_back({r.id, r.recorded_ns, r.deleted});
      auto drop = versions_to_drop(slice.policy, stamps, slice.now_ns);
      std::vector<int64_t> ids;
      std::set<int64_t> drop_set(drop.begin(), drop.end());
      for (const auto& r : rows) {
        if (!drop_set.count(r.id)) continue;
        // The current version's row is never dropped, whatever a rule says.
        if (current && r.sequence == current->sequence) continue;
        ids.push_back(r.id);
        if (!r.sha256.empty()) candidates.insert(r.sha256);
      }
      db.delete_version_rows(ids);
      out.versions_pruned += static_cast<int64_t>(ids.size());
    }
    for (const auto& sha : candidates)
      if (!db.object_referenced(sha)) {
        db.add_gc_pending(sha);
        pending.push_back(sha);
      }
    db.commit_batch();
  } catch (...) {
    db.rollback_batch();
    throw;
  }
  remove_pending(db, objects, pending, out);
  return out;
}

gc_slice_result log_stage(server_db& db, const gc_slice& slice) {
  gc_slice_result out;
  const size_t limit = 5000;
  if (slice.policy.policy == retention_policy::kind::forever) return out;
  out.log_rows_pruned = db.prune_sync_log(slice.now_ns - slice.policy.sync_log_max_age_ns, limit);
  if (out.log_rows_pruned == static_cast<int64_t>(limit)) out.next_cursor = "more";
  return out;
}

// Objects no row references: left by a crash between an object's rename
// and its metadata commit, or by a failed commit. 16 fan-out folders a slice.
gc_slice_result orphans_stage(server_db& db, object_store& objects, const gc_slice& slice) {
  gc_slice_result out;
  unsigned first = 0;
  try {
    first = slice.cursor.empty() ? 0 : static_cast<unsigned>(std::stoul(slice.cursor));
  } catch (...) {
    first = 256;
  }
  if (first >= 256) return out;
  unsigned last = std::min(256u, first + 16);
  std::vector<std::string> unused;
  for (unsigned slot = first; slot < last; ++slot)
    for (const auto& sha : objects.list_fanout(slot))
      if (!db.object_referenced(sha)) unused.push_back(sha);
  if (!unused.empty()) {
    db.begin_batch();
    for (const auto& sha : unused) db.add_gc_pending(sha);
    db.commit_batch();
    remove_pending(db, objects, unused, out);
  }
  if (last < 256) out.next_cursor = std::to_string(last);
  return out;
}

}  // namespace

gc_slice_result run_gc_slice(server_db& db, object_store& objects, const gc_slice& slice) {
  try {
    if (slice.stage == "pending") return pending_stage(db, objects);
    if (slice.stage == "versions") return versions_stage(db, objects, slice);
    if (slice.stage == "log") return log_stage(db, slice);
    if (slice.stage == "orphans") return orphans_stage(db, objects, slice);
    gc_slice_result out;
    out.error = "unknown collection stage '" + slice.stage + "'";
    return out;
  } catch (const std::exception& e) {
    gc_slice_result out;
    out.error = std::string("collection slice failed: ") + e.what();
    log::error("file-store", out.error);
    return out;
  }
}

}  // namespace syncer::file_store_parts
