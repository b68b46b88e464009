#include "net/client/hub_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "actors/rules/path_rules.h"
#include "net/body/body_limit.h"
#include "net/body/file_window_body.h"
#include "net/body/hashing_file_body.h"
#include "net/json.h"
#include "storage/block_delta.h"

namespace syncer {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto connect_timeout = 3s;
constexpr auto io_timeout = 60s;

// Time allowed for moving `bytes`: never under a minute, and at least
// 10 MB/s for big bodies, so multi-GiB transfers are not cut off.
std::chrono::seconds transfer_timeout(uint64_t bytes) {
  return std::max<std::chrono::seconds>(io_timeout, std::chrono::seconds(bytes / (10 * 1000 * 1000)));
}

struct raw_reply {
  int status = 0;
  std::string body;
  std::string error;
};

class beast_hub_client : public hub_api {
 public:
  explicit beast_hub_client(hub_address address) : address_(std::move(address)) {}

  hub_reply health() override { return to_reply(call(http::verb::get, "/health", "", {})); }

  hub_reply register_client(const std::string& name, std::string* client_id) override {
    auto r = call(http::verb::post, "/register", "{\"client_name\":" + json::quote(name) + "}", {});
    auto reply = to_reply(r);
    if (reply.ok()) {
      std::string error;
      auto id = json::parse_register_reply(r.body, &error);
      if (!id) return {0, "unexpected answer from the hub: " + error};
      *client_id = *id;
    }
    return reply;
  }

  hub_reply sync(std::vector<file_entry> local, sync_plan* plan) override {
    return sync_request(std::move(local), "", plan);
  }

  hub_reply sync_since(std::vector<file_entry> changed, uint64_t since, const std::string& hub_id,
                       sync_plan* plan) override {
    return sync_request(std::move(changed),
                        ",\"since\":" + std::to_string(since) + ",\"hub_id\":" + json::quote(hub_id), plan);
  }

  hub_reply sync_request(std::vector<file_entry> local, const std::string& extra, sync_plan* plan) {
    std::string body;
    body.reserve(json::entries_json_size_hint(local) + extra.size() + 32);
    body += "{\"client_id\":\"\"";
    body += extra;
    body += ",\"files\":[";
    for (size_t i = 0; i < local.size(); ++i) {
      if (i) body += ',';
      json::append_entry_json(body, local[i]);
    }
    body += "]}";
    std::vector<file_entry>().swap(local);  // written out: free it before sending
    auto r = call(http::verb::post, "/sync", body, {});
    std::string().swap(body);  // sent: its MiBs are not needed while the answer is parsed
    auto reply = to_reply(r);
    if (reply.ok()) {
      std::string error;
      auto parsed = json::parse_sync_plan(r.body, &error);
      if (!parsed) return {0, "unexpected answer from the hub: " + error};
      *plan = std::move(*parsed);
    }
    return reply;
  }

  hub_reply upload(const file_entry& meta, const std::string& local_file, hub_change* out) override {
    auto target = "/upload?path=" + percent_encode_path(meta.path);
    raw_reply r;
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = stream_.has_value();
      if (!connect(&r)) return to_reply(r);
      http::request<file_window_body> req{http::verb::post, target, 11};
      beast::error_code ec;
      req.body().file.open(local_file.c_str(), beast::file_mode::scan, ec);
      if (ec) return {0, "cannot read " + local_file + ": " + ec.message()};
      req.body().length = req.body().file.size(ec);
      if (ec) return {0, "cannot read " + local_file + ": " + ec.message()};
      auto headers = change_headers(meta);
      if (!meta.sha256.empty()) headers.push_back({"X-Sha256", meta.sha256});
      decorate(req, headers);
      req.prepare_payload();
      auto size = req.body().length;
      if (exchange(req, &r, transfer_timeout(size))) break;
      if (!reused) break;
    }
    return change_reply(r, out);
  }

  hub_reply link(const file_entry& meta, hub_change* out) override {
    std::string body = "{\"sha256\":" + json::quote(meta.sha256) + ",\"size\":" + std::to_string(meta.size) +
                       ",\"mtime\":" + std::to_string(meta.mtime_ns) + ",\"version\":" + json::version_json(meta.version) + "}";
    auto r = call(http::verb::post, "/link?path=" + percent_encode_path(meta.path), body, change_headers(meta));
    return change_reply(r, out);
  }

