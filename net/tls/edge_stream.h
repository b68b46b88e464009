// Internal to net/*.cpp: the byte stream under an HTTP or WebSocket
// session of the edge, either plain TCP or TLS over TCP, chosen at run
// time per connection. It is an Asio AsyncReadStream/AsyncWriteStream, so
// Beast's http::async_read/async_write and websocket::stream<edge_stream>
// work on it unchanged; the session code (routes_*.cpp) does not know
// which one it has. get_lowest_layer() of it is the beast::tcp_stream
// (time-outs, the socket). Pulls in Beast and Asio SSL.
#pragma once

#include <memory>
#include <utility>

#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace syncer::edge {

namespace beast = boost::beast;

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

class edge_stream {
 public:
  using executor_type = beast::tcp_stream::executor_type;
  using next_layer_type = beast::tcp_stream;

  explicit edge_stream(beast::tcp_stream&& plain) : plain_(std::make_unique<beast::tcp_stream>(std::move(plain))) {}
  explicit edge_stream(std::unique_ptr<tls_stream> tls) : tls_(std::move(tls)) {}
  edge_stream(edge_stream&&) = default;
  edge_stream& operator=(edge_stream&&) = default;

  bool is_tls() const { return tls_ != nullptr; }
  // False once moved from (an HTTP session whose stream a WebSocket took).
  bool valid() const { return plain_ || tls_; }
  tls_stream* tls() { return tls_.get(); }
  beast::tcp_stream& next_layer() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
  beast::tcp_stream& lowest() { return next_layer(); }
  executor_type get_executor() { return lowest().get_executor(); }

  // The tcp_stream's time-outs, which bound TLS records too.
  template <class Duration>
  void expires_after(Duration d) {
    lowest().expires_after(d);
  }
  void expires_never() { lowest().expires_never(); }
  beast::tcp_stream::socket_type& socket() { return lowest().socket(); }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Handler>(handler));
    plain_->async_read_some(buffers, std::forward<Handler>(handler));
  }
  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) return tls_->async_write_some(buffers, std::forward<Handler>(handler));
    plain_->async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<tls_stream> tls_;
};

// WebSocket close over either layer (found by argument-dependent lookup).
inline void teardown(beast::role_type role, edge_stream& s, beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  if (s.tls()) return teardown(role, *s.tls(), ec);
  teardown(role, s.lowest().socket(), ec);
}

template <class Handler>
void async_teardown(beast::role_type role, edge_stream& s, Handler&& handler) {
  using boost::beast::websocket::async_teardown;
  if (s.tls()) return async_teardown(role, *s.tls(), std::forward<Handler>(handler));
  async_teardown(role, s.lowest().socket(), std::forward<Handler>(handler));
}

}  // namespace syncer::edge
