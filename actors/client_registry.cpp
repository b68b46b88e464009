#include "actors/client_registry.h"

#include <caf/all.hpp>

#include "actors/log.h"

namespace syncer {
namespace {

struct registry_state {
  // client id -> live sessions (a client may reconnect before the old
  // session noticed it was gone)
  std::map<std::string, std::vector<session_sink_actor>> sessions;
  int64_t events_in = 0, events_sent = 0, attaches = 0, detaches = 0;
};

void drop(registry_state& st, const caf::actor_addr& addr) {
  for (auto it = st.sessions.begin(); it != st.sessions.end();) {
    auto& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(), [&](const session_sink_actor& s) { return s.address() == addr; }),
               list.end());
    it = list.empty() ? st.sessions.erase(it) : std::next(it);
  }
}

}  // namespace

client_registry_actor spawn_client_registry(caf::actor_system& sys) {
  auto behavior = [](client_registry_actor::stateful_pointer<registry_state> self)
      -> client_registry_actor::behavior_type {
    self->set_down_handler([self](const caf::down_msg& dm) { drop(self->state, dm.source); });
    return {
        [self](attach_atom, const std::string& client_id, session_sink_actor sink) {
          self->monitor(sink);
          self->state.sessions[client_id].push_back(sink);
          ++self->state.attaches;
          log::info("client-registry", "client " + client_id + " connected (" +
                                           std::to_string(self->state.sessions.size()) + " online)");
        },
        [self](detach_atom, const std::string& client_id, session_sink_actor sink) {
          drop(self->state, sink.address());
          ++self->state.detaches;
          log::info("client-registry", "client " + client_id + " disconnected");
        },
        [self](notify_atom, const hub_event& ev) {
          ++self->state.events_in;
          for (const auto& [client_id, sinks] : self->state.sessions) {
            if (!ev.entry.origin.empty() && client_id == ev.entry.origin) continue;  // it knows
            for (const auto& sink : sinks) {
              self->send(sink, hub_event_atom::value, ev);
              ++self->state.events_sent;
            }
          }
        },
        [self](notify_atom, const std::vector<hub_event>& events) {
          self->state.events_in += static_cast<int64_t>(events.size());
          for (const auto& [client_id, sinks] : self->state.sessions) {
            std::vector<hub_event> for_client;
            for (const auto& ev : events)
              if (ev.entry.origin.empty() || client_id != ev.entry.origin) for_client.push_back(ev);
            if (for_client.empty()) continue;
            for (const auto& sink : sinks) {
              self->send(sink, hub_event_atom::value, for_client);
              self->state.events_sent += static_cast<int64_t>(for_client.size());
            }
          }
        },
        [self](inspect_atom) {
          actor_state st;
          st.name = "client-registry";
          int64_t sessions = 0;
          std::string online;
          for (const auto& [id, sinks] : self->state.sessions) {
            sessions += static_cast<int64_t>(sinks.size());
            online += (online.empty() ? "" : ",") + id;
          }
          st.counters["clients_online"] = static_cast<int64_t>(self->state.sessions.size());
          st.counters["sessions"] = sessions;
          st.counters["events_in"] = self->state.events_in;
          st.counters["events_sent"] = self->state.events_sent;
          st.counters["connects"] = self->state.attaches;
          st.counters["disconnects"] = self->state.detaches;
          st.info["online"] = online;
          return st;
        },
    };
  };
  return sys.spawn(behavior);
}

}  // namespace syncer
