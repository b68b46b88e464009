// The hub's upload routes: POST /upload (whole, streamed into a temp file
// and hashed on the way; or a block delta against an object the hub has),
// POST /link, PUT /dirs/{path}, DELETE /files/{path} and POST /batch.
// Each becomes incoming_change(s) committed by file-store; large uploads
// are announced in the streaming-upload registry while they arrive.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <caf/all.hpp>

#include "actors/rules/path_rules.h"
#include "net/json.h"
#include "net/server/ask.h"
#include "net/server/http_session.h"
#include "net/server/request_parts.h"
#include "net/status_map.h"
#include "actors/rules/block_list.h"
#include "actors/rules/transfer_policy.h"

namespace syncer::edge {

// Change metadata from X-Client-Id, X-Mtime, X-Version.
template <class Req>
bool http_session::change_headers(const Req& req, incoming_change* c) {
  auto id = std::string(req["X-Client-Id"]);
  if (!id.empty() && !valid_client_id(id)) {
    reject(400, "X-Client-Id must be 1-64 letters, digits, '-' or '_'");
    return false;
  }
  c->entry.origin = id;
  bind_to_device(c);
  auto mtime = std::string(req["X-Mtime"]);
  if (!mtime.empty()) {
    try {
      size_t used = 0;
      c->entry.mtime_ns = std::stoll(mtime, &used);
      if (used != mtime.size() || c->entry.mtime_ns < 0) throw std::invalid_argument("mtime");
    } catch (...) {
      reject(400, "X-Mtime must be nanoseconds since the Unix epoch (a non-negative integer)");
      return false;
    }
  }
  auto version = std::string(req["X-Version"]);
  if (!version.empty()) {
    auto parsed = version_vector::parse(version);
    if (!parsed) {
      reject(400, "X-Version must look like 'id:3,other:1'");
      return false;
    }
    c->entry.version = *parsed;
    c->version_given = true;
  }
  return true;
}

void http_session::start_upload() {
  auto& req = header_parser_->get();
  auto it = query_.find("path");
  if (it == query_.end()) return reject(400, "missing query parameter 'path'");
  auto path = sync_path(it->second, false);
  if (!path) return;
  incoming_ = incoming_change{};  // the connection may have carried an upload before
  incoming_.entry.path = *path;
  incoming_.expected_sha256 = std::string(req["X-Sha256"]);
  if (!change_headers(req, &incoming_)) return;
  if (req.find("X-Delta-Base") != req.end()) return start_delta_upload();
  auto limit = server_->hub->max_upload_bytes;
  file_parser_.emplace(std::move(*header_parser_));
  if (auto len = file_parser_->content_length(); len && *len > limit)
    return reject(413, "upload is larger than the limit of " + std::to_string(limit) + " bytes");
  file_parser_->body_limit(limit);
  temp_file_ = server_->new_temp_file();
  beast::error_code ec;
  file_parser_->get().body().file.open(temp_file_.c_str(), beast::file_mode::write, ec);
  if (ec) return reject(storage_status(ec.value()), "cannot create upload temp file: " + ec.message());
  announce_incoming();
  read_body(*file_parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
    auto& body = self->file_parser_->get().body();
    beast::error_code ignored;
    body.file.close(ignored);
    self->incoming_done(!ec);
    if (ec) {
      self->drop_incoming();
      ::unlink(self->temp_file_.c_str());
      if (ec == http::error::body_limit) return self->reject(413, "upload is too large");
      // The disk filled while the body was written: say so (the client
      // backs off and retries), nothing was recorded.
      if (storage_status(ec.value()) == 507 && ec.category() == beast::system_category())
        return self->reject(507, "the hub's disk is full (" + ec.message() + "); the upload was not stored");
      return self->close();
    }
    self->incoming_.temp_file = self->temp_file_;
    // Hashed while it arrived: file-store does not read it again.
    self->incoming_.content_sha256 = body.hash->hex_digest();
    self->incoming_.content_size = body.received;
    self->commit(self->incoming_);
  });
}

