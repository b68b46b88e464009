// folder-model (client): the one owner of the client index
// (.syncer/index.db). Turns watcher batches into hash requests and new
// versions, hub events into downloads, runs the initial and reconnect
// reconciliation (POST /sync), and keeps the uploader and downloader busy.
// A path being downloaded is not re-examined until the download is done,
// which is how the client's own writes are not echoed back.
#pragma once

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/actor_system.hpp>

#include "actors/client_messages.h"
#include "actors/downloader.h"
#include "actors/hasher.h"
#include "actors/hub_api.h"
#include "actors/prefetcher.h"
#include "actors/uploader.h"
#include "actors/watcher.h"
#include "actors/rules/local_safety.h"
#include "storage/client_index.h"

namespace syncer {

using folder_model_actor = caf::typed_actor<
    caf::reacts_to<changed_atom, std::vector<std::string>>,
    caf::reacts_to<rescan_atom>,
    caf::reacts_to<watch_atom, std::string, std::string>,  // a folder's watch failed (reason) or works again ("")
    // Internal: look again at paths whose retry time came (a file still
    // being written, an unstable hash); events meanwhile are folded in.
    caf::reacts_to<rescan_atom, std::vector<std::string>>,
    caf::reacts_to<hub_event_atom, hub_event>,
    caf::reacts_to<hub_event_atom, std::vector<hub_event>>,  // one WebSocket message's events, in order
    caf::reacts_to<online_atom>,   // event stream (re)connected: reconcile
    caf::reacts_to<offline_atom>,  // event stream lost
    caf::reacts_to<poll_atom>,     // internal timer
    caf::replies_to<inspect_atom>::with<actor_state>>;

struct folder_model_config {
  std::string root;          // absolute sync folder
  std::string client_name;
  std::string client_id;     // from registration
  std::function<bool(const std::string&, bool)> is_ignored;  // (rel path, is_dir)
  // Called when a .syncignore changed (locally or from the hub): the
  // matcher must forget what it cached. A full rescan follows, so newly
  // un-ignored files get synced; newly ignored ones stay where they are.
  std::function<void()> ignore_rules_changed;
  // The configured ignore patterns as text: part of what a sync point
  // records, so a restart with other patterns compares everything.
  std::string ignore_config;
  std::shared_ptr<client_index> index;  // opened by the caller; owned by this actor from now on
  // Full rescan period (0 = never), randomised by +-10 % each time: it
  // catches whatever the watcher missed (a failed watch, mmap writes).
  int64_t rescan_interval_ns = 3'600'000'000'000;
  // The mass-delete guard (delete_guard in config.yaml).
  delete_guard_policy delete_guard;
};

folder_model_actor spawn_folder_model(caf::actor_system& sys, folder_model_config config,
                                      hub_api_factory hub, hasher_actor hasher,
                                      uploader_actor uploader, downloader_actor downloader,
                                      prefetcher_actor prefetcher = {});

}  // namespace syncer
