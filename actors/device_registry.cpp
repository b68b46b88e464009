#include "actors/device_registry.h"

#include <chrono>
#include <memory>
#include <stdexcept>

#include <caf/all.hpp>

#include "actors/log.h"
#include "storage/device_db.h"
#include "actors/rules/device_id.h"

namespace syncer {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct registry_state {
  std::shared_ptr<device_db> db;
  bool auto_accept = false;
  int64_t checks = 0, paired = 0, accepted = 0, removed = 0;
  std::string last_error;
};

// The one device `what` names: an ID, or a name only one device has.
device_answer find(registry_state& st, const std::string& what) {
  device_answer a;
  std::string why;
  if (auto id = parse_device_id(what, &why)) {
    if (auto row = st.db->get(*id)) {
      a.ok = true;
      a.device = *row;
    } else {
      a.error = "no device " + *id + " has connected to this hub";
    }
    return a;
  }
  int matches = 0;
  for (const auto& row : st.db->list())
    if (row.name == what) {
      ++matches;
      a.device = row;
    }
  a.ok = matches == 1;
  if (matches == 0) a.error = "no device is named '" + what + "' (and it is not a device ID: " + why + ")";
  if (matches > 1) a.error = std::to_string(matches) + " devices are named '" + what + "': give the device ID";
  return a;
}

}  // namespace

device_registry_actor spawn_device_registry(caf::actor_system& sys, const std::string& db_file, bool auto_accept) {
  std::string error;
  std::shared_ptr<device_db> db = device_db::open(db_file, &error);
  if (!db) throw std::runtime_error(error);
  auto behavior = [db, auto_accept](device_registry_actor::stateful_pointer<registry_state> self)
      -> device_registry_actor::behavior_type {
    self->state.db = db;
    self->state.auto_accept = auto_accept;
    return {
        [self](device_check_atom, const std::string& id, const std::string& address) {
          auto& st = self->state;
          ++st.checks;
          auto row = st.db->seen(id, address, st.auto_accept ? "accepted" : "pending", now_ns());
          if (row.first_seen_ns == row.last_seen_ns)
            log::info("devices", "new device " + id + " from " + address + " (" + row.state + ")");
          return row;
        },
        [self](device_pair_atom, const std::string& id, const std::string& name, bool key_ok) {
          auto& st = self->state;
          auto row = st.db->seen(id, "", st.auto_accept ? "accepted" : "pending", now_ns());
          if (row.name != name) st.db->set_name(id, name);
          // A valid API key is a pairing secret, but it does not undo a removal.
          if (row.state == "pending" && key_ok) {
            st.db->set_state(id, "accepted");
            ++st.paired;
            log::info("devices", "device " + id + " ('" + name + "') accepted by its API key");
          } else if (row.state == "pending") {
            log::warn("devices", "device " + id + " ('" + name + "') is waiting for approval: run 'syncer devices "
                                 "accept " + id + "' on the hub");
          }
          return *st.db->get(id);
        },
        [self](device_list_atom) { return self->state.db->list(); },
        [self](device_accept_atom, const std::string& what) {
          auto& st = self->state;
          auto a = find(st, what);
          if (!a.ok) return a;
          st.db->set_state(a.device.id, "accepted");
          a.device.state = "accepted";
          ++st.accepted;
          log::info("devices", "device " + a.device.id + " ('" + a.device.name + "') accepted");
          return a;
        },
        [self](device_remove_atom, const std::string& what) {
          auto& st = self->state;
          auto a = find(st, what);
          if (!a.ok) return a;
          st.db->set_state(a.device.id, "removed");
          a.device.state = "removed";
          ++st.removed;
          log::info("devices", "device " + a.device.id + " ('" + a.device.name + "') removed");
          return a;
        },
        [self](inspect_atom) {
          auto& st = self->state;
          actor_state s;
          s.name = "device-registry";
          int64_t pending = 0, accepted = 0;
          for (const auto& row : st.db->list()) {
            pending += row.state == "pending";
            accepted += row.state == "accepted";
          }
          s.counters = {{"devices_accepted", accepted}, {"devices_pending", pending}, {"checks", st.checks},
                        {"paired_by_key", st.paired},   {"accepts", st.accepted},   {"removals", st.removed}};
          s.info = {{"auto_accept", st.auto_accept ? "true" : "false"}, {"last_error", st.last_error}};
          return s;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior);
}

}  // namespace syncer
