// The hub's download routes: GET|HEAD /download/{path} (with one Range),
// GET /incoming/{sha256} (an upload streamed out while it arrives),
// GET /blocks (block checksums of the current content), GET /delta (the
// literal blocks between two objects) and POST /objects (many small
// objects in one answer, from the recent-batch cache or the object files).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <boost/asio/write.hpp>
#include <caf/all.hpp>

#include "actors/rules/path_rules.h"
#include "actors/rules/transfer_policy.h"
#include "net/body/file_window_body.h"
#include "net/json.h"
#include "net/server/ask.h"
#include "net/server/http_session.h"
#include "net/status_map.h"
#include "actors/rules/block_list.h"

namespace syncer::edge {

void http_session::on_incoming() {
  const auto& p = path_;
  if (method_ != http::verb::get) return reject(405, "use GET");
  auto sha = p.substr(10);
  if (!is_sha256_hex(sha)) return reject(400, "'" + sha + "' is not a sha256 (64 lowercase hex digits)", false);
  return incoming(sha);
}

void http_session::on_download() {
  auto& req = string_parser_->get();
  auto self = shared_from_this();
  const auto& p = path_;
  if (method_ != http::verb::get && method_ != http::verb::head) return reject(405, "use GET");
  auto path = sync_path(p.substr(10), true);
  if (!path) return;
  range_header_ = std::string(req[http::field::range]);
  if_range_ = std::string(req[http::field::if_range]);
  return ask<file_lookup>(server_->system, stream_.get_executor(), server_->hub->store,
                          std::function<void(file_lookup&)>([self](file_lookup& f) { self->download(f); }),
                          hub_did_not_answer(), lookup_atom::value, *path);
}

void http_session::on_blocks() {
  auto self = shared_from_this();
  if (method_ != http::verb::get) return reject(405, "use GET");
  auto it = query_.find("path");
  if (it == query_.end()) return reject(400, "missing query parameter 'path'", false);
  auto path = sync_path(it->second, false);
  if (!path) return;
  return ask<file_lookup>(server_->system, stream_.get_executor(), server_->hub->store,
                          std::function<void(file_lookup&)>([self](file_lookup& f) { self->blocks(f); }),
                          hub_did_not_answer(), lookup_atom::value, *path);
}

void http_session::on_delta() {
  if (method_ != http::verb::get) return reject(405, "use GET");
  return delta(query_["from"], query_["to"]);
}

void http_session::on_objects() {
  auto& req = string_parser_->get();
  if (method_ != http::verb::post) return reject(405, "use POST");
  return objects(req.body());
}

// GET /incoming/{sha256}: the bytes of an upload of that content while
// it arrives, sent as they are written (Content-Length = the upload's).
// The answer is cut short (connection closed) if the upload breaks, so
// a client never takes a partial body for a whole one.
void http_session::incoming(const std::string& sha) {
  std::shared_ptr<incoming_upload> up = server_->incoming.find(sha);
  int fd = up ? ::open(up->temp_file.c_str(), O_RDONLY | O_CLOEXEC) : -1;
  if (fd < 0) return reject(404, "no upload of that content is arriving", false);
  tail_ = std::make_shared<tail_state>(stream_.get_executor());
  tail_->up = up;
  tail_->fd = fd;
  tail_->head = "HTTP/1.1 200 OK\r\nServer: syncer\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                std::to_string(up->size) + "\r\nX-Sha256: " + sha + "\r\n" +
                (keep_alive_ ? "" : "Connection: close\r\n") + "\r\n";
  tail_->last_progress = std::chrono::steady_clock::now();
  stream_.expires_after(std::chrono::seconds(60));
  asio::async_write(stream_, asio::buffer(tail_->head), [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec) return self->end_tail(true);
    self->tail_next();
  });
}

