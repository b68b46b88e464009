#include "net/http_server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <deque>
#include <unordered_map>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/all.hpp>

#include "actors/log.h"
#include "actors/rules/path_rules.h"
#include "net/body/body_limit.h"
#include "net/body/delta_file_body.h"
#include "net/body/file_window_body.h"
#include "net/body/hashing_file_body.h"
#include "net/json.h"
#include "storage/block_delta.h"
#include "storage/sha256.h"

namespace syncer {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Response body for downloads: the window [offset, offset+length) of a
// file, so a Range answer streams without reading the rest. Read in
// 256 KiB blocks: Beast's own file body reads 4 KiB at a time, which costs
// a read, a send and a poll per 4 KiB (a 1 GiB download: 260K of each).
struct target_parts {
  std::string path;                           // still percent-encoded
  std::map<std::string, std::string> query;  // decoded values
  bool ok = true;
};

target_parts split_target(beast::string_view target) {
  target_parts out;
  std::string t(target);
  auto q = t.find('?');
  out.path = t.substr(0, q);
  if (q == std::string::npos) return out;
  std::string rest = t.substr(q + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    auto amp = rest.find('&', start);
    if (amp == std::string::npos) amp = rest.size();
    auto item = rest.substr(start, amp - start);
    start = amp + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto key = percent_decode(item.substr(0, eq));
    auto value = percent_decode(eq == std::string::npos ? "" : item.substr(eq + 1));
    if (!key || !value) {
      out.ok = false;
      return out;
    }
    out.query[*key] = *value;
  }
  return out;
}

bool valid_client_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

}  // namespace

namespace {

// An open connection (HTTP or WebSocket) that stop() can close from its
// own thread: the close is posted to the connection's strand.
struct connection {
  virtual ~connection() = default;
  virtual void shut() = 0;
};

// An upload being received, announced by its X-Sha256 so other clients
// can fetch a large file while it arrives (GET /incoming/{sha256}).
struct incoming_upload {
  std::string temp_file;
  uint64_t size = 0;
  std::shared_ptr<std::atomic<uint64_t>> written = std::make_shared<std::atomic<uint64_t>>(0);
  std::atomic<int> state{0};  // arriving, complete, failed
  static constexpr int arriving = 0, complete = 1, failed = 2;
};

// Uploads from this size on are announced while they arrive.
constexpr uint64_t incoming_stream_min = 4ull << 20;

}  // namespace

// Ownership: every pending Asio handler holds its session, and every
// session holds this impl, which owns the io_context. stop() closes the
// acceptor and every connection so the handlers finish and that cycle
// unwinds; what is still queued after that is released by dropping the
// actor handles here (a leaked handle to the detached file-store would
// make ~actor_system wait forever).
struct http_server::impl : std::enable_shared_from_this<http_server::impl> {
  explicit impl(caf::actor_system& s) : system(s) {}
  caf::actor_system& system;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::string role = "node";
  std::vector<std::pair<std::string, caf::actor>> targets;
  std::optional<hub_edge_config> hub;
  std::atomic<uint64_t> temp_counter{0};
  std::string temp_prefix;  // upload_temp_dir + "/edge-<pid>-", set when the hub edge starts
  std::atomic<bool> stopping{false};
  std::mutex incoming_mutex;
  std::map<std::string, std::shared_ptr<incoming_upload>> incoming;  // by sha256

  // The literal blocks of recent delta uploads, by (base, new) sha256:
  // GET /delta between the same two versions (the other clients, right
  // after) answers without comparing the two objects again. Every block
  // not listed equals the base's: the rebuilt file hashed to its sha256.
  std::mutex deltas_mutex;
  std::map<std::pair<std::string, std::string>, std::vector<uint64_t>> recent_deltas;
  std::deque<std::pair<std::string, std::string>> recent_order;

  void remember_delta(const std::string& from, const std::string& to, std::vector<uint64_t> literal) {
    std::lock_guard<std::mutex> lock(deltas_mutex);
    auto key = std::make_pair(from, to);
    if (recent_deltas.count(key) == 0) recent_order.push_back(key);
    recent_deltas[key] = std::move(literal);
    while (recent_order.size() > 64) {
      recent_deltas.erase(recent_order.front());
      recent_order.pop_front();
    }
  }

  std::optional<std::vector<uint64_t>> recent_delta(const std::string& from, const std::string& to) {
    std::lock_guard<std::mutex> lock(deltas_mutex);
    auto it = recent_deltas.find({from, to});
    if (it == recent_deltas.end()) return std::nullopt;
    return it->second;
  }
  // The bodies of the last few POST /batch requests, and where each upload's
  // bytes sit in them (by the sha256 computed here): the other clients ask
  // for those objects right after the events, and POST /objects then
  // answers from memory instead of opening every object file again.
  struct recent_batch {
    std::shared_ptr<const std::string> body;
    std::unordered_map<std::string, std::pair<size_t, size_t>> objects;  // sha256 -> (offset, size)
  };
  static constexpr size_t recent_batches_budget = 16u << 20;
  std::mutex batches_mutex;
  std::deque<recent_batch> recent_batches;
  size_t recent_batches_bytes = 0;