// POST /upload with X-Delta-Base: the body holds only the literal blocks
// of the new version (X-Delta-Literal, in order), at most the transfer
// policy's max_delta_bytes; the object-io actor rebuilds the whole new
// version from the base object and hashes it. X-Sha256 is required: a
// result that hashes to anything else is refused (422) and the sender
// sends the whole file.
void http_session::start_delta_upload() {
  auto& req = header_parser_->get();
  delta_upload d;
  d.base_sha256 = std::string(req["X-Delta-Base"]);
  if (!is_sha256_hex(d.base_sha256)) return reject(400, "X-Delta-Base must be a sha256 (64 lowercase hex digits)");
  if (!is_sha256_hex(incoming_.expected_sha256))
    return reject(400, "a delta upload needs X-Sha256: the sha256 of the whole new version");
  if (!parse_decimal(std::string(req["X-Delta-Block-Size"]), &d.block_size) || d.block_size < 4096 ||
      d.block_size > (16u << 20))
    return reject(400, "X-Delta-Block-Size must be an integer from 4096 to 16777216");
  if (!parse_decimal(std::string(req["X-Delta-Size"]), &d.size))
    return reject(400, "X-Delta-Size must be the size of the new version in bytes");
  if (d.size > server_->hub->max_upload_bytes)
    return reject(413, "upload is larger than the limit of " + std::to_string(server_->hub->max_upload_bytes) +
                           " bytes");
  std::string error;
  auto literal = parse_block_list(std::string(req["X-Delta-Literal"]), block_count(d.size, d.block_size), &error);
  if (!literal) return reject(400, "X-Delta-Literal: " + error);
  auto expected_body = literal_bytes(*literal, d.size, d.block_size);
  if (expected_body > max_delta_bytes)
    return reject(413, "a delta carries at most " + std::to_string(max_delta_bytes) + " bytes: send the whole file");
  auto length = header_parser_->content_length();
  if (!length || *length != expected_body)
    return reject(400, "the body of a delta upload must hold exactly the listed blocks (" +
                           std::to_string(expected_body) + " bytes)");
  delta_base_ = d.base_sha256;
  delta_literal_ = d.block_size == delta_block_size ? *literal : std::vector<uint64_t>{};
  d.literal = std::move(*literal);
  string_parser_.emplace(std::move(*header_parser_));
  string_parser_->body_limit(expected_body);
  read_body(*string_parser_, [self = shared_from_this(), d = std::move(d)](beast::error_code ec, size_t) mutable {
    if (ec) return self->close();  // the connection broke
    d.bytes = std::move(self->string_parser_->get().body());
    ask<rebuilt_delta>(self->server_->system, self->stream_.get_executor(), self->server_->hub->objects,
                       std::function<void(rebuilt_delta&)>([self, size = d.size](rebuilt_delta& r) {
                         if (!r.result.ok()) return self->reject(http_status_of(r.result.kind), r.result.message, false);
                         self->incoming_.temp_file = r.temp_file;
                         self->incoming_.content_sha256 = r.sha256;
                         self->incoming_.content_size = size;
                         self->incoming_.reused_bytes = r.reused_bytes;
                         self->commit(self->incoming_, true);
                       }),
                       self->hub_did_not_answer(), rebuild_atom::value, std::move(d));
  });
}

