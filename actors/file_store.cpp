#include "actors/file_store.h"

#include "actors/rules/device_binding.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include <caf/all.hpp>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <cerrno>
#include <cstring>

#include "storage/file_times.h"

#include "actors/fatal.h"
#include "actors/file_store_parts.h"
#include "actors/log.h"
#include "actors/rules/path_rules.h"
#include "storage/history_guard.h"
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
  // Marks outside meta.db that reveal a history gone back (see
  // storage/history_guard.h); a clean stop removes RUNNING.
  std::shared_ptr<history_guard> history;
  ~store_state() {
    if (history) history->stopped_cleanly();
  }
  std::shared_ptr<object_store> objects;
  conflict_resolver_actor resolver;
  client_registry_actor registry;
  retention_policy retention;
  int64_t restores = 0;
  int64_t commits = 0, uploads = 0, bytes_in = 0, delta_uploads = 0, bytes_reused = 0, links = 0, deletions = 0, conflicts = 0, stale = 0,
          syncs = 0, incremental_syncs = 0, rejected = 0;
  std::string last_error;
};

using self_ptr = file_store_actor::stateful_pointer<store_state>;

change_result refuse(store_state& st, error_kind why, const std::string& message, const incoming_change& c) {
  if (!c.temp_file.empty()) ::unlink(c.temp_file.c_str());
  ++st.rejected;
  change_result r;
  r.result = outcome::failure(why, message);
  r.entry = c.entry;
  if (why == error_kind::failed || why == error_kind::storage_full || why == error_kind::unavailable) {
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

// Records a decided change in the database (inside the caller's batch
// transaction; its object is already in place) and queues its events.
change_result record(store_state& st, const incoming_change& c, const change_resolution& decision,
                     std::vector<hub_event>& events, bool quiet) {
  change_result r;
  r.kind = to_string(decision.kind);
  r.entry = decision.result;
  const auto& e = c.entry;
  std::vector<file_entry> batch;
  switch (decision.kind) {
    case change_kind::stale:
      ++st.stale;
      r.result = outcome::failure(error_kind::stale, "the hub holds a newer version of " + e.path);
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
      events.push_back(hub_event{"file_changed", entry});
    }
  } else {
    const auto& stored = batch.front();
    if (stored.deleted && is_conflict_copy(stored.path)) st.db->close_conflicts_for_copy(stored.path);
    events.push_back(hub_event{stored.deleted ? "file_deleted" : "file_changed", stored});
  }
  st.db->log_event(now_ns(), e.origin, r.kind, e.path, e.deleted ? "delete" : e.is_dir ? "folder" : e.sha256);
  std::string line = std::string(e.deleted ? "delete " : e.is_dir ? "folder " : "file ") + e.path + " from " +
                     (e.origin.empty() ? "anonymous" : e.origin) + ": " + r.kind +
                     (r.conflict_copy ? " (copy " + r.conflict_copy->path + ")" : "");
  if (quiet && decision.kind != change_kind::conflict)
    log::debug("file-store", line);
  else
    log::info("file-store", line);
  return r;
}

// Checks one incoming change against the hub's state and fills in what
// the sender left out (content hash and size, version, mtime). A refusal
// when the change cannot be taken; the current entry otherwise.
std::optional<change_result> prepare(store_state& st, incoming_change& c, std::optional<file_entry>& current) {
  auto& e = c.entry;
  current = st.db->get_file(e.path);
  if (!c.bound_client.empty() && c.version_given) {
    auto held = current ? std::optional<version_vector>(current->version) : std::nullopt;
    if (auto why = foreign_counter_error(held, e.version, c.bound_client)) return refuse(st, error_kind::refused, *why, c);
  }
  if (e.deleted) {
    if (!current) return refuse(st, error_kind::not_found, "no such file: " + e.path, c);
    e.is_dir = current->is_dir;
    e.sha256.clear();
    e.size = 0;
  } else if (!c.temp_file.empty()) {
    if (c.content_sha256.empty()) {
      std::string error;
      auto digest = sha256_file(c.temp_file, &error);
      if (!digest) return refuse(st, error_kind::failed, "cannot hash upload: " + error, c);
      c.content_sha256 = digest->sha256;
      c.content_size = digest->size;
    }
    if (!c.expected_sha256.empty() && c.expected_sha256 != c.content_sha256)
      return refuse(st, error_kind::changed_while_reading, "the content of " + e.path + " changed while it was uploaded", c);
    e.sha256 = c.content_sha256;
    e.size = c.content_size;
    ++st.uploads;
    st.bytes_in += static_cast<int64_t>(c.content_size - std::min(c.reused_bytes, c.content_size));
    if (c.reused_bytes > 0) {
      ++st.delta_uploads;
      st.bytes_reused += static_cast<int64_t>(c.reused_bytes);
    }
  } else if (!e.is_dir) {
    auto size = st.objects->object_size(e.sha256);
    if (!size) return refuse(st, error_kind::not_found, "the hub does not have content " + e.sha256, c);
    if (*size != e.size) return refuse(st, error_kind::invalid, "size does not match content " + e.sha256, c);
    ++st.links;
  }
  if (!c.version_given) {
    e.version = current ? current->version : version_vector{};
    e.version.increment(e.origin.empty() ? "anonymous" : e.origin);
  }
  if (e.mtime_ns <= 0) e.mtime_ns = now_ns();
  return std::nullopt;
}

// Applies decided changes, in order: objects first (one grouped flush),
// then every metadata row in ONE transaction, then the events. A crash
// at any point leaves whole objects without metadata, never metadata
// pointing at a missing object.
std::vector<change_result> apply_all(self_ptr self, std::vector<incoming_change>& changes,
                                     const std::vector<change_resolution>& decisions) {
  auto& st = self->state;
  std::vector<change_result> results(changes.size());
  std::vector<bool> done(changes.size(), false);
  std::vector<std::pair<std::string, std::string>> objects;
  std::vector<size_t> object_owner;
  for (size_t i = 0; i < changes.size(); ++i) {
    const auto& c = changes[i];
    if (c.temp_file.empty()) continue;
    auto kind = decisions[i].kind;
    bool takes_content = kind == change_kind::fast_forward || kind == change_kind::merge || kind == change_kind::conflict;
    if (takes_content) {
      objects.emplace_back(c.temp_file, c.entry.sha256);
      object_owner.push_back(i);
    } else {
      ::unlink(c.temp_file.c_str());
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  auto errors = st.objects->commit_many(objects);
  auto t1 = std::chrono::steady_clock::now();
  for (size_t k = 0; k < errors.size(); ++k)
    if (!errors[k].empty()) {
      auto i = object_owner[k];
      results[i] = refuse(st, storage_error_kind(errors[k]), "cannot store object: " + errors[k], changes[i]);
      done[i] = true;
    }
  std::vector<hub_event> events;
  bool quiet = changes.size() > 1;
  try {
    st.db->begin_batch();
    for (size_t i = 0; i < changes.size(); ++i)
      if (!done[i]) results[i] = record(st, changes[i], decisions[i], events, quiet);
    st.db->commit_batch();
    if (st.history) st.history->record(st.db->last_sequence());
  } catch (const std::exception& ex) {
    try {
      st.db->rollback_batch();
    } catch (...) {
    }
    events.clear();
    auto* sql = dynamic_cast<const SQLite::Exception*>(&ex);
    bool full = sql && (sql->getErrorCode() == SQLITE_FULL || storage_error_kind(ex.what()) == error_kind::storage_full);
    for (size_t i = 0; i < changes.size(); ++i)
      if (!done[i]) {
        changes[i].temp_file.clear();  // the object (if any) is in place and harmless
        results[i] = refuse(st, full ? error_kind::storage_full : error_kind::failed,
                            std::string(full ? "the hub's disk is full; nothing was recorded: "
                                             : "metadata commit failed: ") + ex.what(),
                            changes[i]);
      }
  }
  if (quiet) {
    std::map<std::string, int> kinds;
    for (const auto& r : results) ++kinds[r.result.ok() || r.result.kind == error_kind::stale ? r.kind : "refused"];
    std::string summary;
    for (const auto& [kind, n] : kinds) summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + kind;
    auto t2 = std::chrono::steady_clock::now();
    auto ms = [](auto d) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f", std::chrono::duration_cast<std::chrono::microseconds>(d).count() / 1000.0);
      return std::string(buf);
    };
    log::info("file-store", "batch of " + std::to_string(changes.size()) + " changes from " +
                                (changes.front().entry.origin.empty() ? "anonymous" : changes.front().entry.origin) +
                                ": " + summary + " (objects " + ms(t1 - t0) + " ms, metadata " + ms(t2 - t1) + " ms)");
  }
  // A batch's events travel as one message per session; a single change's
  // (one event, or two for a conflict) one by one.
  if (changes.size() == 1)
    for (auto& ev : events) self->send(st.registry, notify_atom::value, std::move(ev));
  else if (!events.empty())
    self->send(st.registry, notify_atom::value, std::move(events));
  return results;
}

// Prepares a batch, asks the conflict-resolver about all of it at once,
// and applies the answers. `await` keeps the next message (the next
// batch) waiting until this one is applied, so every decision sees the
// state the previous one left.
using deliver_fn = std::function<void(std::vector<change_result>)>;

void commit_batch(self_ptr self, std::vector<incoming_change> changes, deliver_fn deliver) {
  auto& st = self->state;
  auto results = std::make_shared<std::vector<change_result>>(changes.size());
  auto pending = std::make_shared<std::vector<incoming_change>>();
  auto slots = std::make_shared<std::vector<size_t>>();
  std::vector<decide_request> questions;
  std::set<std::string> paths_in_batch;
  // The current entries are read in one transaction (outside one, every
  // read takes and drops SQLite's file locks: two fcntl calls per file).
  st.db->begin_batch();
  try {
    for (size_t i = 0; i < changes.size(); ++i) {
      auto& c = changes[i];
      // One change per path per batch: a second one would be decided
      // against a state the first has not written yet.
      if (!paths_in_batch.insert(c.entry.path).second) {
        (*results)[i] = refuse(st, error_kind::invalid, "the batch holds " + c.entry.path + " twice", c);
        continue;
      }
      std::optional<file_entry> current;
      if (auto refused = prepare(st, c, current)) {
        (*results)[i] = *refused;
        continue;
      }
      questions.push_back(decide_request{current, c.entry});
      pending->push_back(c);
      slots->push_back(i);
    }
  } catch (...) {
    st.db->rollback_batch();
    throw;
  }
  st.db->commit_batch();
  if (pending->empty()) {
    deliver(std::move(*results));
    return;
  }
  self->request(st.resolver, std::chrono::seconds(30), decide_atom::value, std::move(questions))
      .await(
          [self, deliver, results, pending, slots](const std::vector<change_resolution>& decisions) mutable {
            auto applied = apply_all(self, *pending, decisions);
            for (size_t k = 0; k < slots->size(); ++k) (*results)[(*slots)[k]] = std::move(applied[k]);
            deliver(std::move(*results));
          },
          [self, deliver, results, pending, slots](const caf::error& err) mutable {
            for (size_t k = 0; k < slots->size(); ++k)
              (*results)[(*slots)[k]] = refuse(self->state, error_kind::unavailable, "conflict-resolver unavailable: " +
                                                                    self->system().render(err), (*pending)[k]);
            deliver(std::move(*results));
          });
}

}  // namespace

file_store_actor spawn_file_store(caf::actor_system& sys, const file_store_config& config,
                                  conflict_resolver_actor resolver, client_registry_actor registry) {
  // Opened here, before spawning, so a bad data dir is one clear error at
  // start-up instead of a dead actor.
  std::string error;
  std::shared_ptr<server_db> db = server_db::open(config.data_dir + "/meta.db", &error);
  if (!db) throw std::runtime_error(error);
  std::string went_back;
  std::shared_ptr<history_guard> history = history_guard::open(config.data_dir, db->last_sequence(), &went_back, &error);
  if (!history) throw std::runtime_error(error);
  if (!went_back.empty()) {
    auto id = db->new_hub_id();
    log::warn("file-store", went_back + ": a new epoch (hub id " + id +
                                ") begins, so every client compares its whole folder on its next sync and sends "
                                "whatever the hub no longer holds");
  }
  std::shared_ptr<object_store> objects;
  try {
    objects = std::make_shared<object_store>(config.data_dir);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot use data dir " + config.data_dir + ": " + e.what());
  }
  auto behavior = [](self_ptr self, std::shared_ptr<server_db> db, std::shared_ptr<object_store> objects,
                     conflict_resolver_actor resolver, client_registry_actor registry,
                     std::shared_ptr<history_guard> history, retention_policy retention) -> file_store_actor::behavior_type {
    auto& st = self->state;
    st.retention = retention;
    st.db = std::move(db);
    st.history = std::move(history);
    st.objects = std::move(objects);
    st.resolver = std::move(resolver);
    st.registry = std::move(registry);
    self->set_error_handler([self](caf::error& err) { self->state.last_error = self->system().render(err); });
    self->set_exception_handler([](caf::scheduled_actor*, std::exception_ptr& e) { return stop_node_on_exception("file-store", e); });
    return {
        [self](register_atom, const std::string& name) {
          auto r = self->state.db->register_client(name, now_ns());
          log::info("file-store", "client '" + name + "' has id " + r.id);
          return r;
        },
        [self](register_atom, const std::string& name, const std::string& id) {
          auto r = self->state.db->register_device_client(id, name, now_ns());
          log::info("file-store", "device client '" + name + "' has id " + r.id);
          return r;
        },
        [self](client_atom, const std::string& id) {
          auto c = self->state.db->find_client(id);
          if (c) self->state.db->touch_client(id, now_ns());
          return c;
        },
        [self](sync_atom, const std::vector<file_entry>& client_entries) {
          auto& st = self->state;
          ++st.syncs;
          auto sequence = st.db->last_sequence();
          auto plan = plan_sync(client_entries, st.db->list_files(true));
          plan.hub_id = st.db->hub_id();
          plan.sequence = sequence;
          return plan;
        },
        [self](sync_atom, const std::vector<file_entry>& changed, uint64_t since, const std::string& hub_id) {
          auto& st = self->state;
          ++st.syncs;
          auto sequence = st.db->last_sequence();
          auto id = st.db->hub_id();
          if (hub_id != id || since > sequence) {
            // Not our sequence numbers: the client must send everything.
            sync_plan plan;
            plan.hub_id = id;
            plan.sequence = sequence;
            return plan;
          }
          ++st.incremental_syncs;
          // The hub's side of the comparison: every change after the sync
          // point, and the current entry of every path the client sent.
          auto hub_entries = st.db->changes_since(since);
          std::set<std::string> listed;
          for (const auto& e : hub_entries) listed.insert(e.path);
          for (const auto& c : changed)
            if (!listed.count(c.path))
              if (auto current = st.db->get_file(c.path)) hub_entries.push_back(*current);
          auto plan = plan_sync(changed, hub_entries, false);
          plan.hub_id = id;
          plan.sequence = sequence;
          plan.incremental = true;
          return plan;
        },
        [self](commit_atom, incoming_change c) -> caf::result<change_result> {
          // A single change is a batch of one.
          auto rp = self->make_response_promise<change_result>();
          commit_batch(self, {std::move(c)}, [rp](std::vector<change_result> results) mutable {
            rp.deliver(std::move(results.front()));
          });
          return rp;
        },
        [self](commit_atom, std::vector<incoming_change> changes) -> caf::result<std::vector<change_result>> {
          auto rp = self->make_response_promise<std::vector<change_result>>();
          commit_batch(self, std::move(changes),
                       [rp](std::vector<change_result> results) mutable { rp.deliver(std::move(results)); });
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
        [self](history_atom, const history_query& q) { return file_store_parts::read_history(*self->state.db, q); },
        [self](restore_atom, const restore_request& r) -> caf::result<restore_result> {
          auto& st = self->state;
          auto work = std::make_shared<file_store_parts::restore_work>(file_store_parts::prepare_restore(*st.db, *st.objects, r));
          if (work->changes.empty()) return work->result;
          ++self->state.restores;
          auto rp = self->make_response_promise<restore_result>();
          auto changes = work->changes;
          commit_batch(self, std::move(changes), [rp, work](std::vector<change_result> results) mutable {
            file_store_parts::finish_restore(work->result, work->changes, results);
            rp.deliver(std::move(work->result));
          });
          return rp;
        },
        [self](lookup_atom, const std::string& path, uint64_t sequence) {
          return file_store_parts::lookup_version(*self->state.db, *self->state.objects, path, sequence);
        },
        [self](store_atom) { return file_store_parts::report_store(*self->state.db, self->state.retention, now_ns()); },
        [self](gc_slice_atom, const gc_slice& slice) {
          return file_store_parts::run_gc_slice(*self->state.db, *self->state.objects, slice);
        },
        [self](synced_atom, const std::string& client, const std::string& hub_id, uint64_t sequence) {
          file_store_parts::note_sync_point(*self->state.db, client, hub_id, sequence);
        },
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
          out.counters["delta_uploads"] = s.delta_uploads;
          out.counters["bytes_reused"] = s.bytes_reused;
          out.counters["links"] = s.links;
          out.counters["deletions"] = s.deletions;
          out.counters["conflicts"] = s.conflicts;
          out.counters["stale"] = s.stale;
          out.counters["rejected"] = s.rejected;
          out.counters["syncs"] = s.syncs;
          out.counters["incremental_syncs"] = s.incremental_syncs;
          out.counters["restores"] = s.restores;
          // Tombstones after this sequence wait for some client (-1: a client has never synced incrementally).
          auto oldest = s.db->oldest_sync_point();
          out.counters["oldest_sync_point"] = oldest ? static_cast<int64_t>(*oldest) : -1;
          out.info["data_dir"] = s.objects->root();
          out.info["last_error"] = s.last_error;
          return out;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior, db, objects, std::move(resolver), std::move(registry), std::move(history),
                                  config.retention);
}

}  // namespace syncer
