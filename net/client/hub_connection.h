// Internal to net/client/*.cpp: one blocking HTTP/1.1 keep-alive
// connection to the hub, the request plumbing under hub_client. Contract:
// connect() opens it on first use (3 s timeout) and keeps it; a request
// that fails on a reused connection is the caller's cue to try once more
// on a fresh one (the hub may have closed it while idle); any transport
// error drops the connection and answers status 0 with one sentence.
// Bodies are sent from the caller's memory (span) and answers read whole
// into a string, except fetch(), which streams a body into a file and
// hashes it on the way. With address.tls the connection is TLS 1.3 with
// this device's certificate, and a hub other than the trusted one is
// refused (status hub_identity_refused, hub_tls.h). Pulls in Beast.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "actors/hub_api.h"
#include "net/body/body_limit.h"
#include "net/tls/edge_stream.h"

namespace syncer::edge {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto connect_timeout = std::chrono::seconds(3);
constexpr auto io_timeout = std::chrono::seconds(60);

// Time allowed for moving `bytes`: never under a minute, and at least
// 10 MB/s for big bodies, so multi-GiB transfers are not cut off.
inline std::chrono::seconds transfer_timeout(uint64_t bytes) {
  return std::max<std::chrono::seconds>(io_timeout, std::chrono::seconds(bytes / (10 * 1000 * 1000)));
}

struct raw_reply {
  int status = 0;
  std::string body;
  std::string error;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

class hub_connection {
 public:
  explicit hub_connection(hub_address address) : address_(std::move(address)) {}

  // A connection is open (kept from an earlier request).
  bool connected() const { return stream_.has_value(); }
  // Opens the connection unless it is open; false with r->error set when the hub cannot be reached.
  bool connect(raw_reply* r);
  void drop_connection();

  // Host, user agent, keep-alive, API key and `headers` on `req`.
  template <class Request>
  void decorate(Request& req, const header_list& headers) {
    req.set(http::field::host, address_.host + ":" + std::to_string(address_.port));
    req.set(http::field::user_agent, "syncer");
    req.keep_alive(true);
    if (!address_.api_key.empty()) req.set(http::field::authorization, "Bearer " + address_.api_key);
    for (const auto& [k, v] : headers) req.set(k, v);
  }

  // Writes `req`, reads a string response. false when the connection failed.
  template <class Request>
  bool exchange(Request& req, raw_reply* r, std::chrono::seconds write_timeout) {
    beast::error_code ec;
    stream_->expires_after(write_timeout);
    http::async_write(*stream_, req, [&](beast::error_code e, size_t) { ec = e; });
    run();
    if (!ec) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(max_answer_bytes);
      buffer_.reserve(256 * 1024);  // else Beast reads 512 bytes per call (batch answers are MiBs)
      stream_->expires_after(io_timeout);
      http::async_read(*stream_, buffer_, parser, [&](beast::error_code e, size_t) { ec = e; });
      run();
      if (!ec) {
        auto& res = parser.get();
        r->status = static_cast<int>(res.result_int());
        r->body = std::move(res.body());
        r->error.clear();
        if (!res.keep_alive()) drop_connection();
        return true;
      }
    }
    drop_connection();
    r->status = 0;
    r->error = "lost the connection to the hub: " + ec.message();
    return false;
  }

  // One request with a string answer, on the kept connection (re-opened
  // once when it turns out the hub closed it).
  raw_reply call(http::verb verb, const std::string& target, const std::string& body, const header_list& headers,
                 const char* content_type = "application/json");
  // GET with the body streamed into `dest_file` (appended on 206).
  bool fetch(http::request<http::empty_body>& req, const std::string& expected_sha256, const std::string& dest_file,
             raw_reply* r, std::string* whole_sha256);

 private:
  // Runs the io_context until the pending async operation is done.
  void run();

  hub_address address_;
  asio::io_context io_;
  std::optional<edge_stream> stream_;  // plain or TLS (address_.tls)
  beast::flat_buffer buffer_;
};

}  // namespace syncer::edge
