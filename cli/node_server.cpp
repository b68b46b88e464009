#include "cli/node_server.h"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <caf/all.hpp>

#include "actors/client_registry.h"
#include "actors/conflict_resolver.h"
#include "actors/device_registry.h"
#include "actors/file_store.h"
#include "actors/janitor.h"
#include "actors/log.h"
#include "net/http_server.h"
#include "cli/admin_files.h"
#include "cli/shutdown.h"
#include "storage/device_identity.h"

namespace syncer {

int run_server_node(const server_config& config, bool verbose) {
  log::set_verbose(verbose);
  // Shutdown signals are taken synchronously on this thread (see below);
  // block them before any other thread exists so none of them gets one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::error_code ec;
  // The hub clears its own temp folder at start, so it must never take a
  // folder that is not its own: a non-empty folder without syncer's marker
  // (or, from before the marker, without meta.db) is refused. `--data-dir ~`
  // would otherwise have wiped ~/tmp.
  namespace fs = std::filesystem;
  const std::string marker = config.data_dir + "/SYNCER-DATA-DIR";
  bool has_marker = fs::exists(marker, ec), has_db = fs::exists(config.data_dir + "/meta.db", ec);
  bool empty = !fs::exists(config.data_dir, ec) || fs::is_empty(config.data_dir, ec);
  if (!has_marker && !has_db && !empty) {
    log::error("server", "refusing to use " + config.data_dir +
                             " as the data dir: it is not empty and holds no syncer data (choose an empty or new "
                             "folder, e.g. --data-dir ./syncer-data)");
    return 1;
  }
  std::filesystem::create_directories(config.data_dir + "/tmp", ec);
  if (!ec && !has_marker) {
    std::ofstream(marker) << "This folder is a syncer hub's data dir (meta.db, objects/, tmp/). Do not edit it by hand.\n";
  }
  if (ec) {
    log::error("server", "cannot create data dir " + config.data_dir + ": " + ec.message());
    return 1;
  }
  std::string id_error;
  auto identity = load_or_create_identity(config.data_dir, &id_error);
  if (!identity) {
    log::error("server", id_error);
    return 1;
  }
  log::info("server", "device ID " + identity->device_id);
  bool tls = server_tls_enabled(config);
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  // Workers sleep on a condition variable when idle. CAF's default
  // work-stealing workers poll (spinning, then waking every 50 us), which
  // on a 2-core machine took up to 0.1 s of CPU per node per second of
  // sync away from the hashing and I/O.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system system{cfg};
  auto resolver = spawn_conflict_resolver(system);
  auto registry = spawn_client_registry(system);
  file_store_actor store;
  device_registry_actor devices;
  try {
    store = spawn_file_store(system, file_store_config{config.data_dir, config.retention}, resolver, registry);
    devices = spawn_device_registry(system, config.data_dir + "/devices.db", config.auto_accept);
  } catch (const std::exception& e) {
    log::error("server", e.what());
    for (auto h : {caf::actor_cast<caf::actor>(store), caf::actor_cast<caf::actor>(resolver),
                   caf::actor_cast<caf::actor>(registry)})
      if (h) caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    return 1;
  }
  auto objects = spawn_object_io(system, object_io_config{config.data_dir});
  janitor_config jc;
  jc.policy = config.retention;
  jc.interval_ns = config.janitor_interval_ns;
  auto janitor = spawn_janitor(system, jc, store);
  auto stop_actors = [&] {
    for (auto h : {caf::actor_cast<caf::actor>(janitor), caf::actor_cast<caf::actor>(store),
                   caf::actor_cast<caf::actor>(resolver), caf::actor_cast<caf::actor>(registry),
                   caf::actor_cast<caf::actor>(objects), caf::actor_cast<caf::actor>(devices)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  };

  http_server server(system);
  server.set_inspect_targets("server", {{"client-registry", caf::actor_cast<caf::actor>(registry)},
                                       {"conflict-resolver", caf::actor_cast<caf::actor>(resolver)},
                                       {"file-store", caf::actor_cast<caf::actor>(store)},
                                       {"object-io", caf::actor_cast<caf::actor>(objects)},
                                       {"janitor", caf::actor_cast<caf::actor>(janitor)},
                                       {"device-registry", caf::actor_cast<caf::actor>(devices)}});
  hub_edge_config edge;
  edge.store = store;
  edge.registry = registry;
  edge.objects = objects;
  edge.janitor = janitor;
  edge.upload_temp_dir = config.data_dir + "/tmp";
  edge.objects_dir = config.data_dir + "/objects";
  edge.max_upload_bytes = config.max_upload_bytes;
  edge.max_json_bytes = config.max_json_bytes;
  edge.api_keys = config.api_keys;
  edge.max_connections = config.max_connections;
  edge.max_connections_per_address = config.max_connections_per_address;
  edge.devices = devices;
  edge.body_timeout_ns = config.body_timeout_ns;
  edge.max_auth_failures = config.max_auth_failures;
  server.enable_hub(edge);
  std::string error;
  if (tls && !server.enable_tls(identity->cert_file, identity->key_file, &error)) {
    log::error("server", error);
    stop_actors();
    system.await_all_actors_done();
    exit_after_shutdown(1);
  }
  auto port = server.start(config.host, config.port, config.io_threads, &error);
  if (!port) {
    log::error("server", error);
    server.stop();
    stop_actors();
    system.await_all_actors_done();
    exit_after_shutdown(1);
  }
  log::info("server", std::string("listening on ") + (tls ? "https://" : "http://") + config.host + ":" +
                          std::to_string(*port) + " (data dir " + config.data_dir +
                          (tls ? ", TLS 1.3, accepted devices only" : ", plain HTTP") +
                          (config.auto_accept ? ", auto_accept" : "") +
                          (config.api_keys.empty() ? ", no API keys" : tls ? ", API keys pair devices" : ", API keys required") + ")");
  // The local admin endpoint (syncer devices, syncer inspect --data-dir).
  std::string token = admin_token(config.data_dir, &error);
  auto admin_port = token.empty() ? std::nullopt : server.start_hub_admin(0, token, &error);
  if (admin_port) {
    write_admin_port(config.data_dir, *admin_port);
    log::info("server", "admin endpoint on http://127.0.0.1:" + std::to_string(*admin_port) + " (syncer devices)");
  } else {
    log::warn("server", "no admin endpoint: " + error);
  }
  int sig = 0;
  sigwait(&signals, &sig);
  log::info("server", std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + "; shutting down");
  // A commit in progress (hashing a big upload) finishes first; should it
  // take too long, leave anyway: objects and metadata are crash-safe.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(10));
    log::warn("server", "shutdown took over 10 s; abandoning in-flight work");
    exit_after_shutdown(0);
  }).detach();
  server.stop();
  remove_admin_port(config.data_dir);
  stop_actors();
  system.await_all_actors_done();
  log::info("server", "stopped");
  exit_after_shutdown(0);
}

}  // namespace syncer