void http_session::tail_next() {
  auto& t = *tail_;
  if (t.sent == t.up->size) return end_tail(false);
  uint64_t available = t.up->written->load(std::memory_order_acquire);
  auto now = std::chrono::steady_clock::now();
  if (t.sent < available) {
    t.last_progress = now;
    if (t.block.empty()) t.block.resize(256 * 1024);
    auto want = static_cast<size_t>(std::min<uint64_t>(t.block.size(), available - t.sent));
    auto n = ::pread(t.fd, t.block.data(), want, static_cast<off_t>(t.sent));
    if (n <= 0) return end_tail(true);
    stream_.expires_after(std::chrono::seconds(60));
    asio::async_write(stream_, asio::buffer(t.block.data(), static_cast<size_t>(n)),
                      [self = shared_from_this()](beast::error_code ec, size_t written) {
                        if (ec) return self->end_tail(true);
                        self->tail_->sent += written;
                        self->tail_next();
                      });
    return;
  }
  // Caught up with the upload: wait for more, unless it broke, stalled
  // for a minute, or the hub is stopping.
  if (t.up->state == incoming_upload::failed || server_->stopping ||
      now - t.last_progress > std::chrono::seconds(60))
    return end_tail(true);
  t.timer.expires_after(std::chrono::milliseconds(1));
  t.timer.async_wait([self = shared_from_this()](beast::error_code) { self->tail_next(); });
}

void http_session::end_tail(bool broken) {
  if (tail_) ::close(tail_->fd);
  tail_.reset();
  stream_.expires_never();
  if (broken || !keep_alive_) return close();
  reset();
  read_header();
}

// POST /objects: the bytes of many objects by sha256, read by the
// object-io actor (from the recent-batch cache or the object files).
// Answer: a line {"sizes":[n|null,...]}, then the bytes of every non-null
// entry in order.
void http_session::objects(std::string_view body) {
  std::string error;
  auto wanted = json::parse_objects_request(body, &error);
  if (!wanted) return reject(400, error, false);
  if (wanted->size() > max_batch_changes)
    return reject(400, "ask for at most " + std::to_string(max_batch_changes) + " objects at once", false);
  for (const auto& sha : *wanted)
    if (!is_sha256_hex(sha)) return reject(400, "'" + sha + "' is not a sha256 (64 lowercase hex digits)", false);
  auto self = shared_from_this();
  ask<objects_answer>(server_->system, stream_.get_executor(), server_->hub->objects,
                      std::function<void(objects_answer&)>([self](objects_answer& a) {
                        auto res = std::make_shared<string_response>(http::status::ok, self->version_);
                        res->set(http::field::server, "syncer");
                        res->set(http::field::content_type, "application/octet-stream");
                        auto& out = res->body();
                        out = json::objects_sizes_json(a.sizes) + "\n";
                        out += a.content;
                        res->prepare_payload();
                        res->keep_alive(self->keep_alive_);
                        self->write(res);
                      }),
                      hub_did_not_answer(), objects_atom::value, std::move(*wanted));
}

// GET /blocks?path=P: the XXH64 checksum of every 128 KiB block of the
// hub's current content of P, so a client can send only the blocks of
// its new version that differ (POST /upload with X-Delta-Base). The
// object-io actor reads the object.
void http_session::blocks(const file_lookup& f) {
  if (!f.found) return reject(404, "no such file", false);
  auto self = shared_from_this();
  ask<blocks_answer>(server_->system, stream_.get_executor(), server_->hub->objects,
                     std::function<void(blocks_answer&)>([self, entry = f.entry](blocks_answer& a) {
                       if (!a.result.ok()) return self->reject(http_status_of(a.result.kind), a.result.message, false);
                       self->send_json(200, json::blocks_reply_json(
                                                {entry.sha256, entry.size, delta_block_size, std::move(a.sums)}));
                     }),
                     hub_did_not_answer(), blocks_atom::value, f.entry.sha256, f.entry.size);
}