  hub_reply make_dir(const file_entry& meta, hub_change* out) override {
    auto r = call(http::verb::put, "/dirs/" + percent_encode_path(meta.path), "", change_headers(meta));
    return change_reply(r, out);
  }

  hub_reply remove(const file_entry& meta, hub_change* out) override {
    auto r = call(http::verb::delete_, "/files/" + percent_encode_path(meta.path), "", change_headers(meta));
    return change_reply(r, out);
  }

  hub_reply download(const std::string& path, const std::string& expected_sha256,
                     const std::string& dest_file) override {
    std::string ignored;
    return download_hashed(path, expected_sha256, dest_file, &ignored);
  }

  hub_reply download_hashed(const std::string& path, const std::string& expected_sha256,
                            const std::string& dest_file, std::string* whole_sha256) override {
    whole_sha256->clear();
    raw_reply r;
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = stream_.has_value();
      if (!connect(&r)) return to_reply(r);
      struct stat st {};
      uint64_t have = ::stat(dest_file.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
      http::request<http::empty_body> req{http::verb::get, "/download/" + percent_encode_path(path), 11};
      std::vector<std::pair<std::string, std::string>> headers;
      if (have > 0 && !expected_sha256.empty()) {
        headers.push_back({"Range", "bytes=" + std::to_string(have) + "-"});
        headers.push_back({"If-Range", "\"" + expected_sha256 + "\""});
      }
      decorate(req, headers);
      if (fetch(req, expected_sha256, dest_file, &r, whole_sha256)) break;
      if (!reused) break;
    }
    return to_reply(r);
  }

  // Most literal bytes a delta upload holds in memory; a bigger change
  // is streamed whole.
  static constexpr uint64_t max_delta_upload_bytes = 32ull << 20;

  hub_reply upload_delta(const file_entry& meta, const std::string& local_file, hub_change* out,
                         uint64_t* sent) override {
    *sent = 0;
    // Our own checksums are computed while the hub computes its own, and
    // abandoned at once when the hub has no base (a new file: the usual
    // case of an initial sync).
    auto stop = std::make_shared<std::atomic<bool>>(false);
    auto ours = std::async(std::launch::async, [local_file, stop] {
      std::string error;
      return file_block_checksums(local_file, delta_block_size, &error, stop.get());
    });
    auto r = call(http::verb::get, "/blocks?path=" + percent_encode_path(meta.path), "", {});
    auto reply = to_reply(r);
    if (!reply.ok()) *stop = true;
    auto mine = ours.get();
    if (!reply.ok()) return reply;
    std::string error;
    auto base = json::parse_blocks_reply(r.body, &error);
    if (!base) return {412, "unexpected answer to GET /blocks: " + error};
    if (base->block_size != delta_block_size) mine = file_block_checksums(local_file, base->block_size, &error);
    if (!mine) return {412, "cannot read " + local_file + (error.empty() ? "" : ": " + error)};
    auto literal = changed_blocks(*mine, base->checksums);
    auto bytes = literal_bytes(literal, meta.size, base->block_size);
    if (bytes > max_delta_upload_bytes || bytes > meta.size / 2)
      return {412, std::to_string(bytes) + " of " + std::to_string(meta.size) + " bytes changed: not worth a delta"};
    std::string body(bytes, '\0');
    int fd = ::open(local_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {412, "cannot read " + local_file};
    size_t at = 0;
    for (auto b : literal) {
      uint64_t start = b * base->block_size;
      auto want = static_cast<size_t>(std::min<uint64_t>(base->block_size, meta.size - start));
      auto n = ::pread(fd, body.data() + at, want, static_cast<off_t>(start));
      if (n != static_cast<ssize_t>(want)) {
        ::close(fd);
        return {412, local_file + " changed while its delta was read"};
      }
      at += want;
    }
    ::close(fd);
    auto headers = change_headers(meta);
    headers.push_back({"X-Sha256", meta.sha256});
    headers.push_back({"X-Delta-Base", base->sha256});
    headers.push_back({"X-Delta-Block-Size", std::to_string(base->block_size)});
    headers.push_back({"X-Delta-Size", std::to_string(meta.size)});
    headers.push_back({"X-Delta-Literal", format_block_list(literal)});
    auto up = call(http::verb::post, "/upload?path=" + percent_encode_path(meta.path), body, headers,
                   "application/octet-stream");
    auto result = change_reply(up, out);
    if (result.ok()) *sent = bytes;
    return result;
  }

  hub_reply download_delta(const std::string& from_sha256, const std::string& to_sha256, const std::string& base_file,
                           const std::string& dest_file, std::string* whole_sha256, uint64_t* received) override {
    whole_sha256->clear();
    *received = 0;
    auto r = call(http::verb::get, "/delta?from=" + from_sha256 + "&to=" + to_sha256, "", {});
    auto reply = to_reply(r);
    if (!reply.ok()) return reply;
    auto newline = r.body.find('\n');
    std::string error;
    auto header = newline == std::string::npos ? std::nullopt
                                               : json::parse_delta_header(std::string_view(r.body).substr(0, newline), &error);
    if (!header || header->sha256 != to_sha256) return {412, "unexpected answer to GET /delta: " + error};
    auto literal = parse_block_list(header->literal, block_count(header->size, header->block_size), &error);
    if (!literal) return {412, "unexpected answer to GET /delta: " + error};
    auto payload = std::string_view(r.body).substr(newline + 1);
    if (payload.size() != literal_bytes(*literal, header->size, header->block_size))
      return {412, "the answer to GET /delta is not the size of its blocks"};
    delta_writer writer;
    if (!writer.open(base_file, dest_file, header->size, header->block_size, std::move(*literal), &error) ||
        !writer.put(payload.data(), payload.size(), &error) || !writer.finish(&error))
      return {412, error};
    *whole_sha256 = writer.sha256();
    *received = payload.size();
    return reply;
  }

  hub_reply prefetch(const std::string& sha256, const std::string& dest_file, std::string* whole_sha256) override {
    whole_sha256->clear();
    raw_reply r;
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = stream_.has_value();
      if (!connect(&r)) return to_reply(r);
      http::request<http::empty_body> req{http::verb::get, "/incoming/" + sha256, 11};
      decorate(req, {});
      if (fetch(req, sha256, dest_file, &r, whole_sha256)) break;
      if (!reused) break;
    }
    return to_reply(r);
  }

