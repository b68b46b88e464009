#include "net/client/simple_http.h"

#include <chrono>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/client/hub_tls.h"
#include "net/tls/edge_stream.h"

namespace syncer {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

simple_response http_request(const std::string& host, uint16_t port, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers, int timeout_ms,
                             const hub_address* tls) {
  simple_response out;
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream tcp(io);
    auto deadline = std::chrono::milliseconds(timeout_ms);
    beast::error_code ec;
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) {
      out.error = "cannot resolve " + host + ": " + ec.message();
      return out;
    }
    // Async operations with a deadline, driven to completion by run().
    tcp.expires_after(deadline);
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "syncer-cli");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    std::optional<edge::edge_stream> stream;
    auto exchange = [&] {
      http::async_write(*stream, req, [&](beast::error_code e2, size_t) {
        if (e2) {
          ec = e2;
          return;
        }
        http::async_read(*stream, buffer, res, [&](beast::error_code e3, size_t) { ec = e3; });
      });
    };
    std::string refused;
    tcp.async_connect(endpoints, [&](beast::error_code e, auto) {
      if (e) {
        ec = e;
        return;
      }
      if (!tls || !tls->tls) {
        stream.emplace(std::move(tcp));
        return exchange();
      }
      auto ctx = edge::client_tls_context(*tls, &refused);
      if (!ctx) return;
      auto s = std::make_unique<edge::tls_stream>(std::move(tcp), *ctx);
      auto* raw = s.get();
      stream.emplace(std::move(s));
      raw->async_handshake(asio::ssl::stream_base::client, [&, raw](beast::error_code e2) {
        if (e2) {
          ec = e2;
          return;
        }
        if (!edge::check_hub_identity(raw->native_handle(), *tls, &refused)) return;
        exchange();
      });
    });
    io.run();
    if (!refused.empty()) {
      out.error = refused;
      return out;
    }
    if (ec) {
      out.error = std::string("cannot reach ") + (tls && tls->tls ? "https://" : "http://") + host + ":" + std::to_string(port) + ": " + ec.message();
      return out;
    }
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    beast::error_code ignored;
    stream->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  } catch (const std::exception& e) {
    out.status = 0;
    out.error = e.what();
  }
  return out;
}

}  // namespace syncer