  void remember_batch(recent_batch batch) {
    if (batch.objects.empty() || batch.body->size() > recent_batches_budget) return;
    std::lock_guard<std::mutex> lock(batches_mutex);
    recent_batches_bytes += batch.body->size();
    recent_batches.push_back(std::move(batch));
    while (recent_batches_bytes > recent_batches_budget) {
      recent_batches_bytes -= recent_batches.front().body->size();
      recent_batches.pop_front();
    }
  }

  // Appends the object's bytes to `out` when a recent batch holds them.
  bool append_recent_object(const std::string& sha256, std::string* out) {
    std::lock_guard<std::mutex> lock(batches_mutex);
    for (auto it = recent_batches.rbegin(); it != recent_batches.rend(); ++it) {
      auto found = it->objects.find(sha256);
      if (found == it->objects.end()) continue;
      out->append(*it->body, found->second.first, found->second.second);
      return true;
    }
    return false;
  }

  // Session sinks are event-based actors that would keep the actor system
  // alive after stop(): stop() ends them explicitly.
  std::mutex sinks_mutex;
  std::vector<caf::actor> sinks;
  std::mutex connections_mutex;
  std::vector<std::weak_ptr<connection>> connections;
  std::atomic<int> running_threads{0};

  void accept();

  void track(const std::shared_ptr<connection>& c) {
    std::lock_guard<std::mutex> lock(connections_mutex);
    if (connections.size() >= 64 && connections.size() == connections.capacity())  // prune before growing
      connections.erase(std::remove_if(connections.begin(), connections.end(),
                                       [](const std::weak_ptr<connection>& w) { return w.expired(); }),
                        connections.end());
    connections.push_back(c);
  }

  std::vector<std::shared_ptr<connection>> live_connections() {
    std::lock_guard<std::mutex> lock(connections_mutex);
    std::vector<std::shared_ptr<connection>> out;
    for (auto& w : connections)
      if (auto c = w.lock()) out.push_back(std::move(c));
    connections.clear();
    return out;
  }
};

namespace {

using server_ptr = std::shared_ptr<http_server::impl>;

// Calls `ok(result)` on the session's strand with the answer of `handle`
// to `xs...`, through a short-lived actor (Asio threads never block).
template <class Result, class Executor, class Handle, class... Ts>
void ask(caf::actor_system& sys, Executor exec, Handle handle, std::function<void(Result&)> ok,
         std::function<void(const std::string&)> fail, Ts... xs) {
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(handle, std::chrono::seconds(300), xs...)
        .then([=](Result& r) { asio::post(exec, [ok, r = std::move(r)]() mutable { ok(r); }); },
              [=](caf::error& err) {
                auto msg = self->system().render(err);
                asio::post(exec, [fail, msg] { fail(msg); });
              });
  });
}

// ------------------------------------------------------------------ WebSocket

class ws_session : public connection, public std::enable_shared_from_this<ws_session> {
 public:
  // `batch`: the client asked for ?batch=1, so what is queued while a
  // write is under way leaves as one {"type":"batch"} message (one send,
  // one read and one parse on the client instead of one per file).
  ws_session(server_ptr server, tcp::socket&& socket, std::string client_id, bool batch)
      : server_(std::move(server)),
        registry_(server_->hub->registry),
        ws_(std::move(socket)),
        client_id_(std::move(client_id)),
        batch_(batch) {}

  void shut() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      beast::get_lowest_layer(self->ws_).socket().close(ec);
    });
  }

  void start(http::request<http::empty_body> req) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  // `is_event`: may share a batch message; answers to the client (pong,
  // errors) always go alone.
  void deliver(std::string text, bool is_event = false) {
    queue_.push_back({std::move(text), is_event});
    if (!writing_) write_next();
  }

  void deliver_many(std::vector<std::string>& texts) {
    for (auto& text : texts) queue_.push_back({std::move(text), true});
    if (!writing_ && !queue_.empty()) write_next();
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    // The sink actor forwards registry events into this strand.
    std::weak_ptr<ws_session> weak = shared_from_this();
    auto exec = ws_.get_executor();
    sink_ = server_->system.spawn([weak, exec](session_sink_actor::pointer self) -> session_sink_actor::behavior_type {
      return {
          [weak, exec](hub_event_atom, const hub_event& ev) {
            auto text = json::event_json(ev);
            asio::post(exec, [weak, text]() mutable {
              if (auto s = weak.lock()) s->deliver(std::move(text), true);
            });
          },
          [weak, exec](hub_event_atom, const std::vector<hub_event>& events) {
            auto texts = std::make_shared<std::vector<std::string>>();
            texts->reserve(events.size());
            for (const auto& ev : events) texts->push_back(json::event_json(ev));
            asio::post(exec, [weak, texts]() {
              if (auto s = weak.lock()) s->deliver_many(*texts);
            });
          },
      };
    });
    {
      std::lock_guard<std::mutex> lock(server_->sinks_mutex);
      server_->sinks.push_back(caf::actor_cast<caf::actor>(sink_));
    }
    caf::anon_send(registry_, attach_atom::value, client_id_, sink_);
    read_next();
  }

  void read_next() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finish();
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    std::string error;
    auto ev = json::parse_event(text, &error);
    if (ev && ev->type == "ping")
      deliver("{\"type\":\"pong\"}");
    else
      deliver(json::error_body(ev ? "unknown message type '" + ev->type + "'" : error));
    read_next();
  }

  void write_next() {
    writing_ = true;
    if (batch_ && queue_.size() > 1 && queue_[0].second && queue_[1].second) {
      std::vector<std::string> texts;
      size_t bytes = 0;
      while (!queue_.empty() && queue_.front().second && bytes < max_batch_message_bytes) {
        bytes += queue_.front().first.size();
        texts.push_back(std::move(queue_.front().first));
        queue_.pop_front();
      }
      current_ = json::event_batch_json(texts);
    } else {
      current_ = std::move(queue_.front().first);
      queue_.pop_front();
    }
    ws_.text(true);
    ws_.async_write(asio::buffer(current_), [self = shared_from_this()](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->finish();
      if (!self->queue_.empty()) self->write_next();
    });
  }

  static constexpr size_t max_batch_message_bytes = 1u << 20;

  void finish() {
    if (finished_) return;
    finished_ = true;
    if (sink_) {
      caf::anon_send(registry_, detach_atom::value, client_id_, sink_);
      caf::anon_send_exit(sink_, caf::exit_reason::user_shutdown);
      std::lock_guard<std::mutex> lock(server_->sinks_mutex);
      auto& list = server_->sinks;
      list.erase(std::remove(list.begin(), list.end(), caf::actor_cast<caf::actor>(sink_)), list.end());
    }
  }

 public:
  ~ws_session() { finish(); }

 private:
  server_ptr server_;
  client_registry_actor registry_;
  websocket::stream<beast::tcp_stream> ws_;
  std::string client_id_;
  beast::flat_buffer buffer_;
  std::deque<std::pair<std::string, bool>> queue_;  // text, is an event
  std::string current_;  // the message being written
  bool writing_ = false;
  bool batch_ = false;
  session_sink_actor sink_;
  bool finished_ = false;
};

