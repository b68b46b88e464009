// What an actor does with an exception it did not expect (an SQLite error
// other than a full disk, a corrupt index): it stops the whole node with
// one clear line and exit code 1, instead of CAF's default of ending that
// actor alone, which would leave a daemon that runs but no longer syncs.
// Every state on disk is crash-safe (temp files, atomic renames, SQLite
// transactions), so a restart (by the user or systemd) resumes cleanly.
#pragma once

#include <exception>

#include <caf/error.hpp>
#include <caf/scheduled_actor.hpp>

namespace syncer {

// For scheduled_actor::set_exception_handler: logs `actor`'s failure and
// exits the process with status 1.
caf::error stop_node_on_exception(const char* actor, std::exception_ptr& failure);

}  // namespace syncer
