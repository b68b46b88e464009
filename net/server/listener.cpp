// The listener and the public http_server API (net/http_server.h):
// binding, the accept loop that starts one http_session per connection,
// the I/O threads, and stop(), which closes every connection and ends the
// session sinks so the actor system can shut down.
#include <unistd.h>

#include <chrono>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <caf/all.hpp>

#include "net/server/http_session.h"
#include "net/server/listener.h"
#include "net/server/tls_accept.h"
#include "net/tls/tls_context.h"

namespace syncer {

using tcp = boost::asio::ip::tcp;
namespace asio = boost::asio;
namespace beast = boost::beast;

std::shared_ptr<void> http_server::impl::take_slot(const std::string& address) {
  std::lock_guard<std::mutex> lock(slots_mutex);
  auto& from_address = open_by_address[address];
  if (open_connections >= max_connections || from_address >= max_connections_per_address) {
    if (from_address == 0) open_by_address.erase(address);
    return nullptr;
  }
  ++open_connections;
  ++from_address;
  // Released when the last session holding it goes.
  struct slot_token {
    std::weak_ptr<impl> server;
    std::string address;
    ~slot_token() {
      if (auto self = server.lock()) {
        std::lock_guard<std::mutex> lock(self->slots_mutex);
        --self->open_connections;
        auto it = self->open_by_address.find(address);
        if (it != self->open_by_address.end() && --it->second == 0) self->open_by_address.erase(it);
      }
    }
  };
  auto token = std::make_shared<slot_token>();  // built in place: a copy's destructor would release it
  token->server = shared_from_this();
  token->address = address;
  return token;
}

namespace {

// One accept loop: `admin` connections (the hub's local admin listener)
// are plain HTTP; the sync port's start with a TLS handshake when TLS is on.
void accept_on(const std::shared_ptr<http_server::impl>& server, tcp::acceptor& acceptor, bool admin) {
  acceptor.async_accept(asio::make_strand(server->io), [self = server, &acceptor, admin](beast::error_code ec,
                                                                                         tcp::socket socket) {
    if (self->stopping) return;
    if (ec) {
      // EMFILE, ENFILE, ENOBUFS...: accepting again at once would spin.
      // Back off 10 ms doubling to 1 s; the connections already open go on.
      if (ec == asio::error::operation_aborted) return;
      int shift = std::min(self->accept_failures++, 7);
      auto delay = std::chrono::milliseconds(std::min(1000, 10 << shift));
      auto again = [self, &acceptor, admin](beast::error_code wait_ec) {
        if (!wait_ec && !self->stopping) accept_on(self, acceptor, admin);
      };
      if (!admin) {  // stop() cancels this one
        self->accept_timer.expires_after(delay);
        self->accept_timer.async_wait(again);
      } else {
        auto timer = std::make_shared<asio::steady_timer>(self->io, delay);
        timer->async_wait([timer, again](beast::error_code e) { again(e); });
      }
      return;
    }
    self->accept_failures = 0;
    beast::error_code addr_ec;
    auto peer = socket.remote_endpoint(addr_ec);
    auto slot = addr_ec ? nullptr : self->take_slot(peer.address().to_string());
    if (!slot) {
      ++self->refused_connections;
      socket.close(addr_ec);  // over a limit: closed before anything is read
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      if (!admin && self->tls) {
        edge::start_tls_session(self, std::move(socket), std::move(slot));
      } else {
        auto session = std::make_shared<edge::http_session>(self, edge::edge_stream(beast::tcp_stream(std::move(socket))),
                                                            admin);
        session->slot = std::move(slot);
        session->run();
      }
    }
    accept_on(self, acceptor, admin);
  });
}

}  // namespace

void http_server::impl::accept() { accept_on(shared_from_this(), acceptor, false); }
void http_server::impl::accept_admin() { accept_on(shared_from_this(), admin_acceptor, true); }

void http_server::impl::close_device(const std::string& device_id) {
  std::vector<std::shared_ptr<edge::connection>> doomed;
  {
    std::lock_guard<std::mutex> lock(connections_mutex);
    for (auto& w : connections)
      if (auto c = w.lock(); c && c->device_id == device_id) doomed.push_back(std::move(c));
  }
  for (auto& c : doomed) c->shut();
}

int http_server::impl::auth_blocked(const std::string& address) {
  std::lock_guard<std::mutex> lock(auth_mutex);
  auto it = failed_auth.find(address);
  if (it == failed_auth.end()) return 0;
  auto now = std::chrono::steady_clock::now();
  if (it->second.blocked_until > now)
    return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(it->second.blocked_until - now).count()) + 1;
  return 0;
}

