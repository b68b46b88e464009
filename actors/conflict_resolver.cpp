#include "actors/conflict_resolver.h"

#include <caf/all.hpp>

#include "actors/log.h"

namespace syncer {
namespace {

struct resolver_state {
  std::map<std::string, int64_t> decisions;  // change_kind -> count
  std::string last_conflict;
};

change_resolution decide(resolver_state& st, const std::optional<file_entry>& current, const file_entry& incoming) {
  auto r = resolve_change(current, incoming);
  ++st.decisions[to_string(r.kind)];
  if (r.kind == change_kind::conflict) {
    st.last_conflict = incoming.path;
    log::info("conflict-resolver", "concurrent edits of " + incoming.path + "; keeping both");
  }
  return r;
}

}  // namespace

conflict_resolver_actor spawn_conflict_resolver(caf::actor_system& sys) {
  auto behavior = [](conflict_resolver_actor::stateful_pointer<resolver_state> self)
      -> conflict_resolver_actor::behavior_type {
    return {
        [self](decide_atom, const std::optional<file_entry>& current, const file_entry& incoming) {
          return decide(self->state, current, incoming);
        },
        [self](decide_atom, const std::vector<decide_request>& batch) {
          std::vector<change_resolution> out;
          out.reserve(batch.size());
          for (const auto& q : batch) out.push_back(decide(self->state, q.current, q.incoming));
          return out;
        },
        [self](inspect_atom) {
          actor_state st;
          st.name = "conflict-resolver";
          for (auto kind : {change_kind::fast_forward, change_kind::no_op, change_kind::stale, change_kind::merge,
                            change_kind::conflict})
            st.counters[to_string(kind)] = self->state.decisions[to_string(kind)];
          st.info["last_conflict"] = self->state.last_conflict;
          return st;
        },
    };
  };
  return sys.spawn(behavior);
}

}  // namespace syncer
