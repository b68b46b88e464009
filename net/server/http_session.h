// Internal to net/server/*.cpp: one HTTP/1.1 connection of a node's edge.
// It reads a request header, checks the API key, then either hands the
// socket to a WebSocket session, streams an upload body into a temp file,
// or reads a JSON body (up to the configured limit) and routes it. Every
// answer is one of send_json / reject / a streamed body; nothing on the
// I/O thread waits for an actor (see ask.h). Keep-alive: the next header
// is read after each answer, unless the request body was left unread (then
// the connection lingers and closes).
//
// The member functions live in one file per responsibility:
//   http_session.cpp     reading headers and bodies, auth, routing, upgrade, answers
//   routes_sync.cpp      /register, /sync, GET /files, /conflicts, /inspect
//   routes_upload.cpp    /upload (whole and delta), /link, PUT /dirs, DELETE /files, /batch
//   routes_download.cpp  /download, /incoming, /blocks, /delta, /objects
//   routes_history.cpp   /history, /version, /restore, /gc, /store
//   routes_devices.cpp   the device gate (TLS, §9) and the admin endpoint's /devices
// The stream is plain TCP or TLS (net/tls/edge_stream.h); on TLS every
// request but GET /health comes from a device the hub has accepted
// (device_id is its certificate's ID), which speaks only for itself.
// Pulls in Beast.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "actors/file_store.h"
#include "net/body/hashing_file_body.h"
#include "net/server/incoming_registry.h"
#include "net/server/listener.h"
#include "net/status_map.h"
#include "net/tls/edge_stream.h"

namespace syncer::edge {

namespace beast = boost::beast;
namespace http = beast::http;

class http_session : public connection, public std::enable_shared_from_this<http_session> {
 public:
  // `admin`: a connection of the hub's local admin listener.
  http_session(server_ptr server, edge_stream&& stream, bool admin);

  void shut() override;
  void run();

 private:
  using string_response = http::response<http::string_body>;

  // ---- http_session.cpp: the request cycle
  void read_header();
  void on_header(beast::error_code ec);