// ------------------------------------------------------------------ HTTP

class http_session : public connection, public std::enable_shared_from_this<http_session> {
 public:
  http_session(server_ptr server, tcp::socket&& socket) : server_(std::move(server)), stream_(std::move(socket)) {}

  void shut() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

  void run() {
    server_->track(shared_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

 private:
  using string_response = http::response<http::string_body>;

  void read_header() {
    header_parser_.emplace();
    header_parser_->header_limit(64 * 1024);
    header_parser_->body_limit(unlimited_body);
    stream_.expires_after(std::chrono::minutes(5));  // idle keep-alive connections
    http::async_read_header(stream_, buffer_, *header_parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      if (ec != http::error::end_of_stream) log::debug("http", "reading a request header failed: " + ec.message());
      return close();
    }
    stream_.expires_never();
    auto& req = header_parser_->get();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    auto parts = split_target(req.target());
    if (!parts.ok) return reject(400, "the query string has a malformed % escape");
    path_ = parts.path;
    query_ = parts.query;
    method_ = req.method();

    if (path_ != "/health" && !authorized(req)) return reject(401, "missing or invalid API key");
    if (websocket::is_upgrade(req)) return upgrade();
    if (server_->hub && method_ == http::verb::post && path_ == "/upload") return start_upload();
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

  // Reads the body of the current request. Beast reads from the socket at
  // most the buffer's free capacity (512 bytes after a header), so the
  // buffer gets room for 64 KiB reads first: a 1 GiB upload is then 16K
  // reads, not 2M. A client that sent "Expect: 100-continue" (curl -T,
  // --data-binary @big) gets the interim answer instead of waiting 1 s.
  template <class Parser, class Handler>
  void read_body(Parser& parser, Handler handler) {
    if (!parser.is_done()) buffer_.reserve(256 * 1024);
    if (!beast::iequals(parser.get()[http::field::expect], "100-continue") || parser.is_done())
      return http::async_read(stream_, buffer_, parser, std::move(handler));
    auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, version_);
    http::async_write(stream_, *interim,
                      [self = shared_from_this(), interim, &parser, handler](beast::error_code ec, size_t) mutable {
                        if (ec) return self->close();
                        http::async_read(self->stream_, self->buffer_, parser, std::move(handler));
                      });
  }

  bool authorized(const http::request<http::empty_body>& req) const {
    if (!server_->hub || server_->hub->api_keys.empty()) return true;
    auto header = std::string(req[http::field::authorization]);
    const std::string prefix = "Bearer ";
    if (header.compare(0, prefix.size(), prefix) != 0) return false;
    auto key = header.substr(prefix.size());
    for (const auto& k : server_->hub->api_keys)
      if (!k.empty() && k == key) return true;
    return false;
  }

  // Decoded, normalised sync path from a URL suffix or a query value.
  std::optional<std::string> sync_path(const std::string& raw, bool encoded) {
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

  // Change metadata from X-Client-Id, X-Mtime, X-Version.
  template <class Req>
  bool change_headers(const Req& req, incoming_change* c) {
    auto id = std::string(req["X-Client-Id"]);
    if (!id.empty() && !valid_client_id(id)) {
      reject(400, "X-Client-Id must be 1-64 letters, digits, '-' or '_'");
      return false;
    }
    c->entry.origin = id;
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

  void start_upload() {
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
    temp_file_ = server_->hub->upload_temp_dir + "/edge-" + std::to_string(::getpid()) + "-" +
                 std::to_string(server_->temp_counter++);
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
  // of the new version (X-Delta-Literal, in order); every other block is
  // copied from the base object at the same offset while the body
  // arrives, and the whole result is hashed on the way. X-Sha256 is
  // required: a result that hashes to anything else is refused (422) and
  // the sender sends the whole file.
  void start_delta_upload() {
    auto& req = header_parser_->get();
    auto base = std::string(req["X-Delta-Base"]);
    if (!is_sha256_hex(base)) return reject(400, "X-Delta-Base must be a sha256 (64 lowercase hex digits)");
    if (!is_sha256_hex(incoming_.expected_sha256))
      return reject(400, "a delta upload needs X-Sha256: the sha256 of the whole new version");
    uint64_t block_size = 0, size = 0;
    if (!parse_decimal(std::string(req["X-Delta-Block-Size"]), &block_size) || block_size < 4096 ||
        block_size > (16u << 20))
      return reject(400, "X-Delta-Block-Size must be an integer from 4096 to 16777216");
    if (!parse_decimal(std::string(req["X-Delta-Size"]), &size))
      return reject(400, "X-Delta-Size must be the size of the new version in bytes");
    if (size > server_->hub->max_upload_bytes)
      return reject(413, "upload is larger than the limit of " + std::to_string(server_->hub->max_upload_bytes) +
                             " bytes");
    std::string error;
    auto literal = parse_block_list(std::string(req["X-Delta-Literal"]), block_count(size, block_size), &error);
    if (!literal) return reject(400, "X-Delta-Literal: " + error);
    auto expected_body = literal_bytes(*literal, size, block_size);
    auto length = header_parser_->content_length();
    if (!length || *length != expected_body)
      return reject(400, "the body of a delta upload must hold exactly the listed blocks (" +
                             std::to_string(expected_body) + " bytes)");
    auto base_file = server_->hub->objects_dir + "/" + base.substr(0, 2) + "/" + base;
    struct stat base_stat {};
    if (::stat(base_file.c_str(), &base_stat) != 0)
      return reject(404, "the hub does not have the base content " + base + "; send the whole file");
    temp_file_ = server_->hub->upload_temp_dir + "/edge-" + std::to_string(::getpid()) + "-" +
                 std::to_string(server_->temp_counter++);
    delta_parser_.emplace(std::move(*header_parser_));
    delta_parser_->body_limit(expected_body);
    auto& body = delta_parser_->get().body();
    auto literal_copy = block_size == delta_block_size ? *literal : std::vector<uint64_t>{};
    if (!body.writer->open(base_file, temp_file_, size, block_size, std::move(*literal), &error)) {
      ::unlink(temp_file_.c_str());
      return reject(500, "cannot start the delta: " + error);
    }
    delta_base_ = base;
    delta_literal_ = literal_copy;
    read_body(*delta_parser_, [self = shared_from_this(), size](beast::error_code ec, size_t) {
      auto& body = self->delta_parser_->get().body();
      std::string error = body.error;
      bool ok = !ec && body.writer->finish(&error);
      if (!ok) {
        ::unlink(self->temp_file_.c_str());
        if (!error.empty()) return self->reject(400, "delta upload: " + error, !self->delta_parser_->is_done());
        return self->close();  // the connection broke
      }
      self->incoming_.temp_file = self->temp_file_;
      self->incoming_.content_sha256 = body.writer->sha256();
      self->incoming_.content_size = size;
      self->incoming_.reused_bytes = size - body.writer->literal_bytes_received();
      self->commit(self->incoming_, true);
    });
  }

  // A large upload with X-Sha256 is announced to the other clients
  // ("file_incoming" event) as soon as its body starts; they may fetch it
  // while it arrives. Nothing is recorded: the usual event follows the
  // commit, and a refused upload only wasted their prefetch.
  void announce_incoming() {
    auto length = file_parser_->content_length();
    const auto& sha = incoming_.expected_sha256;
    if (!length || *length < incoming_stream_min || !is_sha256_hex(sha)) return;
    auto up = std::make_shared<incoming_upload>();
    up->temp_file = temp_file_;
    up->size = *length;
    {
      std::lock_guard<std::mutex> lock(server_->incoming_mutex);
      if (!server_->incoming.emplace(sha, up).second) return;  // the same content is already arriving
    }
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

  void incoming_done(bool ok) {
    if (incoming_upload_) incoming_upload_->state = ok ? incoming_upload::complete : incoming_upload::failed;
  }

  // After the commit (or a failure): the temp file is gone or renamed, so
  // no new reader can start; readers already streaming keep their file.
  void drop_incoming() {
    if (!incoming_upload_) return;
    std::lock_guard<std::mutex> lock(server_->incoming_mutex);
    auto it = server_->incoming.find(incoming_.expected_sha256);
    if (it != server_->incoming.end() && it->second == incoming_upload_) server_->incoming.erase(it);
    incoming_upload_.reset();
  }

  // GET /incoming/{sha256}: the bytes of an upload of that content while
  // it arrives, sent as they are written (Content-Length = the upload's).
  // The answer is cut short (connection closed) if the upload breaks, so
  // a client never takes a partial body for a whole one.
  void incoming(const std::string& sha) {
    std::shared_ptr<incoming_upload> up;
    {
      std::lock_guard<std::mutex> lock(server_->incoming_mutex);
      auto it = server_->incoming.find(sha);
      if (it != server_->incoming.end()) up = it->second;
    }
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

  void tail_next() {
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

  void end_tail(bool broken) {
    if (tail_) ::close(tail_->fd);
    tail_.reset();
    stream_.expires_never();
    if (broken || !keep_alive_) return close();
    reset();
    read_header();
  }

  void commit(incoming_change c, bool delta = false) {
    auto self = shared_from_this();
    ask<change_result>(
        server_->system, stream_.get_executor(), server_->hub->store,
        std::function<void(change_result&)>([self, delta, sha = c.content_sha256](change_result& r) {
          self->drop_incoming();
          if (!r.error.empty() && r.status != 409) return self->reject(r.status, r.error, false);
          if (delta && r.status == 200 && self->delta_literal_.size() > 0)
            self->server_->remember_delta(self->delta_base_, sha, std::move(self->delta_literal_));
          self->send_json(r.status, json::change_result_json(r));
        }),
        std::function<void(const std::string&)>([self, c](const std::string& msg) {
          self->drop_incoming();
          if (!c.temp_file.empty()) ::unlink(c.temp_file.c_str());
          self->reject(503, "the file store did not answer: " + msg, false);
        }),
        commit_atom::value, c);
  }

  void route() {
    auto& req = string_parser_->get();
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
    if (!server_->hub) return reject(404, "no such endpoint: " + p);
    auto& hub = *server_->hub;
    auto self = shared_from_this();
    auto fail = std::function<void(const std::string&)>(
        [self](const std::string& msg) { self->reject(503, "the hub did not answer: " + msg, false); });
    std::string error;
    if (p == "/register") {
      if (method_ != http::verb::post) return reject(405, "use POST");
      auto name = json::parse_register_request(req.body(), &error);
      if (!name) return reject(400, error);
      // The name ends up inside file names (conflict copies): one path
      // component's rules, or nothing is recorded.
      if (auto why = client_name_error(*name)) return reject(400, "invalid client_name: " + *why);
      return ask<client_record>(server_->system, stream_.get_executor(), hub.store,
                                std::function<void(client_record&)>([self](client_record& r) {
                                  self->send_json(200, "{\"client_id\":" + json::quote(r.id) + "}");
                                }),
                                fail, register_atom::value, *name);
    }
    if (p == "/sync") {
      if (method_ != http::verb::post) return reject(405, "use POST");
      auto request = json::parse_sync_request_since(req.body(), &error);
      if (!request) return reject(400, error);
      auto* entries = &request->files;
      for (auto& e : *entries) {
        auto normal = normalize_sync_path(e.path, &error);
        if (!normal) return reject(400, "invalid path '" + e.path + "': " + error);
        e.path = *normal;
      }
      if (request->since)
        return ask<sync_plan>(server_->system, stream_.get_executor(), hub.store,
                              std::function<void(sync_plan&)>(
                                  [self](sync_plan& plan) { self->send_json(200, json::sync_plan_json(plan)); }),
                              fail, sync_atom::value, std::move(*entries), *request->since, request->hub_id);
      return ask<sync_plan>(server_->system, stream_.get_executor(), hub.store,
                            std::function<void(sync_plan&)>(
                                [self](sync_plan& plan) { self->send_json(200, json::sync_plan_json(plan)); }),
                            fail, sync_atom::value, std::move(*entries));
    }
    if (p == "/link") {
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
    if (is("/dirs/")) {
      if (method_ != http::verb::put) return reject(405, "use PUT");
      auto path = sync_path(p.substr(6), true);
      if (!path) return;
      incoming_change c;
      c.entry.path = *path;
      c.entry.is_dir = true;
      if (!change_headers(req, &c)) return;
      return commit(c);
    }
    if (is("/files/")) {
      if (method_ != http::verb::delete_) return reject(405, "use DELETE");
      auto path = sync_path(p.substr(7), true);
      if (!path) return;
      incoming_change c;
      c.entry.path = *path;
      c.entry.deleted = true;
      if (!change_headers(req, &c)) return;
      return commit(c);
    }
    if (p == "/files") {
      if (method_ != http::verb::get) return reject(405, "use GET");
      bool deleted = query_.count("deleted") && query_["deleted"] != "0" && query_["deleted"] != "false";
      return ask<std::vector<file_entry>>(server_->system, stream_.get_executor(), hub.store,
                                          std::function<void(std::vector<file_entry>&)>([self](auto& files) {
                                            self->send_json(200, json::entries_json(files, "files"));
                                          }),
                                          fail, list_atom::value, deleted);
    }
    if (p == "/conflicts") {
      if (method_ != http::verb::get) return reject(405, "use GET");
      bool open_only = !(query_.count("all") && query_["all"] != "0");
      return ask<std::vector<conflict_record>>(
          server_->system, stream_.get_executor(), hub.store,
          std::function<void(std::vector<conflict_record>&)>(
              [self](auto& records) { self->send_json(200, json::conflicts_json(records)); }),
          fail, conflicts_atom::value, open_only);
    }
    if (is("/incoming/")) {
      if (method_ != http::verb::get) return reject(405, "use GET");
      auto sha = p.substr(10);
      if (!is_sha256_hex(sha)) return reject(400, "'" + sha + "' is not a sha256 (64 lowercase hex digits)", false);
      return incoming(sha);
    }
    if (is("/download/")) {
      if (method_ != http::verb::get && method_ != http::verb::head) return reject(405, "use GET");
      auto path = sync_path(p.substr(10), true);
      if (!path) return;
      range_header_ = std::string(req[http::field::range]);
      if_range_ = std::string(req[http::field::if_range]);
      return ask<file_lookup>(server_->system, stream_.get_executor(), hub.store,
                              std::function<void(file_lookup&)>([self](file_lookup& f) { self->download(f); }), fail,
                              lookup_atom::value, *path);
    }
    if (p == "/blocks") {
      if (method_ != http::verb::get) return reject(405, "use GET");
      auto it = query_.find("path");
      if (it == query_.end()) return reject(400, "missing query parameter 'path'", false);
      auto path = sync_path(it->second, false);
      if (!path) return;
      return ask<file_lookup>(server_->system, stream_.get_executor(), hub.store,
                              std::function<void(file_lookup&)>([self](file_lookup& f) { self->blocks(f); }), fail,
                              lookup_atom::value, *path);
    }
    if (p == "/delta") {
      if (method_ != http::verb::get) return reject(405, "use GET");
      return delta(query_["from"], query_["to"]);
    }
    if (p == "/batch") {
      if (method_ != http::verb::post) return reject(405, "use POST");
      return batch(req);
    }
    if (p == "/objects") {
      if (method_ != http::verb::post) return reject(405, "use POST");
      return objects(req.body());
    }
    if (is("/ws/")) return reject(400, "this endpoint needs a WebSocket upgrade");
    return reject(404, "no such endpoint: " + p);
  }

  // Most changes one batch may carry, and the most bytes one POST
  // /objects answer holds (the rest is answered null: ask again).
  static constexpr size_t max_batch_changes = 10000;
  static constexpr uint64_t max_objects_reply_bytes = 16ull << 20;

  // POST /batch: a manifest line, then the bytes of every upload in
  // order. Each upload is written to its own temp file and hashed from
  // memory here; file-store gets the whole batch as one message.
  void batch(http::request<http::string_body>& req) {
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
    std::vector<incoming_change> incoming;
    incoming.reserve(changes->size());
    auto drop_temps = [&incoming] {
      for (const auto& c : incoming)
        if (!c.temp_file.empty()) ::unlink(c.temp_file.c_str());
    };
    // Every path is checked before any temp file exists (an answer may
    // reach the client before this handler returns).
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
    size_t offset = newline + 1;
    http_server::impl::recent_batch kept;
    for (auto& change : *changes) {
      incoming_change c;
      c.entry = change.meta;
      c.entry.origin = defaults.entry.origin;
      c.entry.sequence = 0;
      c.version_given = !change.meta.version.empty();
      switch (change.op) {
        case batch_change::upload: {
          auto bytes = body.substr(offset, change.meta.size);
          offset += change.meta.size;
          c.entry.is_dir = c.entry.deleted = false;
          c.expected_sha256 = change.meta.sha256;
          c.temp_file = server_->temp_prefix + std::to_string(server_->temp_counter++);
          if (!write_whole_file(c.temp_file, bytes)) {
            ::unlink(c.temp_file.c_str());
            drop_temps();  // before answering: the client may look right away
            int err = errno;
            return reject(storage_status(err), "cannot write upload temp file: " + std::string(std::strerror(err)), false);
          }
          c.content_sha256 = sha256_hex(bytes);
          c.content_size = bytes.size();
          kept.objects.emplace(c.content_sha256, std::make_pair(offset - change.meta.size, bytes.size()));
          break;
        }
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
      incoming.push_back(std::move(c));
    }
    // Bytes named by the sha256 computed above from these very bytes, so
    // they are right for that sha256 whatever file-store decides.
    kept.body = std::make_shared<const std::string>(std::move(req.body()));
    server_->remember_batch(std::move(kept));
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

  static bool write_whole_file(const std::string& file, std::string_view bytes) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        ::close(fd);
        return false;
      }
      done += static_cast<size_t>(n);
    }
    return ::close(fd) == 0;
  }

  // POST /objects: the bytes of many objects by sha256. Objects are
  // immutable files named by their content, so the edge reads them
  // without asking file-store. Answer: a line {"sizes":[n|null,...]},
  // then the bytes of every non-null entry in order.
  void objects(std::string_view body) {
    std::string error;
    auto wanted = json::parse_objects_request(body, &error);
    if (!wanted) return reject(400, error, false);
    if (wanted->size() > max_batch_changes)
      return reject(400, "ask for at most " + std::to_string(max_batch_changes) + " objects at once", false);
    std::vector<std::optional<uint64_t>> sizes(wanted->size());
    // The answer is built in place (objects are up to 16 MiB): room for the
    // sizes line first (at most 21 bytes per object), then the bytes.
    std::string content(wanted->size() * 21 + 16, ' ');
    const size_t header_room = content.size();
    for (size_t i = 0; i < wanted->size(); ++i) {
      const auto& sha = (*wanted)[i];
      if (!is_sha256_hex(sha)) return reject(400, "'" + sha + "' is not a sha256 (64 lowercase hex digits)", false);
      if (content.size() - header_room >= max_objects_reply_bytes) continue;
      auto at = content.size();
      if (server_->append_recent_object(sha, &content)) {
        sizes[i] = content.size() - at;
        continue;
      }
      auto object = server_->hub->objects_dir + "/" + sha.substr(0, 2) + "/" + sha;
      int fd = ::open(object.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      struct stat st {};
      if (::fstat(fd, &st) == 0) {
        content.resize(at + static_cast<size_t>(st.st_size));
        size_t done = 0;
        while (done < static_cast<size_t>(st.st_size)) {
          auto n = ::pread(fd, content.data() + at + done, static_cast<size_t>(st.st_size) - done,
                           static_cast<off_t>(done));
          if (n <= 0) break;
          done += static_cast<size_t>(n);
        }
        if (done == static_cast<size_t>(st.st_size)) sizes[i] = done;
        else content.resize(at);
      }
      ::close(fd);
    }
    auto res = std::make_shared<string_response>(http::status::ok, version_);
    res->set(http::field::server, "syncer");
    res->set(http::field::content_type, "application/octet-stream");
    auto sizes_line = json::objects_sizes_json(sizes) + "\n";
    auto start = header_room - sizes_line.size();  // fits: at most 20 digits and a comma each
    content.replace(start, sizes_line.size(), sizes_line);
    content.erase(0, start);
    res->body() = std::move(content);
    res->prepare_payload();
    res->keep_alive(keep_alive_);
    write(res);
  }

  // GET /blocks?path=P: the XXH64 checksum of every 128 KiB block of the
  // hub's current content of P, so a client can send only the blocks of
  // its new version that differ (POST /upload with X-Delta-Base). Read
  // from the immutable object on this I/O thread (about 10 GB/s).
  void blocks(const file_lookup& f) {
    if (!f.found) return reject(404, "no such file", false);
    std::string error;
    std::vector<uint64_t> sums;
    if (f.entry.size > 0) {
      auto computed = file_block_checksums(f.object_file, delta_block_size, &error);
      if (!computed) return reject(500, "cannot read object: " + error, false);
      sums = std::move(*computed);
    }
    send_json(200, json::blocks_reply_json({f.entry.sha256, f.entry.size, delta_block_size, std::move(sums)}));
  }

  // Most literal bytes one GET /delta answer holds; a bigger change is
  // downloaded whole.
  static constexpr uint64_t max_delta_reply_bytes = 32ull << 20;

  // GET /delta?from=A&to=B: what a client holding object A needs to build
  // object B: a line {"sha256":B,"size":N,"block_size":S,"literal":"0-3,17"}
  // then the bytes of those blocks. The hub has both objects, so the
  // blocks are found by direct comparison. 404 when either object is
  // unknown, 413 when the change is too big to be worth it.
  void delta(const std::string& from, const std::string& to) {
    if (!is_sha256_hex(from) || !is_sha256_hex(to))
      return reject(400, "'from' and 'to' must be sha256s (64 lowercase hex digits)", false);
    auto object = [&](const std::string& sha) { return server_->hub->objects_dir + "/" + sha.substr(0, 2) + "/" + sha; };
    struct stat from_stat {}, to_stat {};
    if (::stat(object(from).c_str(), &from_stat) != 0) return reject(404, "the hub does not have content " + from, false);
    if (::stat(object(to).c_str(), &to_stat) != 0) return reject(404, "the hub does not have content " + to, false);
    auto size = static_cast<uint64_t>(to_stat.st_size);
    std::string error;
    auto literal = server_->recent_delta(from, to);
    if (!literal) literal = differing_blocks(object(from), object(to), delta_block_size, &error);
    if (!literal) return reject(500, "cannot compare objects: " + error, false);
    auto bytes = literal_bytes(*literal, size, delta_block_size);
    if (bytes > max_delta_reply_bytes || bytes > size / 2)
      return reject(413, "the change is " + std::to_string(bytes) + " bytes: download the whole file", false);
    auto res = std::make_shared<string_response>(http::status::ok, version_);
    res->set(http::field::server, "syncer");
    res->set(http::field::content_type, "application/octet-stream");
    auto& body = res->body();
    body = json::delta_header_json({to, size, delta_block_size, format_block_list(*literal)}) + "\n";
    auto header = body.size();
    body.resize(header + bytes);
    int fd = ::open(object(to).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return reject(500, std::string("cannot open object: ") + std::strerror(errno), false);
    size_t at = header;
    for (auto b : *literal) {
      uint64_t start = b * delta_block_size;
      auto want = static_cast<size_t>(std::min<uint64_t>(delta_block_size, size - start));
      size_t done = 0;
      while (done < want) {
        auto n = ::pread(fd, body.data() + at + done, want - done, static_cast<off_t>(start + done));
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      if (done != want) {
        ::close(fd);
        return reject(500, "object " + to + " is shorter than its size", false);
      }
      at += want;
    }
    ::close(fd);
    res->prepare_payload();
    res->keep_alive(keep_alive_);
    write(res);
  }

  static bool is_sha256_hex(const std::string& sha) {
    if (sha.size() != 64) return false;
    for (char c : sha)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
  }

  void download(const file_lookup& f) {
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

  void inspect() {
    auto self = shared_from_this();
    auto exec = stream_.get_executor();
    auto targets = server_->targets;
    auto role = server_->role;
    // One collector actor asks every target; a silent one is reported, not waited for.
    server_->system.spawn([self, exec, targets, role](caf::event_based_actor* actor) {
      auto results = std::make_shared<std::vector<actor_state>>(targets.size());
      auto remaining = std::make_shared<size_t>(targets.size());
      auto finish = [self, exec, results, role] {
        asio::post(exec, [self, results, role] { self->send_json(200, json::actor_states_json(role, *results)); });
      };
      if (targets.empty()) return finish();
      for (size_t i = 0; i < targets.size(); ++i) {
        auto name = targets[i].first;
        actor->request(targets[i].second, std::chrono::seconds(3), inspect_atom::value)
            .then(
                [=](actor_state& st) {
                  st.name = name;
                  (*results)[i] = std::move(st);
                  if (--*remaining == 0) finish();
                },
                [=](caf::error& err) {
                  actor_state st;
                  st.name = name;
                  st.info["error"] = "no answer: " + actor->system().render(err);
                  (*results)[i] = std::move(st);
                  if (--*remaining == 0) finish();
                });
      }
    });
  }

  void upgrade() {
    if (!server_->hub) return reject(404, "no WebSocket endpoint here");
    if (path_.compare(0, 4, "/ws/") != 0) return reject(404, "no WebSocket endpoint at " + path_);
    auto id = percent_decode(path_.substr(4)).value_or("");
    if (!valid_client_id(id)) return reject(400, "invalid client id");
    bool batch = query_.count("batch") && query_["batch"] != "0" && query_["batch"] != "false";
    auto self = shared_from_this();
    ask<std::optional<client_record>>(
        server_->system, stream_.get_executor(), server_->hub->store,
        std::function<void(std::optional<client_record>&)>([self, id, batch](std::optional<client_record>& c) {
          if (!c) return self->reject(404, "unknown client id '" + id + "'; register first", true);
          if (self->server_->stopping) return self->close();
          auto ws = std::make_shared<ws_session>(self->server_, self->stream_.release_socket(), id, batch);
          self->server_->track(ws);
          ws->start(self->header_parser_->release());
        }),
        std::function<void(const std::string&)>(
            [self](const std::string& msg) { self->reject(503, "the hub did not answer: " + msg, true); }),
        client_atom::value, id);
  }

  std::shared_ptr<string_response> make_json(int status, std::string body) {
    auto res = std::make_shared<string_response>(static_cast<http::status>(status), version_);
    res->set(http::field::server, "syncer");
    res->set(http::field::content_type, "application/json");
    res->body() = std::move(body);
    res->prepare_payload();
    res->keep_alive(keep_alive_ && !force_close_);
    return res;
  }

  void send_json(int status, std::string body) { write(make_json(status, std::move(body))); }

  // An error answer. `body_unread`: the request body was not consumed, so
  // the connection cannot be reused.
  // 507 Insufficient Storage for a full disk or quota (the client backs
  // off and retries by itself), 500 for any other storage error.
  static int storage_status(int err) { return err == ENOSPC || err == EDQUOT ? 507 : 500; }

  void reject(int status, const std::string& message, bool body_unread = true) {
    if (body_unread) force_close_ = true;
    if (status >= 500) log::warn("http", path_ + ": " + message);
    else log::debug("http", path_ + ": " + std::to_string(status) + " " + message);
    send_json(status, json::error_body(message));
  }

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

  void reset() {
    string_parser_.reset();
    file_parser_.reset();
    delta_parser_.reset();
    header_parser_.reset();
    force_close_ = false;
  }

  // After an answer sent before the request body was read (413, 401, ...):
  // closing with unread bytes in the socket makes the kernel send a reset,
  // which can destroy the answer before the client reads it. So stop
  // sending, then read and discard for a bounded while (2 s, 64 MiB).
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    drain_block_.resize(64 * 1024);
    drain_next(0);
  }

  void drain_next(uint64_t drained) {
    stream_.async_read_some(asio::buffer(drain_block_),
                            [self = shared_from_this(), drained](beast::error_code ec, size_t n) {
                              if (ec || drained + n > (64u << 20)) return self->close();
                              self->drain_next(drained + n);
                            });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  server_ptr server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> string_parser_;
  std::optional<http::request_parser<hashing_file_body>> file_parser_;
  std::optional<http::request_parser<delta_file_body>> delta_parser_;
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

}  // namespace

void http_server::impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopping) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<http_session>(self, std::move(socket))->run();
    }
    self->accept();
  });
}

http_server::http_server(caf::actor_system& system) : impl_(std::make_shared<impl>(system)) {}

http_server::~http_server() { stop(); }

void http_server::set_inspect_targets(std::string role, std::vector<std::pair<std::string, caf::actor>> targets) {
  impl_->role = std::move(role);
  impl_->targets = std::move(targets);
}

void http_server::enable_hub(hub_edge_config config) {
  impl_->temp_prefix = config.upload_temp_dir + "/edge-" + std::to_string(::getpid()) + "-";
  impl_->hub = std::move(config);
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
