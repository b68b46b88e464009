#include "actors/file_store.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

#include <caf/all.hpp>

#include "storage/file_times.h"

#include "actors/log.h"
#include "actors/rules/path_rules.h"
#include "storage/object_store.h"
#include "storage/server_db.h"
#include "storage/sha256.h"

namespace syncer {
namespace {


// "YYYYMMDD-HHMMSS" in the hub's local time (the conflict's detection).
std::string local_stamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

struct store_state {
  std::shared_ptr<server_db> db;
  std::shared_ptr<object_store> objects;
  conflict_resolver_actor resolver;
  client_registry_actor registry;
  int64_t commits = 0, uploads = 0, bytes_in = 0, links = 0, deletions = 0, conflicts = 0, stale = 0,
          syncs = 0, rejected = 0;
  std::string last_error;
};

using self_ptr = file_store_actor::stateful_pointer<store_state>;

change_result refuse(store_state& st, int status, const std::string& message, const incoming_change& c) {
  if (!c.temp_file.empty()) ::unlink(c.temp_file.c_str());
  ++st.rejected;
  change_result r;
  r.status = status;
  r.error = message;
  r.entry = c.entry;
  if (status >= 500) {
    st.last_error = message;
    log::error("file-store", message);
  }
  return r;
}

std::string client_name_of(store_state& st, const std::string& id) {
  if (id.empty()) return "unknown";
  if (auto c = st.db->find_client(id)) return c->name;
  return id;
}

// The conflict copy of `loser`: a new path, never an existing live one.
file_entry make_conflict_copy(store_state& st, const file_entry& loser) {
  std::string name = client_name_of(st, loser.origin);
  std::string stamp = local_stamp();
  std::string path = conflict_copy_path(loser.path, stamp, name);
  for (int n = 2; n < 1000; ++n) {
    auto existing = st.db->get_file(path);
    if (!existing || existing->deleted) break;
    path = conflict_copy_path(loser.path, stamp, name + "-" + std::to_string(n));
  }
  file_entry copy = loser;
  copy.path = path;
  copy.deleted = false;
  copy.version = version_vector{};
  copy.version.increment(loser.origin.empty() ? "hub" : loser.origin);
  return copy;
}

// Applies a decided change: object first, then metadata, then events.
change_result apply(self_ptr self, const incoming_change& c, const change_resolution& decision) {
  auto& st = self->state;
  change_result r;
  r.kind = to_string(decision.kind);
  r.entry = decision.result;
  const auto& e = c.entry;
  bool takes_content = decision.kind == change_kind::fast_forward || decision.kind == change_kind::merge ||
                       decision.kind == change_kind::conflict;
  if (!c.temp_file.empty()) {
    if (takes_content) {
      std::string error;
      if (!st.objects->commit(c.temp_file, e.sha256, &error)) return refuse(st, 500, "cannot store object: " + error, c);
    } else {
      ::unlink(c.temp_file.c_str());
    }
  }
  std::vector<file_entry> batch;
  switch (decision.kind) {
    case change_kind::stale:
      ++st.stale;
      r.status = 409;
      r.error = "the hub holds a newer version of " + e.path;
      return r;
    case change_kind::no_op:
      if (auto current = st.db->get_file(e.path); current && current->version != decision.result.version)
        batch.push_back(decision.result);  // delete vs delete: keep the merged vector
      break;
    case change_kind::fast_forward:
    case change_kind::merge:
      batch.push_back(decision.result);
      break;
    case change_kind::conflict: {
      ++st.conflicts;
      auto copy = make_conflict_copy(st, *decision.loser);
      batch.push_back(decision.result);
      batch.push_back(copy);
      r.conflict_copy = copy;
      break;
    }
  }
  if (batch.empty()) return r;
  st.db->put_files(batch);
  r.entry = batch.front();
  ++st.commits;
  if (e.deleted) ++st.deletions;
  if (decision.kind == change_kind::conflict) {
    conflict_record rec;
    rec.path = e.path;
    rec.copy_path = batch[1].path;
    rec.winner_origin = decision.result.origin;
    rec.loser_origin = decision.loser->origin;
    rec.detected_ns = now_ns();
    st.db->add_conflict(rec);
    r.conflict_copy = batch[1];
    // Everyone, the uploader included, must fetch both sides.
    for (auto entry : batch) {
      entry.origin.clear();
      self->send(st.registry, notify_atom::value, hub_event{"file_changed", entry});
    }
  } else {
    const auto& stored = batch.front();
    if (stored.deleted && is_conflict_copy(stored.path)) st.db->close_conflicts_for_copy(stored.path);
    self->send(st.registry, notify_atom::value, hub_event{stored.deleted ? "file_deleted" : "file_changed", stored});
  }
  st.db->log_event(now_ns(), e.origin, r.kind, e.path, e.deleted ? "delete" : e.is_dir ? "folder" : e.sha256);
  log::info("file-store", std::string(e.deleted ? "delete " : e.is_dir ? "folder " : "file ") + e.path + " from " +
                              (e.origin.empty() ? "anonymous" : e.origin) + ": " + r.kind +
                              (r.conflict_copy ? " (copy " + r.conflict_copy->path + ")" : ""));
  return r;
}

}  // namespace

file_store_actor spawn_file_store(caf::actor_system& sys, const file_store_config& config,
                                  conflict_resolver_actor resolver, client_registry_actor registry) {
  // Opened here, before spawning, so a bad data dir is one clear error at
  // start-up instead of a dead actor.
  std::string error;
  std::shared_ptr<server_db> db = server_db::open(config.data_dir + "/meta.db", &error);
  if (!db) throw std::runtime_error(error);
  std::shared_ptr<object_store> objects;
  try {
    objects = std::make_shared<object_store>(config.data_dir);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot use data dir " + config.data_dir + ": " + e.what());
  }
  auto behavior = [](self_ptr self, std::shared_ptr<server_db> db, std::shared_ptr<object_store> objects,
                     conflict_resolver_actor resolver,
                     client_registry_actor registry) -> file_store_actor::behavior_type {
    auto& st = self->state;
    st.db = std::move(db);
    st.objects = std::move(objects);
    st.resolver = std::move(resolver);
    st.registry = std::move(registry);
    self->set_error_handler([self](caf::error& err) { self->state.last_error = self->system().render(err); });
    return {
        [self](register_atom, const std::string& name) {
          auto r = self->state.db->register_client(name, now_ns());
          log::info("file-store", "client '" + name + "' has id " + r.id);
          return r;
        },
        [self](client_atom, const std::string& id) {
          auto c = self->state.db->find_client(id);
          if (c) self->state.db->touch_client(id, now_ns());
          return c;
        },
        [self](sync_atom, const std::vector<file_entry>& client_entries) {
          ++self->state.syncs;
          return plan_sync(client_entries, self->state.db->list_files(true));
        },
        [self](commit_atom, incoming_change c) -> caf::result<change_result> {
          auto& st = self->state;
          auto& e = c.entry;
          auto current = st.db->get_file(e.path);
          if (e.deleted) {
            if (!current) return refuse(st, 404, "no such file: " + e.path, c);
            e.is_dir = current->is_dir;
            e.sha256.clear();
            e.size = 0;
          } else if (!c.temp_file.empty()) {
            std::string error;
            auto digest = sha256_file(c.temp_file, &error);
            if (!digest) return refuse(st, 500, "cannot hash upload: " + error, c);
            if (!c.expected_sha256.empty() && c.expected_sha256 != digest->sha256)
              return refuse(st, 422, "the content of " + e.path + " changed while it was uploaded", c);
            e.sha256 = digest->sha256;
            e.size = digest->size;
            ++st.uploads;
            st.bytes_in += static_cast<int64_t>(digest->size);
          } else if (!e.is_dir) {
            auto size = st.objects->object_size(e.sha256);
            if (!size) return refuse(st, 404, "the hub does not have content " + e.sha256, c);
            if (*size != e.size) return refuse(st, 400, "size does not match content " + e.sha256, c);
            ++st.links;
          }
          if (!c.version_given) {
            e.version = current ? current->version : version_vector{};
            e.version.increment(e.origin.empty() ? "anonymous" : e.origin);
          }
          if (e.mtime_ns <= 0) e.mtime_ns = now_ns();
          auto rp = self->make_response_promise<change_result>();
          // await: the next commit is not looked at before this one is applied.
          self->request(st.resolver, std::chrono::seconds(30), decide_atom::value, current, e)
              .await(
                  [self, rp, c](const change_resolution& decision) mutable {
                    try {
                      rp.deliver(apply(self, c, decision));
                    } catch (const std::exception& ex) {
                      rp.deliver(refuse(self->state, 500, std::string("metadata commit failed: ") + ex.what(), c));
                    }
                  },
                  [self, rp, c](const caf::error& err) mutable {
                    rp.deliver(refuse(self->state, 503, "conflict-resolver unavailable: " + self->system().render(err), c));
                  });
          return rp;
        },
        [self](list_atom, bool include_deleted) { return self->state.db->list_files(include_deleted); },
        [self](lookup_atom, const std::string& path) {
          file_lookup out;
          auto e = self->state.db->get_file(path);
          if (!e || e->deleted || e->is_dir) return out;
          out.entry = *e;
          out.object_file = self->state.objects->object_path(e->sha256);
          out.found = e->size == 0 || self->state.objects->contains(e->sha256);
          if (!out.found) {
            self->state.last_error = "object missing for " + path;
            log::error("file-store", self->state.last_error);
          }
          return out;
        },
        [self](conflicts_atom, bool open_only) { return self->state.db->list_conflicts(open_only); },
        [self](inspect_atom) {
          auto& s = self->state;
          actor_state out;
          out.name = "file-store";
          out.counters["queue"] = static_cast<int64_t>(self->mailbox().size());
          out.counters["files"] = static_cast<int64_t>(s.db->file_count(false));
          out.counters["tombstones"] = static_cast<int64_t>(s.db->file_count(true) - s.db->file_count(false));
          out.counters["clients"] = static_cast<int64_t>(s.db->list_clients().size());
          out.counters["sequence"] = static_cast<int64_t>(s.db->last_sequence());
          out.counters["commits"] = s.commits;
          out.counters["uploads"] = s.uploads;
          out.counters["bytes_received"] = s.bytes_in;
          out.counters["links"] = s.links;
          out.counters["deletions"] = s.deletions;
          out.counters["conflicts"] = s.conflicts;
          out.counters["stale"] = s.stale;
          out.counters["rejected"] = s.rejected;
          out.counters["syncs"] = s.syncs;
          out.info["data_dir"] = s.objects->root();
          out.info["last_error"] = s.last_error;
          return out;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior, db, objects, std::move(resolver), std::move(registry));
}

}  // namespace syncer