  // Reads the body of the current request. Beast reads from the socket at
  // most the buffer's free capacity (512 bytes after a header), so the
  // buffer gets room for 64 KiB reads first: a 1 GiB upload is then 16K
  // reads, not 2M. A client that sent "Expect: 100-continue" (curl -T,
  // --data-binary @big) gets the interim answer instead of waiting 1 s.
  template <class Parser, class Handler>
  void read_body(Parser& parser, Handler handler) {
    if (!parser.is_done()) buffer_.reserve(256 * 1024);
    if (!beast::iequals(parser.get()[http::field::expect], "100-continue") || parser.is_done())
      return read_body_part(parser, std::move(handler), 0);
    auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, version_);
    http::async_write(stream_, *interim,
                      [self = shared_from_this(), interim, &parser, handler](beast::error_code ec, size_t) mutable {
                        if (ec) return self->close();
                        self->read_body_part(parser, std::move(handler), 0);
                      });
  }
  // The body in parts, each with the body time-out: a body may take as
  // long as it needs while bytes keep coming, but one that stops (a
  // slowloris body) is closed after body_timeout without a byte.
  template <class Parser, class Handler>
  void read_body_part(Parser& parser, Handler handler, size_t total) {
    if (parser.is_done()) {
      stream_.expires_never();
      return handler(beast::error_code{}, total);
    }
    stream_.expires_after(body_timeout());
    http::async_read_some(stream_, buffer_, parser,
                          [self = shared_from_this(), &parser, handler, total](beast::error_code ec, size_t n) mutable {
                            if (ec) {
                              self->stream_.expires_never();
                              return handler(ec, total + n);
                            }
                            self->read_body_part(parser, std::move(handler), total + n);
                          });
  }
  std::chrono::nanoseconds body_timeout() const {
    return std::chrono::nanoseconds(server_->hub ? server_->hub->body_timeout_ns : 60'000'000'000);
  }

  // A valid API key came with the request (always true when none is configured).
  bool authorized(const http::request<http::empty_body>& req) const;
  // An API key is configured and this request carries a valid one.
  bool has_valid_key(const std::string& authorization) const;
  // After the header: auth, the device gate, then the body and the route.
  void admit();
  void dispatch();

  // ---- routes_devices.cpp
  // TLS: the state of this connection's device (asked once, again after
  // any device was accepted, paired or removed), then dispatch() or 403.
  void gate_device();
  void on_device_state();
  // The client id bound to this connection's device (empty on plain HTTP).
  std::string own_client_id() const;
  // Sets `c`'s origin to the device's client id (after X-Client-Id was checked).
  void bind_to_device(incoming_change* c) const;
  // POST /register from a device: pairing (API key or auto_accept), then its client.
  void register_device(const std::string& name);
  // Admin endpoint: GET /devices, POST /devices/accept|remove {"device": ID_OR_NAME}.
  void on_devices();
  // Decoded, normalised sync path from a URL suffix or a query value
  // (answers 400 and returns nullopt when it is not one).
  std::optional<std::string> sync_path(const std::string& raw, bool encoded);
  // Dispatches a request whose JSON body was read to its route below.
  void route();
  // What a route answers when the actor it asked did not answer (503).
  std::function<void(const std::string&)> hub_did_not_answer();
  // WS /ws/{client_id}: checks the id with file-store, then hands the socket to a ws_session.
  void upgrade();

  std::shared_ptr<string_response> make_json(int status, std::string body);
  void send_json(int status, std::string body);
  // 507 Insufficient Storage for a full disk or quota (the client backs
  // off and retries by itself), 500 for any other storage error.
  static int storage_status(int err) { return http_status_of(storage_error_kind(err)); }
  // An error answer. `body_unread`: the request body was not consumed, so
  // the connection cannot be reused.
  void reject(int status, const std::string& message, bool body_unread = true);

  template <class Response>
  void write(std::shared_ptr<Response> res) {
    bool close_after = force_close_ || !res->keep_alive();
    if (force_close_) res->keep_alive(false);
    http::async_write(stream_, *res, [self = shared_from_this(), res, close_after](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (close_after) return self->force_close_ ? self->linger() : self->close();
      self->reset();
      self->read_header();
    });
  }

  void reset();
  // After an answer sent before the request body was read (413, 401, ...):
  // closing with unread bytes in the socket makes the kernel send a reset,
  // which can destroy the answer before the client reads it. So stop
  // sending, then read and discard for a bounded while (2 s, 64 MiB).
  void linger();
  void drain_next(uint64_t drained);
  void close();

  // ---- routes_sync.cpp
  void on_register();
  void on_sync();
  void on_list_files();
  void on_conflicts();
  // GET /inspect: every inspect target's actor_state; a silent one is reported, not waited for.
  void inspect();

  // ---- routes_upload.cpp
  // Change metadata from X-Client-Id, X-Mtime, X-Version.
  template <class Req>
  bool change_headers(const Req& req, incoming_change* c);
  // POST /upload: the body streamed into a temp file, hashed on the way.
  void start_upload();
  // POST /upload with X-Delta-Base: only the literal blocks are sent.
  void start_delta_upload();
  // A large upload with X-Sha256 is announced to the other clients while it arrives.
  void announce_incoming();
  void incoming_done(bool ok);
  void drop_incoming();
  // Sends `c` to file-store and answers with its change_result.
  void commit(incoming_change c, bool delta = false);
  void on_link();
  void on_make_dir();
  void on_delete_file();
  void on_batch();
  void batch(http::request<http::string_body>& req);
  void commit_batch(std::vector<incoming_change> incoming);

  // ---- routes_history.cpp
  void on_history();
  void on_restore();
  void on_gc();
  void on_store();
  void on_version();
  // A folder or file path of a history request: "" (or "/") is the whole
  // tree, a trailing '/' is dropped; else as sync_path (answers 400).
  std::optional<std::string> history_path(const std::string& raw, bool encoded);

  // ---- routes_download.cpp
  void on_incoming();
  void on_download();
  void on_blocks();
  void on_delta();
  void on_objects();
  void incoming(const std::string& sha);
  void tail_next();
  void end_tail(bool broken);
  void objects(std::string_view body);
  void blocks(const file_lookup& f);
  void delta(const std::string& from, const std::string& to);
  void download(const file_lookup& f);

  // Most changes one batch may carry (the object and delta limits are
  // the transfer policy's: actors/rules/transfer_policy.h).
  static constexpr size_t max_batch_changes = 10000;

  server_ptr server_;
  edge_stream stream_;
  bool admin_ = false;
  std::string address_;  // the peer's IP address
  std::optional<device_row> device_;  // this connection's device, when asked
  uint64_t device_generation_ = 0;    // server_->device_generation when it was asked
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> string_parser_;
  std::optional<http::request_parser<hashing_file_body>> file_parser_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool force_close_ = false;
  http::verb method_ = http::verb::get;
  std::string path_;
  std::map<std::string, std::string> query_;
  incoming_change incoming_;
  std::string temp_file_;
  std::string range_header_, if_range_;
  std::shared_ptr<incoming_upload> incoming_upload_;  // this session's upload, when announced
  struct tail_state {
    explicit tail_state(const asio::any_io_executor& ex) : timer(ex) {}
    std::shared_ptr<incoming_upload> up;
    int fd = -1;
    uint64_t sent = 0;
    std::string head;
    std::vector<char> block;
    asio::steady_timer timer;
    std::chrono::steady_clock::time_point last_progress;
  };
  std::shared_ptr<tail_state> tail_;  // GET /incoming being answered
  std::string delta_base_;               // the delta upload being received: its base
  std::vector<uint64_t> delta_literal_;  // and its literal blocks (when in 128 KiB blocks)
  std::vector<char> drain_block_;
};

}  // namespace syncer::edge
