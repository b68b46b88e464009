#include "actors/rules/client_decisions.h"

#include "actors/rules/path_rules.h"

namespace syncer {

hub_entry_decision decide_hub_entry(const std::optional<file_entry>& local, const file_entry& hub) {
  hub_entry_decision d;
  if (!local) {
    if (hub.deleted) {
      d.action = hub_entry_action::record;  // remember the tombstone
      d.record = hub;
    } else {
      d.action = hub_entry_action::download;
    }
    return d;
  }
  auto order = hub.version.compare(local->version);
  if (order == version_order::equal || order == version_order::before) return d;
  if (order == version_order::concurrent) {
    if (local->deleted && hub.deleted) {
      d.action = hub_entry_action::record;  // both deleted: nothing to move, remember both histories
      d.record = hub;
      d.record.version.merge(local->version);
    } else if (local->deleted) {
      d.action = hub_entry_action::download;  // an edit beats a concurrent delete
    } else {
      d.action = hub_entry_action::upload;  // our edit (or edit against their delete) goes up
    }
    return d;
  }
  // The hub's version descends from ours.
  if (!hub.deleted && !local->deleted && hub.same_content(*local)) {
    d.action = hub_entry_action::record;  // same bytes: adopt the version, keep our mtime
    d.record = hub;
    d.record.mtime_ns = local->mtime_ns;
    return d;
  }
  if (hub.deleted && local->deleted) {
    d.action = hub_entry_action::record;
    d.record = hub;
    return d;
  }
  d.action = hub_entry_action::download;
  return d;
}

upload_decision decide_after_upload(const file_entry& current, const file_entry& sent, const file_entry& hub,
                                    bool conflict, const std::string& client_id) {
  upload_decision d;
  d.lost = conflict && !hub.same_content(sent);
  if (current.same_content(sent)) {
    // The file is still what we sent (its version may have been adopted
    // from a hub event meanwhile).
    if (d.lost) {
      d.action = upload_followup::download_winner;
      d.record = hub;
      return d;
    }
    auto order = hub.version.compare(current.version);
    if (order == version_order::after || order == version_order::equal) {
      d.action = upload_followup::record;
      d.record = hub;
      d.record.mtime_ns = current.mtime_ns;
      d.record.is_dir = current.is_dir;
    } else if (order == version_order::concurrent) {
      d.action = upload_followup::replan;
    }
    return d;
  }
  if (d.lost) return d;  // edited again and the sent version lost: the new edit is uploaded on its own
  // Edited again meanwhile: keep the newer local version, but let it
  // descend from what the hub now holds so it is a fast-forward there.
  d.action = upload_followup::upload_again;
  d.record = current;
  d.record.version.merge(hub.version);
  if (d.record.version.compare(hub.version) != version_order::after) d.record.version.increment(client_id);
  return d;
}

std::optional<std::string> hub_entry_error(const file_entry& e) {
  if (auto why = hub_path_error(e.path)) return why;
  if (!e.deleted && !e.is_dir && !is_sha256_hex(e.sha256)) return std::string("sha256 is not 64 lowercase hex digits");
  return std::nullopt;
}

bool same_hub_version(const file_entry& a, const file_entry& b) {
  return a.version == b.version && a.sha256 == b.sha256 && a.deleted == b.deleted && a.is_dir == b.is_dir;
}

}  // namespace syncer