// A large upload with X-Sha256 is announced to the other clients
// ("file_incoming" event) as soon as its body starts; they may fetch it
// while it arrives. Nothing is recorded: the usual event follows the
// commit, and a refused upload only wasted their prefetch.
void http_session::announce_incoming() {
  auto length = file_parser_->content_length();
  const auto& sha = incoming_.expected_sha256;
  if (!length || *length < incoming_stream_min || !is_sha256_hex(sha)) return;
  auto up = std::make_shared<incoming_upload>();
  up->temp_file = temp_file_;
  up->size = *length;
  if (!server_->incoming.add(sha, up)) return;  // the same content is already arriving
  incoming_upload_ = up;
  file_parser_->get().body().progress = up->written;
  hub_event ev;
  ev.type = "file_incoming";
  ev.entry.path = incoming_.entry.path;
  ev.entry.sha256 = sha;
  ev.entry.size = *length;
  ev.entry.origin = incoming_.entry.origin;
  caf::anon_send(server_->hub->registry, notify_atom::value, std::move(ev));
}

void http_session::incoming_done(bool ok) {
  if (incoming_upload_) incoming_upload_->state = ok ? incoming_upload::complete : incoming_upload::failed;
}

// After the commit (or a failure): the temp file is gone or renamed, so
// no new reader can start; readers already streaming keep their file.
void http_session::drop_incoming() {
  if (!incoming_upload_) return;
  server_->incoming.remove(incoming_.expected_sha256, incoming_upload_);
  incoming_upload_.reset();
}

void http_session::commit(incoming_change c, bool delta) {
  auto self = shared_from_this();
  ask<change_result>(
      server_->system, stream_.get_executor(), server_->hub->store,
      std::function<void(change_result&)>([self, delta, sha = c.content_sha256](change_result& r) {
        self->drop_incoming();
        const auto kind = r.result.kind;
        if (kind != error_kind::ok && kind != error_kind::stale)
          return self->reject(http_status_of(kind), r.result.message, false);
        if (delta && kind == error_kind::ok && self->delta_literal_.size() > 0)
          caf::anon_send(self->server_->hub->objects, remember_atom::value, self->delta_base_, sha,
                         std::move(self->delta_literal_));
        self->send_json(http_status_of(kind), json::change_result_json(r));
      }),
      std::function<void(const std::string&)>([self, c](const std::string& msg) {
        self->drop_incoming();
        if (!c.temp_file.empty()) ::unlink(c.temp_file.c_str());
        self->reject(503, "the file store did not answer: " + msg, false);
      }),
      commit_atom::value, c);
}

// POST /link?path=P {"sha256",...}: a file whose content the hub already has.
void http_session::on_link() {
  auto& req = string_parser_->get();
  std::string error;
  if (method_ != http::verb::post) return reject(405, "use POST");
  auto it = query_.find("path");
  if (it == query_.end()) return reject(400, "missing query parameter 'path'");
  auto path = sync_path(it->second, false);
  if (!path) return;
  auto meta = json::parse_link_request(req.body(), &error);
  if (!meta) return reject(400, error);
  incoming_change c;
  c.entry = *meta;
  c.entry.path = *path;
  c.version_given = !meta->version.empty();
  if (!change_headers(req, &c)) return;
  if (!meta->version.empty()) {
    c.entry.version = meta->version;
    c.version_given = true;
  }
  if (meta->mtime_ns > 0) c.entry.mtime_ns = meta->mtime_ns;
  return commit(c);
}

// PUT /dirs/{path}: a folder.
void http_session::on_make_dir() {
  auto& req = string_parser_->get();
  const auto& p = path_;
  if (method_ != http::verb::put) return reject(405, "use PUT");
  auto path = sync_path(p.substr(6), true);
  if (!path) return;
  incoming_change c;
  c.entry.path = *path;
  c.entry.is_dir = true;
  if (!change_headers(req, &c)) return;
  return commit(c);
}

// DELETE /files/{path}: a tombstone.
void http_session::on_delete_file() {
  auto& req = string_parser_->get();
  const auto& p = path_;
  if (method_ != http::verb::delete_) return reject(405, "use DELETE");
  auto path = sync_path(p.substr(7), true);
  if (!path) return;
  incoming_change c;
  c.entry.path = *path;
  c.entry.deleted = true;
  if (!change_headers(req, &c)) return;
  return commit(c);
}

