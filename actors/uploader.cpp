#include "actors/uploader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "actors/log.h"
#include "actors/rules/transfer_policy.h"
#include "storage/block_delta.h"
#include "storage/file_times.h"
#include "storage/sync_root.h"

namespace syncer {
namespace {

struct uploader_state {
  // Files are read only beneath this descriptor, no link followed: a link
  // planted in the folder never makes its target's bytes go to the hub.
  std::shared_ptr<sync_root> root;
  std::string root_error;
  std::unique_ptr<hub_api> hub;
  int64_t files = 0, bytes = 0, deltas = 0, delta_bytes = 0, linked = 0, folders = 0, deletions = 0, failures = 0, batches = 0;
  std::string current;
  std::string last_error;
};

// Records the hub's answer to one entry (counters, log) in `r`.
void finish(uploader_state& st, upload_result& r, const hub_reply& reply, const hub_change& change) {
  r.answer = reply.kind;
  r.error = reply.error;
  r.kind = change.kind;
  r.hub = change.entry;
  if (!reply.ok() && reply.kind != error_kind::stale) {
    ++st.failures;
    st.last_error = r.sent.path + ": " + (reply.error.empty() ? std::string(to_string(reply.kind)) : reply.error);
    log::warn("uploader", st.last_error);
  } else {
    log::debug("uploader", r.sent.path + " -> " + change.kind);
  }
}

// Reads a small file whole, if it still is the version that was hashed
// (same size and mtime before and after the read).
bool read_if_unchanged(const sync_root* root, const file_entry& entry, std::string* out) {
  unique_fd file;
  if (!root || root->open_file(entry.path, O_RDONLY, 0, &file) != 0) return false;
  int fd = file.get();
  struct stat before {};
  bool ok = ::fstat(fd, &before) == 0 && S_ISREG(before.st_mode) &&
            static_cast<uint64_t>(before.st_size) == entry.size && mtime_ns(before) == entry.mtime_ns;
  if (ok) {
    out->resize(entry.size);
    size_t done = 0;
    while (done < entry.size) {
      auto n = ::pread(fd, out->data() + done, entry.size - done, static_cast<off_t>(done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    struct stat after {};
    ok = done == entry.size && ::fstat(fd, &after) == 0 && after.st_size == before.st_size &&
         mtime_ns(after) == mtime_ns(before);
  }
  return ok;
}

// Opens the version of `entry` that was hashed: the same regular file,
// size and mtime. The descriptor's /proc path is what the hub client
// reads, so no name is looked up again.
bool open_if_unchanged(const sync_root* root, const file_entry& entry, unique_fd* out) {
  if (!root || root->open_file(entry.path, O_RDONLY, 0, out) != 0) return false;
  struct stat now {};
  return ::fstat(out->get(), &now) == 0 && S_ISREG(now.st_mode) && static_cast<uint64_t>(now.st_size) == entry.size &&
         mtime_ns(now) == entry.mtime_ns;
}

std::vector<upload_result> publish_batch(uploader_state& st, const std::vector<file_entry>& entries) {
  std::vector<upload_result> results(entries.size());
  std::vector<batch_change> changes;
  std::vector<size_t> slots;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& entry = entries[i];
    results[i].sent = entry;
    batch_change c;
    c.meta = entry;
    if (entry.deleted) {
      c.op = batch_change::remove;
    } else if (entry.is_dir) {
      c.op = batch_change::mkdir;
    } else if (entry.size >= link_first_threshold) {
      c.op = batch_change::link;  // bytes follow in a second batch if the hub lacks them
    } else {
      c.op = batch_change::upload;
      // The bytes travel in c.content (read beneath the root); the name is
      // kept only for hub_api's default one-by-one fallback (test doubles).
      if (st.root) c.local_file = st.root->path() + "/" + entry.path;
      if (!read_if_unchanged(st.root.get(), entry, &c.content)) {
        results[i].changed_locally = true;
        results[i].error = "changed on disk since it was hashed";
        continue;
      }
    }
    changes.push_back(std::move(c));
    slots.push_back(i);
  }
  if (changes.empty()) return results;
  std::vector<batch_outcome> outcomes;
  auto reply = st.hub->upload_batch(changes, &outcomes);
  std::vector<bool> changed_since(changes.size(), false);  // a link's bytes changed before the second batch
  if (reply.ok() && outcomes.size() == changes.size()) {
    // Links the hub refused (not_found: content unknown) become uploads, in one
    // more batch.
    std::vector<batch_change> uploads;
    std::vector<size_t> which;
    for (size_t k = 0; k < changes.size(); ++k) {
      if (changes[k].op != batch_change::link || outcomes[k].reply.kind != error_kind::not_found) continue;
      batch_change c = changes[k];
      c.op = batch_change::upload;
      if (st.root) c.local_file = st.root->path() + "/" + c.meta.path;
      if (!read_if_unchanged(st.root.get(), c.meta, &c.content)) {
        changed_since[k] = true;
        continue;
      }
      uploads.push_back(std::move(c));
      which.push_back(k);
    }
    if (!uploads.empty()) {
      std::vector<batch_outcome> second;
      auto reply2 = st.hub->upload_batch(uploads, &second);
      for (size_t j = 0; j < which.size(); ++j) {
        changes[which[j]] = std::move(uploads[j]);
        if (reply2.ok() && j < second.size()) outcomes[which[j]] = std::move(second[j]);
        else outcomes[which[j]].reply = reply2.ok() ? hub_reply{error_kind::unreachable, "no answer for this change"} : reply2;
      }
    }
  }
  for (size_t k = 0; k < slots.size(); ++k) {
    auto& r = results[slots[k]];
    if (!reply.ok() || k >= outcomes.size()) {
      finish(st, r, reply.ok() ? hub_reply{error_kind::unreachable, "no answer for this change"} : reply, hub_change{});
      continue;
    }
    const auto& o = outcomes[k];
    if (changed_since[k]) {
      r.changed_locally = true;
      r.error = "changed on disk since it was hashed";
      continue;
    }
    finish(st, r, o.reply, o.change);
    if (!o.reply.ok()) continue;
    switch (changes[k].op) {
      case batch_change::upload:
        ++st.files;
        st.bytes += static_cast<int64_t>(r.sent.size);
        break;
      case batch_change::link: ++st.linked; break;
      case batch_change::mkdir: ++st.folders; break;
      case batch_change::remove: ++st.deletions; break;
    }
  }
  ++st.batches;
  return results;
}

upload_result publish(uploader_state& st, const file_entry& entry) {
  upload_result r;
  r.sent = entry;
  unique_fd file;
  if (!entry.deleted && !entry.is_dir) {
    // The folder model recorded this version from a hash of the file; if
    // the file is gone or changed since, that version is not on disk.
    if (!open_if_unchanged(st.root.get(), entry, &file)) {
      r.changed_locally = true;
      r.error = "changed on disk since it was hashed";
      return r;
    }
  }
  hub_change change;
  hub_reply reply;
  if (entry.deleted) {
    reply = st.hub->remove(entry, &change);
    if (reply.ok()) ++st.deletions;
  } else if (entry.is_dir) {
    reply = st.hub->make_dir(entry, &change);
    if (reply.ok()) ++st.folders;
  } else {
    bool sent = false;
    if (entry.size >= link_first_threshold) {
      reply = st.hub->link(entry, &change);
      if (reply.ok()) {
        ++st.linked;
        sent = true;
      } else if (reply.kind != error_kind::not_found) {
        sent = true;  // a real answer (stale, invalid, unreachable, ...): report it
      }
    }
    if (!sent && entry.size >= delta_min_file_size) {
      // Changed in place: only the blocks that differ from the hub's
      // version. Any refusal but "unreachable" falls back to the whole file.
      uint64_t wire = 0;
      auto delta = st.hub->upload_delta(entry, file.proc_path(), &change, &wire);
      if (delta.ok() || delta.kind == error_kind::stale || delta.kind == error_kind::unreachable) {
        reply = delta;
        sent = true;
        if (delta.ok()) {
          ++st.deltas;
          st.delta_bytes += static_cast<int64_t>(wire);
          log::debug("uploader", entry.path + ": sent " + std::to_string(wire) + " of " + std::to_string(entry.size) +
                                     " bytes as a delta");
        }
      } else {
        log::debug("uploader", entry.path + ": no delta (" + delta.error + "); sending the whole file");
      }
    }
    if (!sent) {
      reply = st.hub->upload(entry, file.proc_path(), &change);
      if (reply.ok()) {
        ++st.files;
        st.bytes += static_cast<int64_t>(entry.size);
      }
    }
  }
  finish(st, r, reply, change);
  return r;
}

}  // namespace

uploader_actor spawn_uploader(caf::actor_system& sys, std::string root, hub_api_factory hub) {
  auto behavior = [](uploader_actor::stateful_pointer<uploader_state> self, std::string root,
                     hub_api_factory hub) -> uploader_actor::behavior_type {
    self->state.root = sync_root::open(root, &self->state.root_error);
    self->state.hub = hub();
    return {
        [self](upload_atom, const file_entry& entry) {
          self->state.current = entry.path;
          auto r = publish(self->state, entry);
          self->state.current.clear();
          return r;
        },
        [self](upload_atom, const std::vector<file_entry>& entries) {
          self->state.current = "batch of " + std::to_string(entries.size());
          auto r = publish_batch(self->state, entries);
          self->state.current.clear();
          return r;
        },
        [self](inspect_atom) {
          auto& s = self->state;
          actor_state st;
          st.name = "uploader";
          st.counters["queue"] = static_cast<int64_t>(self->mailbox().size());
          st.counters["uploaded_files"] = s.files;
          st.counters["uploaded_bytes"] = s.bytes;
          st.counters["delta_uploads"] = s.deltas;
          st.counters["delta_bytes_sent"] = s.delta_bytes;
          st.counters["linked_files"] = s.linked;
          st.counters["folders"] = s.folders;
          st.counters["deletions"] = s.deletions;
          st.counters["failures"] = s.failures;
          st.counters["batches"] = s.batches;
          st.info["in_flight"] = s.current;
          st.info["last_error"] = s.last_error;
          return st;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior, std::move(root), std::move(hub));
}

}  // namespace syncer
