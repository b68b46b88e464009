// device-registry (hub, BRIEF §9): which devices (certificates) may use
// the hub. It owns devices.db (storage/device_db) and answers, for the
// edge, what a device that just connected is (accepted, pending or
// removed, creating a pending row for a new one, or an accepted one when
// auto_accept is on); at POST /register it records the device's name and
// accepts it when it presented a valid API key (a pairing secret) or
// auto_accept is on; `syncer devices` lists, accepts and removes devices
// through the hub's local admin endpoint. A removed device stays known as
// removed, so auto_accept does not let it straight back in. Detached
// (SQLite).
#pragma once

#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.h"
#include "actors/rules/device_record.h"

namespace syncer {

using device_check_atom = caf::atom_constant<caf::atom("devcheck")>;
using device_pair_atom = caf::atom_constant<caf::atom("devpair")>;
using device_list_atom = caf::atom_constant<caf::atom("devlist")>;
using device_accept_atom = caf::atom_constant<caf::atom("devaccept")>;
using device_remove_atom = caf::atom_constant<caf::atom("devremove")>;

// An answer to accept/remove: the device, or why not (unknown, ambiguous name).
struct device_answer {
  bool ok = false;
  std::string error;
  device_row device;
};

using device_registry_actor = caf::typed_actor<
    // A connection of device `id` from `address`: its row (created when new).
    caf::replies_to<device_check_atom, std::string, std::string>::with<device_row>,
    // POST /register of device `id` as `name`; `key_ok`: a valid API key came with it.
    caf::replies_to<device_pair_atom, std::string, std::string, bool>::with<device_row>,
    caf::replies_to<device_list_atom>::with<std::vector<device_row>>,
    // By device ID (any spelling parse_device_id takes) or by name when one device has it.
    caf::replies_to<device_accept_atom, std::string>::with<device_answer>,
    caf::replies_to<device_remove_atom, std::string>::with<device_answer>,
    caf::replies_to<inspect_atom>::with<actor_state>>;

// Throws std::runtime_error (one sentence) when devices.db cannot be opened.
device_registry_actor spawn_device_registry(caf::actor_system& sys, const std::string& db_file, bool auto_accept);

}  // namespace syncer

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::device_row)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<syncer::device_row>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::device_answer)