void http_server::impl::auth_failed(const std::string& address) {
  std::lock_guard<std::mutex> lock(auth_mutex);
  auto now = std::chrono::steady_clock::now();
  // Forget addresses quiet for a minute, so the map stays small.
  if (failed_auth.size() > 4096)
    for (auto it = failed_auth.begin(); it != failed_auth.end();)
      it = now - it->second.window_start > std::chrono::minutes(1) && it->second.blocked_until < now
               ? failed_auth.erase(it)
               : std::next(it);
  auto& f = failed_auth[address];
  if (now - f.window_start > std::chrono::minutes(1)) {
    f.window_start = now;
    f.count = 0;
  }
  uint64_t limit = hub ? hub->max_auth_failures : 30;
  if (++f.count >= limit) {
    f.blocked_until = now + std::chrono::minutes(1);
    f.count = 0;
    f.window_start = now;
  }
}

http_server::http_server(caf::actor_system& system) : impl_(std::make_shared<impl>(system)) {}

http_server::~http_server() { stop(); }

void http_server::set_inspect_targets(std::string role, std::vector<std::pair<std::string, caf::actor>> targets) {
  impl_->role = std::move(role);
  impl_->targets = std::move(targets);
}

void http_server::enable_hub(hub_edge_config config) {
  impl_->max_connections = std::max<size_t>(1, config.max_connections);
  impl_->max_connections_per_address = std::max<size_t>(1, config.max_connections_per_address);
  impl_->temp_prefix = config.upload_temp_dir + "/edge-" + std::to_string(::getpid()) + "-";
  impl_->hub = std::move(config);
}

bool http_server::enable_tls(const std::string& cert_file, const std::string& key_file, std::string* error) {
  impl_->tls = edge::make_tls_context(true, cert_file, key_file, error);
  return impl_->tls != nullptr;
}

std::optional<uint16_t> http_server::start_hub_admin(uint16_t port, std::string token, std::string* error) {
  try {
    impl_->admin_token = std::move(token);
    tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), port};
    beast::error_code ec;
    impl_->admin_acceptor.open(endpoint.protocol());
    impl_->admin_acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->admin_acceptor.bind(endpoint, ec);
    if (ec) {
      if (error) *error = "cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + ec.message();
      return std::nullopt;
    }
    impl_->admin_acceptor.listen();
    auto bound = impl_->admin_acceptor.local_endpoint().port();
    asio::post(impl_->io, [s = impl_] { s->accept_admin(); });
    return bound;
  } catch (const std::exception& e) {
    if (error) *error = std::string("cannot open the admin endpoint: ") + e.what();
    return std::nullopt;
  }
}

std::optional<uint16_t> http_server::start(const std::string& host, uint16_t port, int threads, std::string* error) {
  try {
    beast::error_code ec;
    auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (ec) {
      if (error) *error = "cannot listen on " + host + ":" + std::to_string(port) + ": not an IP address";
      return std::nullopt;
    }
    tcp::endpoint endpoint{address, port};
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint, ec);
    if (ec) {
      if (error) *error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
      return std::nullopt;
    }
    impl_->acceptor.listen(asio::socket_base::max_listen_connections);
    auto bound = impl_->acceptor.local_endpoint().port();
    impl_->accept();
    for (int i = 0; i < std::max(1, threads); ++i) {
      ++impl_->running_threads;
      impl_->threads.emplace_back([s = impl_.get()] {
        s->io.run();
        --s->running_threads;
      });
    }
    return bound;
  } catch (const std::exception& e) {
    if (error) *error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + e.what();
    return std::nullopt;
  }
}

void http_server::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  asio::post(impl_->io, [s = impl_] {
    beast::error_code ec;
    s->acceptor.close(ec);
    s->admin_acceptor.close(ec);
    s->accept_timer.cancel();
  });
  // Closed connections finish their handlers with an error and the I/O
  // threads run out of work; a connection accepted in the meantime (or a
  // stuck one) only delays this by the bounded wait below.
  for (auto& c : impl_->live_connections()) c->shut();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (impl_->running_threads > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl_->io.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
  {
    std::lock_guard<std::mutex> lock(impl_->sinks_mutex);
    for (auto& sink : impl_->sinks) caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
    impl_->sinks.clear();
  }
  // No I/O thread runs any more: handlers still queued (answers that came
  // back after the threads ended) must not keep actors alive.
  impl_->hub.reset();
  impl_->targets.clear();
}

}  // namespace syncer
