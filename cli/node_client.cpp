#include "cli/node_client.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <caf/all.hpp>

#include "actors/folder_model.h"
#include "actors/prefetcher.h"
#include "actors/log.h"
#include "actors/rules/device_id.h"
#include "actors/rules/ignore.h"
#include "storage/ignore_files.h"
#include "net/client/event_stream.h"
#include "net/client/hub_client.h"
#include "net/http_server.h"
#include "cli/shutdown.h"
#include "storage/client_index.h"
#include "storage/device_identity.h"

namespace syncer {
namespace {

namespace fs = std::filesystem;

// SIGINT/SIGTERM are blocked in every thread and taken with sigtimedwait
// here, so shutdown runs on the main thread in a known order.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Waits up to `ms` for a shutdown signal; true when one arrived.
bool wait_for_signal(int ms) {
  auto set = shutdown_signals();
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

// The id this client has in version vectors: kept in the index, so a
// restart (even offline) keeps it; otherwise asked from the hub, retrying
// with backoff until it answers or we are told to stop.
// With TLS the hub binds the id to this device's certificate
// (`device_client`): an id kept from plain HTTP is registered anew.
std::optional<std::string> obtain_client_id(client_index& index, const client_config& config, hub_api& hub,
                                           const std::string& device_client, bool* refused) {
  auto stored = index.get_meta("client_id");
  auto stored_name = index.get_meta("client_name");
  if (stored && !stored->empty() && stored_name == config.client_name &&
      (device_client.empty() || *stored == device_client))
    return stored;
  int backoff_ms = 100;
  for (;;) {
    std::string id;
    auto reply = hub.register_client(config.client_name, &id);
    if (reply.ok() && !id.empty()) {
      index.set_meta("client_id", id);
      index.set_meta("client_name", config.client_name);
      log::info("client", "registered as '" + config.client_name + "' with id " + id);
      return id;
    }
    // A wrong API key, or a hub that is not the one this client trusts
    // (pinned or recorded ID, net/client/hub_tls.h): no retry cures either.
    if (reply.kind == error_kind::unauthorized) {
      *refused = true;
      log::error("client", "cannot sync with the hub: " + reply.error);
      return std::nullopt;
    }
    log::warn("client", "cannot register with the hub at " + config.server_host + ":" +
                            std::to_string(config.server_port) + " (" +
                            (reply.error.empty() ? std::string(to_string(reply.kind)) : reply.error) +
                            "); retrying in " + std::to_string(backoff_ms) + " ms");
    if (wait_for_signal(backoff_ms)) return std::nullopt;
    backoff_ms = std::min(backoff_ms * 2, 5000);
  }
}

}  // namespace

int run_client_node(const client_config& config, bool verbose) {
  log::set_verbose(verbose);
  auto set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  std::error_code ec;
  // A config that ran before leaves a note beside itself. If its folder
  // has lost .syncer/ since (a drive not mounted, a folder moved or
  // restored without it), starting would take the folder for a new, empty
  // client: refused instead, before anything is created.
  std::string ran_note = config.config_file + ".state";
  std::string index_file = config.sync_directory + "/.syncer/index.db";
  if (fs::exists(ran_note, ec) && !fs::exists(index_file, ec)) {
    std::ifstream in(ran_note);
    std::string line, noted_dir, noted_id;
    while (std::getline(in, line)) {
      if (line.rfind("sync_directory=", 0) == 0) noted_dir = line.substr(15);
      if (line.rfind("client_id=", 0) == 0) noted_id = line.substr(10);
    }
    if (noted_dir == config.sync_directory) {
      log::error("client", "the sync folder " + config.sync_directory +
                               " has lost its .syncer/ state although this config ran there before (client id " +
                               noted_id + "): check that its drive is mounted and the folder was not moved; to start "
                               "over as a new client, delete " + ran_note);
      return 1;
    }
  }
  fs::create_directories(config.sync_directory + "/.syncer/tmp", ec);
  if (ec) {
    log::error("client", "cannot create " + config.sync_directory + "/.syncer: " + ec.message());
    return 1;
  }
  // Batch downloads' temp files are whole in memory first, so one left by a
  // crash has nothing to resume: remove it; so are prefetches (partial or
  // verified: nothing will ask for them after a restart). Single
  // downloads' <sha>.part files stay a day to resume with Range; older
  // ones (a version nobody will ask for again) go too.
  auto now = fs::file_time_type::clock::now();
  for (const auto& ent : fs::directory_iterator(config.sync_directory + "/.syncer/tmp", ec)) {
    auto name = ent.path().filename().string();
    bool verified = name.size() > 9 && name.compare(name.size() - 9, 9, ".verified") == 0;
    std::error_code time_ec;
    auto written = ent.last_write_time(time_ec);
    bool stale = !time_ec && now - written > std::chrono::hours(24);
    if (name.rfind("batch-", 0) == 0 || name.rfind("prefetch-", 0) == 0 || verified || stale) fs::remove(ent.path(), ec);
  }
  std::string error;
  std::shared_ptr<client_index> index = client_index::open(config.sync_directory + "/.syncer/index.db", &error);
  if (!index) {
    log::error("client", error);
    return 1;
  }
  auto identity = load_or_create_identity(config.sync_directory + "/.syncer", &error);
  if (!identity) {
    log::error("client", error);
    return 1;
  }
  log::info("client", "device ID " + identity->device_id);
  hub_address address{config.server_host, config.server_port, config.api_key};
  address.hub_id_file = config.sync_directory + "/.syncer/hub_id";
  std::string recorded_hub;
  std::ifstream(address.hub_id_file) >> recorded_hub;
  address.tls = client_tls_enabled(config, recorded_hub);
  address.cert_file = identity->cert_file;
  address.key_file = identity->key_file;
  address.server_id = config.server_id;
  if (!address.tls && !config.api_key.empty() && config.server_host != "localhost" &&
      config.server_host.rfind("127.", 0) != 0)
    log::warn("client", "the API key crosses the network in clear (tls: off)");
  auto registration_hub = make_hub_client(address);
  bool refused = false;
  auto client_id = obtain_client_id(*index, config, *registration_hub,
                                    address.tls ? device_client_id(identity->device_id) : std::string(), &refused);
  if (!client_id) return refused ? 1 : 0;  // refused, or stopped while waiting for the hub
  address.client_id = *client_id;
  auto hub_factory = [address] { return make_hub_client(address); };
  {
    std::ofstream note(ran_note, std::ios::trunc);
    note << "# written by syncer: this config has run with the folder below (see docs/sync-semantics.md)\n"
         << "sync_directory=" << config.sync_directory << "\nclient_id=" << *client_id << "\n";
    if (!note) log::warn("client", "cannot write " + ran_note + "; a lost .syncer/ state will not be detected");
  }

  auto matcher = std::make_shared<ignore_matcher>(ignore_files_in(config.sync_directory), config.ignore_patterns);
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  // Workers sleep on a condition variable when idle. CAF's default
  // work-stealing workers poll (spinning, then waking every 50 us), which
  // on a 2-core machine took up to 0.1 s of CPU per node per second of
  // sync away from the hashing and I/O.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system system{cfg};

  auto hasher = spawn_hasher(system, config.sync_directory);
  auto uploader = spawn_uploader(system, config.sync_directory, hub_factory);
  auto downloader = spawn_downloader(system, config.sync_directory, hub_factory);
  folder_model_config fm;
  fm.root = config.sync_directory;
  fm.client_name = config.client_name;
  fm.client_id = *client_id;
  fm.index = index;
  fm.rescan_interval_ns = config.rescan_interval_ns;
  fm.delete_guard.enabled = config.delete_guard;
  fm.is_ignored = [matcher](const std::string& path, bool is_dir) { return matcher->is_ignored(path, is_dir); };
  fm.ignore_rules_changed = [matcher] { matcher->invalidate(); };
  for (const auto& pattern : config.ignore_patterns) fm.ignore_config += pattern + "\n";
  auto prefetcher = spawn_prefetcher(system, config.sync_directory, hub_factory);
  auto model = spawn_folder_model(system, fm, hub_factory, hasher, uploader, downloader, prefetcher);
  index.reset();  // the folder model owns it now
  watcher_config wc;
  wc.root = config.sync_directory;
  wc.skip_dir = [matcher](const std::string& path) { return matcher->is_ignored(path, true); };
  wc.ignore_rules_changed = [matcher] { matcher->invalidate(); };
  auto watcher = spawn_watcher(system, wc, caf::actor_cast<change_sink_actor>(model));

  event_stream events(address, *client_id,
                      event_stream::callbacks{
                          [&system, model] { caf::anon_send(model, online_atom::value); },
                          [&system, model](std::vector<hub_event> evs) {
                            caf::anon_send(model, hub_event_atom::value, std::move(evs));
                          },
                          [&system, model](const std::string&) { caf::anon_send(model, offline_atom::value); },
                      });
  events.start();

  http_server admin(system);
  admin.set_inspect_targets("client", {{"watcher", caf::actor_cast<caf::actor>(watcher)},
                                       {"hasher", caf::actor_cast<caf::actor>(hasher)},
                                       {"uploader", caf::actor_cast<caf::actor>(uploader)},
                                       {"downloader", caf::actor_cast<caf::actor>(downloader)},
                                       {"prefetcher", caf::actor_cast<caf::actor>(prefetcher)},
                                       {"folder-model", caf::actor_cast<caf::actor>(model)}});
  std::string port_file = config.sync_directory + "/.syncer/admin.port";
  auto admin_port = admin.start_admin("127.0.0.1", 0, &error);
  if (admin_port) {
    std::ofstream(port_file) << *admin_port << "\n";
    log::info("client", "admin endpoint on http://127.0.0.1:" + std::to_string(*admin_port) + " (syncer inspect)");
  } else {
    log::warn("client", "no admin endpoint: " + error);
  }
  log::info("client", "'" + config.client_name + "' syncing " + config.sync_directory + " with " +
                          config.server_host + ":" + std::to_string(config.server_port));

  while (!wait_for_signal(1000)) {
  }
  log::info("client", "shutting down");
  // A stuck transfer must not hang the exit: every state on disk is
  // crash-safe (temp files + atomic renames), so abandoning is fine.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(10));
    log::warn("client", "shutdown took over 10 s; abandoning in-flight work");
    std::_Exit(0);
  }).detach();
  events.stop();
  admin.stop();
  fs::remove(port_file, ec);
  for (auto h : {caf::actor_cast<caf::actor>(watcher), caf::actor_cast<caf::actor>(model),
                 caf::actor_cast<caf::actor>(hasher), caf::actor_cast<caf::actor>(uploader),
                 caf::actor_cast<caf::actor>(downloader), caf::actor_cast<caf::actor>(prefetcher)})
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  log::info("client", "stopped");
  exit_after_shutdown(0);
}

}  // namespace syncer