void http_session::on_batch() {
  auto& req = string_parser_->get();
  if (method_ != http::verb::post) return reject(405, "use POST");
  return batch(req);
}

// POST /batch: a manifest line, then the bytes of every upload in
// order. The edge checks the manifest; the object-io actor writes each
// upload to its own temp file and hashes it; file-store gets the whole
// batch as one message.
void http_session::batch(http::request<http::string_body>& req) {
  std::string_view body = req.body();
  auto newline = body.find('\n');
  if (newline == std::string_view::npos)
    return reject(400, "a batch starts with its JSON manifest on one line", false);
  std::string error;
  auto changes = json::parse_batch_manifest(body.substr(0, newline), &error);
  if (!changes) return reject(400, error, false);
  if (changes->size() > max_batch_changes)
    return reject(400, "a batch holds at most " + std::to_string(max_batch_changes) + " changes", false);
  incoming_change defaults;
  if (!change_headers(req, &defaults)) return;
  for (auto& change : *changes) {
    auto path = sync_path(change.meta.path, false);
    if (!path) return;
    change.meta.path = *path;
  }
  uint64_t upload_bytes = 0;
  for (const auto& change : *changes) {
    if (change.op != batch_change::upload) continue;
    if (change.meta.size > body.size())  // also keeps the sum from wrapping
      return reject(400, "the batch body is shorter than its manifest says", false);
    upload_bytes += change.meta.size;
  }
  if (upload_bytes != body.size() - (newline + 1))
    return reject(400, std::string("the batch body is ") +
                           (upload_bytes > body.size() - (newline + 1) ? "shorter" : "longer") +
                           " than its manifest says", false);
  batch_upload batch;
  batch.offset = newline + 1;
  batch.changes.reserve(changes->size());
  for (auto& change : *changes) {
    incoming_change c;
    c.entry = change.meta;
    c.entry.origin = defaults.entry.origin;
    c.bound_client = defaults.bound_client;
    c.entry.sequence = 0;
    c.version_given = !change.meta.version.empty();
    switch (change.op) {
      case batch_change::upload:
        c.entry.is_dir = c.entry.deleted = false;
        c.expected_sha256 = change.meta.sha256;
        break;
      case batch_change::link:
        c.entry.is_dir = c.entry.deleted = false;
        break;
      case batch_change::mkdir:
        c.entry.is_dir = true;
        c.entry.deleted = false;
        c.entry.sha256.clear();
        c.entry.size = 0;
        break;
      case batch_change::remove:
        c.entry.deleted = true;
        break;
    }
    batch.carries_bytes.push_back(change.op == batch_change::upload);
    batch.changes.push_back(std::move(c));
  }
  batch.body = std::make_shared<const std::string>(std::move(req.body()));
  auto self = shared_from_this();
  ask<prepared_batch>(server_->system, stream_.get_executor(), server_->hub->objects,
                      std::function<void(prepared_batch&)>([self](prepared_batch& p) {
                        if (!p.result.ok()) return self->reject(http_status_of(p.result.kind), p.result.message, false);
                        self->commit_batch(std::move(p.changes));
                      }),
                      hub_did_not_answer(), prepare_atom::value, std::move(batch));
}

void http_session::commit_batch(std::vector<incoming_change> incoming) {
  auto self = shared_from_this();
  ask<std::vector<change_result>>(
      server_->system, stream_.get_executor(), server_->hub->store,
      std::function<void(std::vector<change_result>&)>(
          [self](std::vector<change_result>& results) { self->send_json(200, json::batch_results_json(results)); }),
      std::function<void(const std::string&)>([self, incoming](const std::string& msg) {
        for (const auto& c : incoming)
          if (!c.temp_file.empty()) ::unlink(c.temp_file.c_str());
        self->reject(503, "the file store did not answer: " + msg, false);
      }),
      commit_atom::value, std::move(incoming));
}

}  // namespace syncer::edge