  hub_reply upload_batch(const std::vector<batch_change>& changes, std::vector<batch_outcome>* out) override {
    out->clear();
    if (changes.empty()) return {200, ""};
    std::string body = json::batch_manifest_json(changes);
    size_t content_bytes = 0;
    for (const auto& c : changes) content_bytes += c.content.size();
    body.reserve(body.size() + 1 + content_bytes);
    body += '\n';
    for (const auto& c : changes)
      if (c.op == batch_change::upload) body += c.content;
    header_list headers;
    if (!changes.front().meta.origin.empty()) headers.push_back({"X-Client-Id", changes.front().meta.origin});
    auto r = call(http::verb::post, "/batch", body, headers, "application/octet-stream");
    auto reply = to_reply(r);
    if (!reply.ok()) return reply;
    std::string error;
    auto parsed = json::parse_batch_results(r.body, &error);
    if (!parsed || parsed->size() != changes.size())
      return {0, "unexpected answer from the hub: " + (parsed ? std::string("wrong number of results") : error)};
    *out = std::move(*parsed);
    return reply;
  }

  hub_reply fetch_objects(const std::vector<std::string>& sha256s,
                          std::vector<std::optional<std::string>>* out) override {
    out->clear();
    std::string body = "{\"sha256\":[";
    for (size_t i = 0; i < sha256s.size(); ++i) {
      if (i) body += ',';
      body += json::quote(sha256s[i]);
    }
    body += "]}";
    auto r = call(http::verb::post, "/objects", body, {});
    auto reply = to_reply(r);
    if (!reply.ok()) return reply;
    auto newline = r.body.find('\n');
    std::string error;
    auto sizes = newline == std::string::npos ? std::nullopt
                                              : json::parse_objects_sizes(std::string_view(r.body).substr(0, newline), &error);
    if (!sizes || sizes->size() != sha256s.size()) return {0, "unexpected answer from the hub to POST /objects"};
    size_t offset = newline + 1;
    for (const auto& size : *sizes) {
      if (!size) {
        out->push_back(std::nullopt);
        continue;
      }
      if (r.body.size() - offset < *size) return {0, "the hub's answer to POST /objects is cut short"};
      out->push_back(r.body.substr(offset, *size));
      offset += *size;
    }
    return reply;
  }

