// The HTTP + WebSocket edge of a node (Boost.Beast, kept inside the .cpp).
// It translates requests to typed actor messages and back; it holds no
// sync logic. A hub serves every endpoint of docs/api.md; a client serves
// only GET /health and GET /inspect on 127.0.0.1 (its admin endpoint).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/client_registry.h"
#include "actors/device_registry.h"
#include "actors/file_store.h"
#include "actors/janitor.h"
#include "actors/object_io.h"

namespace syncer {

struct hub_edge_config {
  file_store_actor store;
  client_registry_actor registry;
  janitor_actor janitor;        // POST /gc, GET /store (unset: 503)
  object_io_actor objects;      // blocks, deltas, POST /objects, batch temp files
  std::string upload_temp_dir;  // inside the data dir (same file system as objects/)
  std::string objects_dir;      // <data dir>/objects: POST /objects reads it directly (immutable files)
  uint64_t max_upload_bytes = 64ull << 30;
  uint64_t max_json_bytes = 256ull << 20;
  std::vector<std::string> api_keys;  // empty = no auth
  // Edge limits (docs/security.md): open connections in all and from one
  // peer address; a connection over either is closed at once.
  size_t max_connections = 1024;
  size_t max_connections_per_address = 512;
  // Devices (§9): who may use the sync port when it speaks TLS.
  device_registry_actor devices;
  // A request body that stops arriving for this long closes its
  // connection (slowloris bodies); counted per read, not per body.
  int64_t body_timeout_ns = 60'000'000'000;
  // Failed authentications from one address within a minute before that
  // address is answered 429 for a minute.
  uint64_t max_auth_failures = 30;
};

class http_server {
 public:
  explicit http_server(caf::actor_system& system);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // What GET /inspect reports: {"node": role, "actors": [...]} in this order.
  void set_inspect_targets(std::string role, std::vector<std::pair<std::string, caf::actor>> targets);
  // Turns on the hub endpoints.
  void enable_hub(hub_edge_config config);

  // Listens and serves on `threads` I/O threads; returns the bound port
  // (useful with port 0), or nullopt + one sentence in `error`.
  std::optional<uint16_t> start(const std::string& host, uint16_t port, int threads, std::string* error);
  std::optional<uint16_t> start_admin(const std::string& host, uint16_t port, std::string* error) {
    return start(host, port, 1, error);
  }
  // TLS 1.3 with client certificates on the port start() opens (hub,
  // §9): it then speaks TLS only. false + one sentence on failure.
  bool enable_tls(const std::string& cert_file, const std::string& key_file, std::string* error);
  // The hub's local admin endpoint (plain HTTP on 127.0.0.1, after
  // start()): /health, /inspect and /devices for `syncer devices`, the
  // latter only with `token` as a Bearer key. Returns the bound port.
  std::optional<uint16_t> start_hub_admin(uint16_t port, std::string token, std::string* error);
  // Stops accepting, closes every connection, joins the I/O threads.
  void stop();

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace syncer
