// watcher (client): inotify on the sync folder, recursive. Puts a watch on
// every non-ignored folder (new folders too), debounces bursts into
// batches of relative paths for the folder model, and asks for a full
// rescan when the kernel queue overflows. Runs detached: it polls the
// inotify fd with a short timeout between messages.
#pragma once

#include <functional>
#include <string>

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/actor_system.hpp>

#include "actors/messages.h"

namespace syncer {

using watcher_actor = caf::typed_actor<
    caf::reacts_to<poll_atom>,  // internal: next inotify poll
    caf::replies_to<inspect_atom>::with<actor_state>>;

// Receives from the watcher.
using change_sink_actor = caf::typed_actor<
    caf::reacts_to<changed_atom, std::vector<std::string>>,  // relative paths
    caf::reacts_to<rescan_atom>,                               // overflow: rescan all
    // A folder's watch could not be added (reason), or works again ("").
    caf::reacts_to<watch_atom, std::string, std::string>>;

struct watcher_config {
  std::string root;
  // True for relative folder paths that must not be watched (ignored).
  std::function<bool(const std::string&)> skip_dir;
  // Called when a .syncignore changed, before the tree is walked again to
  // watch folders that are no longer ignored.
  std::function<void()> ignore_rules_changed;
  int quiet_ms = 10;   // flush once no event came for this long
  int max_delay_ms = 100;  // flush at the latest this long after the first event
};

watcher_actor spawn_watcher(caf::actor_system& sys, watcher_config config, change_sink_actor sink);

}  // namespace syncer
