#include "net/server/http_session.h"

#include <cstring>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "actors/log.h"
#include "actors/rules/path_rules.h"
#include "net/body/body_limit.h"
#include "net/json.h"
#include "net/server/ask.h"
#include "net/server/request_parts.h"
#include "net/server/websocket_session.h"

namespace syncer::edge {

namespace {
// Key comparison in constant time: both sides are hashed first, so
// neither the position of the first differing byte nor the key's length
// shows in the time taken; every configured key is compared.
bool key_matches(const std::vector<std::string>& keys, const std::string& given) {
  unsigned char given_hash[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), given_hash);
  bool any = false;
  for (const auto& k : keys) {
    unsigned char key_hash[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(k.data()), k.size(), key_hash);
    any |= !k.empty() && CRYPTO_memcmp(key_hash, given_hash, sizeof key_hash) == 0;
  }
  return any;
}
// The token of a "Bearer TOKEN" header ("" when it is not one).
std::string bearer(const std::string& header) {
  const std::string prefix = "Bearer ";
  return header.compare(0, prefix.size(), prefix) == 0 ? header.substr(prefix.size()) : std::string();
}
}  // namespace


http_session::http_session(server_ptr server, edge_stream&& stream, bool admin)
    : server_(std::move(server)), stream_(std::move(stream)), admin_(admin) {
  beast::error_code ec;
  auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) address_ = peer.address().to_string();
}

void http_session::shut() {
  if (!stream_.valid()) return;  // handed to a WebSocket session
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void http_session::run() {
  server_->track(shared_from_this());
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
}

void http_session::read_header() {
  header_parser_.emplace();
  header_parser_->header_limit(64 * 1024);
  header_parser_->body_limit(unlimited_body);
  // A request's header must be complete within this long, counted from
  // the end of the previous request: idle keep-alive connections and
  // slowloris clients (a byte now and then) are closed; real clients
  // reconnect when they need to.
  stream_.expires_after(std::chrono::seconds(60));
  http::async_read_header(stream_, buffer_, *header_parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
}

void http_session::on_header(beast::error_code ec) {
  if (ec) {
    if (ec != http::error::end_of_stream) log::debug("http", "reading a request header failed: " + ec.message());
    return close();
  }
  stream_.expires_never();
  auto& req = header_parser_->get();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  auto parts = split_target(std::string(req.target()));
  if (!parts.ok) return reject(400, "the query string has a malformed % escape");
  path_ = parts.path;
  query_ = parts.query;
  method_ = req.method();

  admit();
}

void http_session::admit() {
  auto& req = header_parser_->get();
  if (path_ == "/health") return dispatch();
  if (int wait = server_->auth_blocked(address_))
    return reject(429, "too many failed authentications from " + address_ + "; try again in " + std::to_string(wait) +
                           " s");
  if (admin_) {
    // The admin endpoint's device commands need the token of the data dir.
    if (path_.compare(0, 8, "/devices") == 0 && !server_->admin_token.empty() &&
        !key_matches({server_->admin_token}, bearer(std::string(req[http::field::authorization])))) {
      server_->auth_failed(address_);
      return reject(401, "missing or invalid admin token (syncer devices reads it from the hub's data dir)");
    }
    return dispatch();
  }
  if (stream_.is_tls()) {
    // Devices (§9): a key is optional (a pairing secret at /register), but a wrong one is a failure.
    if (server_->hub && !server_->hub->api_keys.empty() && req.find(http::field::authorization) != req.end() &&
        !has_valid_key(std::string(req[http::field::authorization]))) {
      server_->auth_failed(address_);
      return reject(401, "invalid API key");
    }
    return gate_device();
  }
  if (!authorized(req)) {
    // Only a key that was presented and is wrong counts as a guess; a
    // client that forgot its key is not throttled.
    if (req.find(http::field::authorization) != req.end()) server_->auth_failed(address_);
    return reject(401, "missing or invalid API key");
  }
  dispatch();
}

void http_session::dispatch() {
  auto& req = header_parser_->get();
  if (websocket::is_upgrade(req)) return upgrade();
  if (server_->hub && !admin_ && method_ == http::verb::post && path_ == "/upload") return start_upload();
  // Every other request has at most a JSON body.
  string_parser_.emplace(std::move(*header_parser_));
  uint64_t limit = server_->hub ? server_->hub->max_json_bytes : 1 << 20;
  if (auto len = string_parser_->content_length(); len && *len > limit)
    return reject(413, "request body is larger than the limit of " + std::to_string(limit) + " bytes");
  string_parser_->body_limit(limit);
  read_body(*string_parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec == http::error::body_limit) return self->reject(413, "request body is too large");
    if (ec) {
      log::debug("http", "reading the request body failed: " + ec.message());
      return self->close();
    }
    self->route();
  });
}


bool http_session::has_valid_key(const std::string& authorization) const {
  if (!server_->hub || server_->hub->api_keys.empty()) return false;
  auto key = bearer(authorization);
  return !key.empty() && key_matches(server_->hub->api_keys, key);
}

bool http_session::authorized(const http::request<http::empty_body>& req) const {
  if (!server_->hub || server_->hub->api_keys.empty()) return true;
  return has_valid_key(std::string(req[http::field::authorization]));
}

