#include "net/client/event_stream.h"

#include <algorithm>

#include <chrono>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "actors/log.h"
#include "actors/rules/path_rules.h"
#include "net/client/hub_tls.h"
#include "net/json.h"
#include "net/tls/edge_stream.h"

namespace syncer {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct event_stream::impl : std::enable_shared_from_this<event_stream::impl> {
  hub_address address;
  std::string client_id;
  callbacks cb;
  asio::io_context io;
  asio::steady_timer retry_timer{io};
  tcp::resolver resolver{io};
  std::unique_ptr<websocket::stream<edge::edge_stream>> ws;
  beast::flat_buffer buffer;
  std::thread thread;
  std::atomic<bool> is_connected{false};
  bool stopping = false;
  int backoff_ms = 100;

  void connect() {
    if (stopping) return;
    ws.reset();
    resolver.async_resolve(address.host, std::to_string(address.port),
                           [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
                             if (ec) return self->failed("cannot resolve hub: " + ec.message());
                             auto tcp_stream = std::make_shared<beast::tcp_stream>(self->io);
                             tcp_stream->expires_after(std::chrono::seconds(3));
                             tcp_stream->async_connect(results, [self, tcp_stream](beast::error_code ec,
                                                                                   const tcp::endpoint&) {
                               if (ec) return self->failed("cannot reach hub: " + ec.message());
                               if (!self->address.tls) {
                                 self->ws = std::make_unique<websocket::stream<edge::edge_stream>>(
                                     edge::edge_stream(std::move(*tcp_stream)));
                                 return self->handshake();
                               }
                               self->tls_handshake(std::move(*tcp_stream));
                             });
                           });
  }

  // TLS first (WebSocket over TLS: the next layer's handshake, then the upgrade).
  void tls_handshake(beast::tcp_stream&& tcp_stream) {
    std::string error;
    auto ctx = edge::client_tls_context(address, &error);
    if (!ctx) return failed(error);
    auto tls = std::make_shared<std::unique_ptr<edge::tls_stream>>(
        std::make_unique<edge::tls_stream>(std::move(tcp_stream), *ctx));
    (*tls)->async_handshake(boost::asio::ssl::stream_base::client, [self = shared_from_this(), tls](beast::error_code ec) {
      if (ec) return self->failed("TLS handshake failed: " + ec.message());
      std::string why;
      if (!edge::check_hub_identity((*tls)->native_handle(), self->address, &why)) {
        log::error("event-stream", why);  // said every time: this is not a network hiccup
        return self->failed(why);
      }
      self->ws = std::make_unique<websocket::stream<edge::edge_stream>>(edge::edge_stream(std::move(*tls)));
      self->handshake();
    });
  }

  void handshake() {
    beast::get_lowest_layer(*ws).expires_never();
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = std::chrono::seconds(3);
    timeouts.idle_timeout = std::chrono::seconds(20);  // a ping at 10 s; silence → closed
    timeouts.keep_alive_pings = true;
    ws->set_option(timeouts);
    if (!address.api_key.empty())
      ws->set_option(websocket::stream_base::decorator([key = address.api_key](websocket::request_type& req) {
        req.set(beast::http::field::authorization, "Bearer " + key);
      }));
    auto host = address.host + ":" + std::to_string(address.port);
    ws->async_handshake(host, "/ws/" + percent_encode_path(client_id) + "?batch=1", [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->failed("WebSocket handshake failed: " + ec.message());
      self->backoff_ms = 100;
      self->is_connected = true;
      log::info("event-stream", "connected to the hub");
      if (self->cb.on_connected) self->cb.on_connected();
      self->read();
    });
  }

  void read() {
    ws->async_read(buffer, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->failed("connection lost: " + ec.message());
      auto text = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      std::string error;
      auto events = json::parse_events(text, &error);
      if (!events) {
        log::warn("event-stream", "ignoring a malformed event: " + error);
      } else {
        events->erase(std::remove_if(events->begin(), events->end(),
                                     [](const hub_event& ev) {
                                       return ev.type != "file_changed" && ev.type != "file_deleted" &&
                                              ev.type != "file_incoming";
                                     }),
                      events->end());
        if (!events->empty() && self->cb.on_events) self->cb.on_events(std::move(*events));
      }
      self->read();
    });
  }

  void failed(const std::string& why) {
    if (stopping) return;
    bool was_connected = is_connected.exchange(false);
    if (was_connected) {
      log::warn("event-stream", why + "; reconnecting");
      if (cb.on_disconnected) cb.on_disconnected(why);
    } else {
      log::debug("event-stream", why + "; retrying in " + std::to_string(backoff_ms) + " ms");
    }
    retry_timer.expires_after(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, 5000);
    retry_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->connect();
    });
  }
};

event_stream::event_stream(hub_address address, std::string client_id, callbacks cb)
    : impl_(std::make_shared<impl>()) {
  impl_->address = std::move(address);
  impl_->client_id = std::move(client_id);
  impl_->cb = std::move(cb);
}

event_stream::~event_stream() { stop(); }

void event_stream::start() {
  impl_->connect();
  impl_->thread = std::thread([s = impl_] { s->io.run(); });
}

void event_stream::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [s = impl_] {
    s->stopping = true;
    s->retry_timer.cancel();
    s->resolver.cancel();
    if (s->ws) {
      beast::error_code ec;
      beast::get_lowest_layer(*s->ws).socket().close(ec);
    }
  });
  // Handlers see `stopping` and schedule nothing new; stop() bounds the wait.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (!impl_->io.stopped() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl_->io.stop();
  impl_->thread.join();
}

bool event_stream::connected() const { return impl_->is_connected; }

}  // namespace syncer