  hub_reply list_files(bool include_deleted, std::vector<file_entry>* out) override {
    auto r = call(http::verb::get, include_deleted ? "/files?deleted=1" : "/files", "", {});
    auto reply = to_reply(r);
    if (reply.ok()) {
      std::string error;
      auto parsed = json::parse_entry_list(r.body, "files", &error);
      if (!parsed) return {0, "unexpected answer from the hub: " + error};
      *out = std::move(*parsed);
    }
    return reply;
  }

 private:
  using header_list = std::vector<std::pair<std::string, std::string>>;

  static header_list change_headers(const file_entry& meta) {
    header_list h;
    if (!meta.origin.empty()) h.push_back({"X-Client-Id", meta.origin});
    if (meta.mtime_ns > 0) h.push_back({"X-Mtime", std::to_string(meta.mtime_ns)});
    if (!meta.version.empty()) h.push_back({"X-Version", meta.version.to_string()});
    return h;
  }

  template <class Request>
  void decorate(Request& req, const header_list& headers) {
    req.set(http::field::host, address_.host + ":" + std::to_string(address_.port));
    req.set(http::field::user_agent, "syncer");
    req.keep_alive(true);
    if (!address_.api_key.empty()) req.set(http::field::authorization, "Bearer " + address_.api_key);
    for (const auto& [k, v] : headers) req.set(k, v);
  }

  static hub_reply to_reply(const raw_reply& r) {
    hub_reply reply{r.status, r.error};
    if (r.status != 0 && (r.status < 200 || r.status >= 300) && reply.error.empty())
      reply.error = json::parse_error_message(r.body);
    return reply;
  }

  hub_reply change_reply(const raw_reply& r, hub_change* out) {
    auto reply = to_reply(r);
    if (reply.ok() || r.status == 409) {
      std::string error;
      auto parsed = json::parse_change_reply(r.body, &error);
      if (parsed) *out = std::move(*parsed);
      else if (reply.ok()) return {0, "unexpected answer from the hub: " + error};
    }
    return reply;
  }

  // Runs the io_context until the pending async operation is done.
  void run() {
    io_.restart();
    io_.run();
  }

  bool connect(raw_reply* r) {
    if (stream_) return true;
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(address_.host, std::to_string(address_.port), ec);
    if (ec) {
      r->status = 0;
      r->error = "cannot resolve hub " + address_.host + ": " + ec.message();
      return false;
    }
    stream_.emplace(io_);
    stream_->expires_after(connect_timeout);
    stream_->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      stream_.reset();
      r->status = 0;
      r->error = "cannot reach the hub at " + address_.host + ":" + std::to_string(address_.port) + ": " + ec.message();
      return false;
    }
    stream_->socket().set_option(tcp::no_delay(true), ec);
    return true;
  }

  void drop_connection() {
    if (!stream_) return;
    beast::error_code ec;
    stream_->socket().close(ec);
    stream_.reset();
    buffer_.clear();
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
      parser.body_limit(unlimited_body);
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

  raw_reply call(http::verb verb, const std::string& target, const std::string& body, const header_list& headers,
                 const char* content_type = "application/json") {
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

  // GET with the body streamed into `dest_file` (appended on 206).
  bool fetch(http::request<http::empty_body>& req, const std::string& expected_sha256, const std::string& dest_file,
             raw_reply* r, std::string* whole_sha256) {
    beast::error_code ec;
    stream_->expires_after(io_timeout);
    http::async_write(*stream_, req, [&](beast::error_code e, size_t) { ec = e; });
    run();
    http::response_parser<http::empty_body> header;
    header.body_limit(unlimited_body);
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
    body.body_limit(unlimited_body);
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

  hub_address address_;
  asio::io_context io_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

}  // namespace

std::unique_ptr<hub_api> make_hub_client(const hub_address& address) {
  return std::make_unique<beast_hub_client>(address);
}

}  // namespace syncer