// GET /delta?from=A&to=B: what a client holding object A needs to build
// object B: a line {"sha256":B,"size":N,"block_size":S,"literal":"0-3,17"}
// then the bytes of those blocks. The object-io actor compares the two
// objects (or remembers the delta upload that made B). 404 when either
// object is unknown, 413 when the change is too big to be worth it.
void http_session::delta(const std::string& from, const std::string& to) {
  if (!is_sha256_hex(from) || !is_sha256_hex(to))
    return reject(400, "'from' and 'to' must be sha256s (64 lowercase hex digits)", false);
  auto self = shared_from_this();
  ask<delta_answer>(server_->system, stream_.get_executor(), server_->hub->objects,
                    std::function<void(delta_answer&)>([self, to](delta_answer& a) {
                      if (!a.result.ok()) return self->reject(http_status_of(a.result.kind), a.result.message, false);
                      auto res = std::make_shared<string_response>(http::status::ok, self->version_);
                      res->set(http::field::server, "syncer");
                      res->set(http::field::content_type, "application/octet-stream");
                      auto& body = res->body();
                      body = json::delta_header_json({to, a.size, delta_block_size, format_block_list(a.literal)}) + "\n";
                      body += a.bytes;
                      res->prepare_payload();
                      res->keep_alive(self->keep_alive_);
                      self->write(res);
                    }),
                    hub_did_not_answer(), delta_atom::value, from, to);
}

void http_session::download(const file_lookup& f) {
  if (!f.found) return reject(404, "no such file", false);
  uint64_t size = f.entry.size;
  uint64_t first = 0, last = size ? size - 1 : 0;
  bool partial = false;
  std::string etag = "\"" + f.entry.sha256 + "\"";
  bool range_applies = !range_header_.empty() && (if_range_.empty() || if_range_ == etag);
  if (range_applies) {
    // One range: bytes=a-b, bytes=a-, bytes=-n
    std::string r = range_header_;
    if (r.compare(0, 6, "bytes=") != 0 || r.find(',') != std::string::npos)
      return reject(416, "only one 'bytes=' range is supported", false);
    auto spec = r.substr(6);
    auto dash = spec.find('-');
    try {
      if (dash == std::string::npos) throw std::invalid_argument("range");
      auto a = spec.substr(0, dash), b = spec.substr(dash + 1);
      if (a.empty()) {
        uint64_t n = std::stoull(b);
        if (n == 0 || size == 0) throw std::out_of_range("empty");
        first = n >= size ? 0 : size - n;
        last = size - 1;
      } else {
        first = std::stoull(a);
        last = b.empty() ? size - 1 : std::min<uint64_t>(std::stoull(b), size - 1);
        if (first >= size || last < first) throw std::out_of_range("range");
      }
      partial = true;
    } catch (...) {
      auto res = make_json(416, json::error_body("range not satisfiable"));
      res->set(http::field::content_range, "bytes */" + std::to_string(size));
      return write(res);
    }
  }
  uint64_t length = size ? last - first + 1 : 0;
  auto res = std::make_shared<http::response<file_window_body>>(
      partial ? http::status::partial_content : http::status::ok, version_);
  beast::error_code ec;
  if (length > 0) res->body().file.open(f.object_file.c_str(), beast::file_mode::scan, ec);
  if (ec) return reject(500, "cannot open object: " + ec.message(), false);
  res->body().offset = first;
  res->body().length = length;
  res->set(http::field::server, "syncer");
  res->set(http::field::content_type, "application/octet-stream");
  res->set(http::field::etag, etag);
  res->set("X-Sha256", f.entry.sha256);
  res->set("X-Mtime", std::to_string(f.entry.mtime_ns));
  res->set("X-Version", f.entry.version.to_string());
  res->set(http::field::accept_ranges, "bytes");
  if (partial)
    res->set(http::field::content_range,
             "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size));
  res->content_length(length);
  res->keep_alive(keep_alive_);
  if (method_ == http::verb::head) {
    auto head = std::make_shared<http::response<http::empty_body>>(res->result(), version_);
    for (const auto& field : *res) head->set(field.name_string(), field.value());
    head->content_length(length);
    head->keep_alive(keep_alive_);
    return write(head);
  }
  write(res);
}

}  // namespace syncer::edge
