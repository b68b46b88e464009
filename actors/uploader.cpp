#include "actors/uploader.h"

#include <sys/stat.h>

#include <caf/all.hpp>

#include "actors/log.h"
#include "storage/file_times.h"

namespace syncer {
namespace {

// Files at least this big are first offered by sha256 (POST /link): a move
// or copy of content the hub has costs one small request, not the bytes.
constexpr uint64_t link_first_threshold = 64 * 1024;

struct uploader_state {
  std::string root;
  std::unique_ptr<hub_api> hub;
  int64_t files = 0, bytes = 0, linked = 0, folders = 0, deletions = 0, failures = 0;
  std::string current;
  std::string last_error;
};

upload_result publish(uploader_state& st, const file_entry& entry) {
  upload_result r;
  r.sent = entry;
  if (!entry.deleted && !entry.is_dir) {
    // The folder model recorded this version from a hash of the file; if
    // the file is gone or changed since, that version is not on disk.
    struct stat st_now {};
    std::string full = st.root + "/" + entry.path;
    if (::lstat(full.c_str(), &st_now) != 0 || static_cast<uint64_t>(st_now.st_size) != entry.size ||
        mtime_ns(st_now) != entry.mtime_ns) {
      r.status = upload_result::changed_locally;
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
      } else if (reply.status != 404) {
        sent = true;  // a real answer (409 stale, 4xx, unreachable): report it
      }
    }
    if (!sent) {
      reply = st.hub->upload(entry, st.root + "/" + entry.path, &change);
      if (reply.ok()) {
        ++st.files;
        st.bytes += static_cast<int64_t>(entry.size);
      }
    }
  }
  r.status = reply.status;
  r.error = reply.error;
  r.kind = change.kind;
  r.hub = change.entry;
  if (!reply.ok() && reply.status != 409) {
    ++st.failures;
    st.last_error = entry.path + ": " + (reply.error.empty() ? "status " + std::to_string(reply.status) : reply.error);
    log::warn("uploader", st.last_error);
  } else {
    log::debug("uploader", entry.path + " -> " + change.kind);
  }
  return r;
}

}  // namespace

uploader_actor spawn_uploader(caf::actor_system& sys, std::string root, hub_api_factory hub) {
  auto behavior = [](uploader_actor::stateful_pointer<uploader_state> self, std::string root,
                     hub_api_factory hub) -> uploader_actor::behavior_type {
    self->state.root = std::move(root);
    self->state.hub = hub();
    return {
        [self](upload_atom, const file_entry& entry) {
          self->state.current = entry.path;
          auto r = publish(self->state, entry);
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
          st.counters["linked_files"] = s.linked;
          st.counters["folders"] = s.folders;
          st.counters["deletions"] = s.deletions;
          st.counters["failures"] = s.failures;
          st.info["in_flight"] = s.current;
          st.info["last_error"] = s.last_error;
          return st;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior, std::move(root), std::move(hub));
}

}  // namespace syncer
