#include "actors/janitor.h"

#include <chrono>
#include <vector>

#include <caf/all.hpp>

#include "actors/log.h"
#include "storage/file_times.h"

namespace syncer {
namespace {

const char* const stages[] = {"pending", "versions", "log", "orphans"};
constexpr size_t stage_count = 4;

struct janitor_state {
  janitor_config config;
  file_store_actor store;
  bool running = false;
  size_t stage = 0;
  std::string cursor;
  gc_report current, last;
  std::vector<caf::typed_response_promise<gc_report>> waiters;
  int64_t runs = 0, total_versions = 0, total_objects = 0, total_bytes = 0, total_tombstones = 0, total_log = 0;
  std::string last_error;
};

using self_ptr = janitor_actor::stateful_pointer<janitor_state>;

int64_t clock_now(const janitor_state& st) { return st.config.clock ? st.config.clock() : now_ns(); }

void finish(self_ptr self) {
  auto& st = self->state;
  st.running = false;
  st.current.duration_ns = now_ns() - st.current.started_ns;
  st.last = st.current;
  ++st.runs;
  st.total_versions += st.last.versions_pruned;
  st.total_objects += st.last.objects_removed;
  st.total_bytes += st.last.bytes_freed;
  st.total_tombstones += st.last.tombstones_expired;
  st.total_log += st.last.log_rows_pruned;
  if (!st.last.error.empty()) st.last_error = st.last.error;
  if (st.last.versions_pruned || st.last.objects_removed || st.last.tombstones_expired || st.last.log_rows_pruned)
    log::info("janitor", "collection: " + std::to_string(st.last.versions_pruned) + " versions pruned, " +
                             std::to_string(st.last.objects_removed) + " objects removed (" +
                             std::to_string(st.last.bytes_freed) + " bytes), " +
                             std::to_string(st.last.tombstones_expired) + " tombstones expired, " +
                             std::to_string(st.last.log_rows_pruned) + " log rows pruned in " +
                             std::to_string(st.last.duration_ns / 1000000) + " ms");
  auto waiters = std::move(st.waiters);
  st.waiters.clear();
  for (auto& rp : waiters) rp.deliver(st.last);
}

// Sends the next slice; its answer sends the one after (never blocking:
// between slices file-store and this actor serve other messages).
void next_slice(self_ptr self) {
  auto& st = self->state;
  if (st.stage >= stage_count) return finish(self);
  gc_slice slice;
  slice.stage = stages[st.stage];
  slice.cursor = st.cursor;
  slice.max_paths = st.config.paths_per_slice;
  slice.policy = st.config.policy;
  slice.now_ns = clock_now(st);
  self->request(st.store, std::chrono::seconds(60), gc_slice_atom::value, std::move(slice))
      .then(
          [self](const gc_slice_result& r) {
            auto& st = self->state;
            ++st.current.slices;
            st.current.versions_pruned += r.versions_pruned;
            st.current.objects_removed += r.objects_removed;
            st.current.bytes_freed += r.bytes_freed;
            st.current.tombstones_expired += r.tombstones_expired;
            st.current.log_rows_pruned += r.log_rows_pruned;
            if (!r.error.empty()) st.current.error = r.error;
            // A slice that failed ends its stage (the next run retries).
            if (r.next_cursor.empty() || !r.error.empty()) {
              ++st.stage;
              st.cursor.clear();
            } else {
              st.cursor = r.next_cursor;
            }
            next_slice(self);
          },
          [self](const caf::error& err) {
            self->state.current.error = "file-store did not answer a collection slice: " + self->system().render(err);
            log::warn("janitor", self->state.current.error);
            finish(self);
          });
}

void start(self_ptr self) {
  auto& st = self->state;
  if (st.running) return;
  st.running = true;
  st.stage = 0;
  st.cursor.clear();
  st.current = gc_report{};
  st.current.started_ns = now_ns();
  next_slice(self);
}

}  // namespace

janitor_actor spawn_janitor(caf::actor_system& sys, const janitor_config& config, file_store_actor store) {
  auto behavior = [](self_ptr self, janitor_config config, file_store_actor store) -> janitor_actor::behavior_type {
    self->state.config = config;
    self->state.store = std::move(store);
    if (config.interval_ns > 0)
      self->delayed_send(self, std::chrono::nanoseconds(config.interval_ns), caf::tick_atom::value);
    return {
        [self](gc_atom) -> caf::result<gc_report> {
          auto rp = self->make_response_promise<gc_report>();
          self->state.waiters.push_back(rp);
          start(self);
          return rp;
        },
        [self](store_atom) -> caf::result<store_report> { return self->delegate(self->state.store, store_atom::value); },
        [self](caf::tick_atom) {
          start(self);
          auto interval = self->state.config.interval_ns;
          if (interval > 0) self->delayed_send(self, std::chrono::nanoseconds(interval), caf::tick_atom::value);
        },
        [self](inspect_atom) {
          auto& s = self->state;
          actor_state out;
          out.name = "janitor";
          out.counters["runs"] = s.runs;
          out.counters["running"] = s.running ? 1 : 0;
          out.counters["waiting_requests"] = static_cast<int64_t>(s.waiters.size());
          out.counters["last_run_ns"] = s.last.started_ns;
          out.counters["last_duration_ms"] = s.last.duration_ns / 1000000;
          out.counters["last_versions_pruned"] = s.last.versions_pruned;
          out.counters["last_objects_removed"] = s.last.objects_removed;
          out.counters["last_bytes_freed"] = s.last.bytes_freed;
          out.counters["versions_pruned"] = s.total_versions;
          out.counters["objects_removed"] = s.total_objects;
          out.counters["bytes_freed"] = s.total_bytes;
          out.counters["tombstones_expired"] = s.total_tombstones;
          out.counters["log_rows_pruned"] = s.total_log;
          out.counters["interval_s"] = s.config.interval_ns / 1'000'000'000;
          out.info["policy"] = to_string(s.config.policy.policy);
          out.info["state"] = s.running ? std::string("collecting: ") + stages[std::min(s.stage, stage_count - 1)] : "idle";
          out.info["last_error"] = s.last_error;
          return out;
        },
    };
  };
  return sys.spawn(behavior, config, std::move(store));
}

}  // namespace syncer
