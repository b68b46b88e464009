// Internal to net/server/*.cpp: the state of one http_server (the public
// net/http_server.h keeps it opaque), which the listener, the HTTP
// sessions and the WebSocket sessions share. It owns the io_context, the
// acceptor and the I/O threads, the node's configuration (inspect targets,
// hub endpoints), the hub's streaming-upload registry and recent caches,
// and the list of live connections and session sinks that stop() closes.
// It pulls in Asio, so no public header may include it.
#pragma once

#include <algorithm>
#include <chrono>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "net/http_server.h"
#include "net/server/incoming_registry.h"

namespace boost::asio::ssl {
class context;
}

namespace syncer {

namespace edge {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// An open connection (HTTP or WebSocket) that stop() can close from its
// own thread: the close is posted to the connection's strand.
struct connection {
  virtual ~connection() = default;
  virtual void shut() = 0;
  // The connection's place in the edge limits: released when the last
  // session holding it (HTTP, then WebSocket after an upgrade) ends.
  std::shared_ptr<void> slot;
  // The device ID of the peer's certificate (TLS), else empty.
  std::string device_id;
};

// Failed authentications of one peer address (the throttle).
struct auth_failures {
  uint64_t count = 0;
  std::chrono::steady_clock::time_point window_start, blocked_until;
};

}  // namespace edge

// Ownership: every pending Asio handler holds its session, and every
// session holds this impl, which owns the io_context. stop() closes the
// acceptor and every connection so the handlers finish and that cycle
// unwinds; what is still queued after that is released by dropping the
// actor handles here (a leaked handle to the detached file-store would
// make ~actor_system wait forever).
struct http_server::impl : std::enable_shared_from_this<http_server::impl> {
  explicit impl(caf::actor_system& s) : system(s) {}
  caf::actor_system& system;
  edge::asio::io_context io;
  edge::tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::string role = "node";
  std::vector<std::pair<std::string, caf::actor>> targets;
  std::optional<hub_edge_config> hub;
  std::atomic<uint64_t> temp_counter{0};
  std::string temp_prefix;  // upload_temp_dir + "/edge-<pid>-", set when the hub edge starts
  std::atomic<bool> stopping{false};
  edge::incoming_registry incoming;

  // A fresh temp file name in the hub's upload_temp_dir (hub edge only).
  std::string new_temp_file() { return temp_prefix + std::to_string(temp_counter++); }
  // The file of object `sha256` in the hub's object store (hub edge only).
  std::string object_file(const std::string& sha256) const {
    return hub->objects_dir + "/" + sha256.substr(0, 2) + "/" + sha256;
  }

  // Session sinks are event-based actors that would keep the actor system
  // alive after stop(): stop() ends them explicitly.
  std::mutex sinks_mutex;
  std::vector<caf::actor> sinks;
  std::mutex connections_mutex;
  std::vector<std::weak_ptr<edge::connection>> connections;
  std::atomic<int> running_threads{0};

  // Edge limits: open connections in all and per peer address (set from
  // hub_edge_config; the client's admin endpoint keeps the defaults), and
  // the accept loop's back-off after errors such as EMFILE.
  size_t max_connections = 1024;
  size_t max_connections_per_address = 512;
  std::mutex slots_mutex;
  size_t open_connections = 0;
  std::unordered_map<std::string, size_t> open_by_address;
  std::atomic<uint64_t> refused_connections{0};
  int accept_failures = 0;
  edge::asio::steady_timer accept_timer{io};
  // A slot for a new connection from `address`, or nullptr when a limit is
  // reached.
  std::shared_ptr<void> take_slot(const std::string& address);

  void accept();

  // TLS (hub, §9): set by enable_tls; every connection of `acceptor` then
  // starts with a TLS handshake (tls_accept.cpp).
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::atomic<uint64_t> tls_handshake_failures{0};
  // The hub's local admin listener (plain, 127.0.0.1) and its token.
  edge::tcp::acceptor admin_acceptor{io};
  std::string admin_token;
  void accept_admin();
  // Bumped whenever a device is accepted, paired or removed: sessions that
  // cached their device's state ask again.
  std::atomic<uint64_t> device_generation{0};
  // Closes every open connection of a device (it was removed).
  void close_device(const std::string& device_id);

  // Failed-auth throttle per peer address (max_auth_failures a minute).
  std::mutex auth_mutex;
  std::unordered_map<std::string, edge::auth_failures> failed_auth;
  // Seconds the address must wait, 0 when it may try.
  int auth_blocked(const std::string& address);
  void auth_failed(const std::string& address);

  void track(const std::shared_ptr<edge::connection>& c) {
    std::lock_guard<std::mutex> lock(connections_mutex);
    if (connections.size() >= 64 && connections.size() == connections.capacity())  // prune before growing
      connections.erase(std::remove_if(connections.begin(), connections.end(),
                                       [](const std::weak_ptr<edge::connection>& w) { return w.expired(); }),
                        connections.end());
    connections.push_back(c);
  }

  std::vector<std::shared_ptr<edge::connection>> live_connections() {
    std::lock_guard<std::mutex> lock(connections_mutex);
    std::vector<std::shared_ptr<edge::connection>> out;
    for (auto& w : connections)
      if (auto c = w.lock()) out.push_back(std::move(c));
    connections.clear();
    return out;
  }
};

namespace edge {
using server_ptr = std::shared_ptr<http_server::impl>;
}  // namespace edge

}  // namespace syncer
