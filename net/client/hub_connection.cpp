#include "net/client/hub_connection.h"

#include <unistd.h>

#include <boost/asio/connect.hpp>

#include "net/body/hashing_file_body.h"
#include "net/client/hub_tls.h"

namespace syncer::edge {

void hub_connection::run() {
  io_.restart();
  io_.run();
}

bool hub_connection::connect(raw_reply* r) {
  if (stream_) return true;
  beast::error_code ec;
  tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(address_.host, std::to_string(address_.port), ec);
  if (ec) {
    r->status = 0;
    r->error = "cannot resolve hub " + address_.host + ": " + ec.message();
    return false;
  }
  beast::tcp_stream tcp(io_);
  tcp.expires_after(connect_timeout);
  tcp.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  run();
  if (ec) {
    r->status = 0;
    r->error = "cannot reach the hub at " + address_.host + ":" + std::to_string(address_.port) + ": " + ec.message();
    return false;
  }
  tcp.socket().set_option(tcp::no_delay(true), ec);
  if (!address_.tls) {
    stream_.emplace(std::move(tcp));
    return true;
  }
  std::string error;
  auto ctx = client_tls_context(address_, &error);
  if (!ctx) {
    r->status = hub_identity_refused;
    r->error = error;
    return false;
  }
  auto tls = std::make_unique<tls_stream>(std::move(tcp), *ctx);
  // In TLS 1.3 the handshake succeeds even when the hub will refuse this
  // certificate: the refusal (403 from the device gate) comes with the first answer.
  tls->async_handshake(boost::asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
  run();
  if (ec) {
    r->status = 0;
    r->error = "TLS handshake with the hub at " + address_.host + ":" + std::to_string(address_.port) +
               " failed: " + ec.message() + " (does the hub have tls: on?)";
    return false;
  }
  if (!check_hub_identity(tls->native_handle(), address_, &error)) {
    r->status = hub_identity_refused;
    r->error = error;
    return false;
  }
  beast::get_lowest_layer(*tls).expires_never();
  stream_.emplace(std::move(tls));
  return true;
}

void hub_connection::drop_connection() {
  if (!stream_) return;
  beast::error_code ec;
  stream_->socket().close(ec);
  stream_.reset();
  buffer_.clear();
}

raw_reply hub_connection::call(http::verb verb, const std::string& target, const std::string& body,
                               const header_list& headers, const char* content_type) {
  raw_reply r;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = stream_.has_value();
    if (!connect(&r)) return r;
    // The body is sent from the caller's string, not copied: /sync and
    // /batch bodies are MiBs.
    http::request<http::span_body<const char>> req{verb, target, 11};
    decorate(req, headers);
    if (!body.empty()) {
      req.set(http::field::content_type, content_type);
      req.body() = {body.data(), body.size()};
    }
    req.prepare_payload();
    if (exchange(req, &r, transfer_timeout(body.size()))) return r;
    if (!reused) return r;  // a fresh connection failed: the hub is away
  }
  return r;
}

bool hub_connection::fetch(http::request<http::empty_body>& req, const std::string& expected_sha256,
                           const std::string& dest_file, raw_reply* r, std::string* whole_sha256) {
  beast::error_code ec;
  stream_->expires_after(io_timeout);
  http::async_write(*stream_, req, [&](beast::error_code e, size_t) { ec = e; });
  run();
  http::response_parser<http::empty_body> header;
  header.body_limit(max_download_bytes);
  if (!ec) {
    http::async_read_header(*stream_, buffer_, header, [&](beast::error_code e, size_t) { ec = e; });
    run();
  }
  if (ec) {
    drop_connection();
    r->status = 0;
    r->error = "lost the connection to the hub: " + ec.message();
    return false;
  }
  int status = static_cast<int>(header.get().result_int());
  r->status = status;
  if (status != 200 && status != 206) {
    http::response_parser<http::string_body> rest{std::move(header)};
    rest.body_limit(max_error_body_bytes);
    stream_->expires_after(io_timeout);
    http::async_read(*stream_, buffer_, rest, [&](beast::error_code e, size_t) { ec = e; });
    run();
    if (ec) drop_connection();
    else r->body = rest.get().body();
    return true;
  }
  std::string etag = std::string(header.get()["X-Sha256"]);
  bool mismatch = !expected_sha256.empty() && !etag.empty() && etag != expected_sha256;
  http::response_parser<hashing_file_body> body{std::move(header)};
  body.body_limit(max_download_bytes);
  body.get().body().file.open(dest_file.c_str(), status == 206 ? beast::file_mode::append : beast::file_mode::write,
                              ec);
  if (ec) {
    drop_connection();
    r->status = 0;
    r->error = "cannot write " + dest_file + ": " + ec.message();
    return true;
  }
  auto length = body.content_length().value_or(0);
  // Beast reads at most the buffer's free capacity per call (512 bytes
  // after a header): room for 256 KiB reads first.
  buffer_.reserve(256 * 1024);
  stream_->expires_after(transfer_timeout(length));
  http::async_read(*stream_, buffer_, body, [&](beast::error_code e, size_t) { ec = e; });
  run();
  beast::error_code close_ec;
  body.get().body().file.close(close_ec);
  if (ec) {
    drop_connection();
    r->status = 0;
    r->error = "download interrupted: " + ec.message();
    return true;  // keep the partial file: the next try resumes with Range
  }
  if (!body.get().keep_alive()) drop_connection();
  if (mismatch) {
    ::unlink(dest_file.c_str());
    r->status = 409;
    r->error = "the hub's content changed during the download";
  } else if (status == 200) {
    *whole_sha256 = body.get().body().hash->hex_digest();
  }
  return true;
}

}  // namespace syncer::edge