// Decoded, normalised sync path from a URL suffix or a query value.
std::optional<std::string> http_session::sync_path(const std::string& raw, bool encoded) {
  std::string error;
  auto decoded = encoded ? percent_decode(raw) : std::optional<std::string>(raw);
  if (!decoded) {
    reject(400, "the path has a malformed % escape");
    return std::nullopt;
  }
  auto normal = normalize_sync_path(*decoded, &error);
  if (!normal) {
    reject(400, "invalid path: " + error);
    return std::nullopt;
  }
  if (is_internal_path(*normal)) {
    reject(400, "invalid path: .syncer/ is never synced");
    return std::nullopt;
  }
  return normal;
}

void http_session::route() {
  const auto& p = path_;
  auto is = [&](const char* prefix) { return p.compare(0, std::strlen(prefix), prefix) == 0; };
  if (p == "/health") {
    if (method_ != http::verb::get) return reject(405, "use GET");
    return send_json(200, std::string("{\"status\":\"ok\",\"version\":\"") + SYNCER_VERSION + "\"}");
  }
  if (p == "/inspect") {
    if (method_ != http::verb::get) return reject(405, "use GET");
    return inspect();
  }
  if (admin_) {
    if (p == "/devices" || is("/devices/")) return on_devices();
    return reject(404, "no such endpoint on the admin port: " + p);
  }
  if (!server_->hub) return reject(404, "no such endpoint: " + p);
  // Each route checks its method and answers (routes_*.cpp).
  if (p == "/register") return on_register();
  if (p == "/sync") return on_sync();
  if (p == "/link") return on_link();
  if (is("/dirs/")) return on_make_dir();
  if (is("/files/")) return on_delete_file();
  if (p == "/files") return on_list_files();
  if (p == "/conflicts") return on_conflicts();
  if (is("/incoming/")) return on_incoming();
  if (is("/download/")) return on_download();
  if (p == "/blocks") return on_blocks();
  if (p == "/delta") return on_delta();
  if (p == "/batch") return on_batch();
  if (p == "/objects") return on_objects();
  if (p == "/history" || is("/history/")) return on_history();
  if (p == "/restore") return on_restore();
  if (is("/version/")) return on_version();
  if (p == "/gc") return on_gc();
  if (p == "/store") return on_store();
  if (is("/ws/")) return reject(400, "this endpoint needs a WebSocket upgrade");
  return reject(404, "no such endpoint: " + p);
}

std::function<void(const std::string&)> http_session::hub_did_not_answer() {
  auto self = shared_from_this();
  return [self](const std::string& msg) { self->reject(503, "the hub did not answer: " + msg, false); };
}

void http_session::upgrade() {
  if (!server_->hub) return reject(404, "no WebSocket endpoint here");
  if (path_.compare(0, 4, "/ws/") != 0) return reject(404, "no WebSocket endpoint at " + path_);
  auto id = percent_decode(path_.substr(4)).value_or("");
  if (!valid_client_id(id)) return reject(400, "invalid client id");
  if (stream_.is_tls() && id != own_client_id())
    return reject(403, "the WebSocket of client " + id + " is not this device's (" + own_client_id() + ")");
  bool batch = query_.count("batch") && query_["batch"] != "0" && query_["batch"] != "false";
  auto self = shared_from_this();
  ask<std::optional<client_record>>(
      server_->system, stream_.get_executor(), server_->hub->store,
      std::function<void(std::optional<client_record>&)>([self, id, batch](std::optional<client_record>& c) {
        if (!c) return self->reject(404, "unknown client id '" + id + "'; register first", true);
        if (self->server_->stopping) return self->close();
        auto ws = std::make_shared<ws_session>(self->server_, std::move(self->stream_), id, batch);
        ws->slot = self->slot;  // the connection keeps its place in the limits
        ws->device_id = self->device_id;
        self->server_->track(ws);
        ws->start(self->header_parser_->release());
      }),
      std::function<void(const std::string&)>(
          [self](const std::string& msg) { self->reject(503, "the hub did not answer: " + msg, true); }),
      client_atom::value, id);
}

std::shared_ptr<http_session::string_response> http_session::make_json(int status, std::string body) {
  auto res = std::make_shared<string_response>(static_cast<http::status>(status), version_);
  res->set(http::field::server, "syncer");
  res->set(http::field::content_type, "application/json");
  res->body() = std::move(body);
  res->prepare_payload();
  res->keep_alive(keep_alive_ && !force_close_);
  return res;
}

void http_session::send_json(int status, std::string body) { write(make_json(status, std::move(body))); }

void http_session::reject(int status, const std::string& message, bool body_unread) {
  if (body_unread) force_close_ = true;
  if (status >= 500) log::warn("http", path_ + ": " + message);
  else log::debug("http", path_ + ": " + std::to_string(status) + " " + message);
  send_json(status, json::error_body(message));
}

void http_session::reset() {
  string_parser_.reset();
  file_parser_.reset();
  header_parser_.reset();
  force_close_ = false;
}

void http_session::linger() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(std::chrono::seconds(2));
  drain_block_.resize(64 * 1024);
  drain_next(0);
}

void http_session::drain_next(uint64_t drained) {
  stream_.async_read_some(asio::buffer(drain_block_),
                          [self = shared_from_this(), drained](beast::error_code ec, size_t n) {
                            if (ec || drained + n > (64u << 20)) return self->close();
                            self->drain_next(drained + n);
                          });
}

void http_session::close() {
  if (!stream_.valid()) return;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
}

}  // namespace syncer::edge
