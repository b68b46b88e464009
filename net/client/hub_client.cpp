#include "net/client/hub_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "actors/rules/path_rules.h"
#include "actors/rules/transfer_policy.h"
#include "net/body/file_window_body.h"
#include "net/client/hub_connection.h"
#include "net/json.h"
#include "net/status_map.h"
#include "storage/block_delta.h"

namespace syncer {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using edge::header_list;
using edge::raw_reply;
using edge::transfer_timeout;

class beast_hub_client : public hub_api {
 public:
  explicit beast_hub_client(hub_address address) : conn_(std::move(address)) {}

  hub_reply health() override { return to_reply(conn_.call(http::verb::get, "/health", "", {})); }

  hub_reply register_client(const std::string& name, std::string* client_id) override {
    auto r = conn_.call(http::verb::post, "/register", "{\"client_name\":" + json::quote(name) + "}", {});
    auto reply = to_reply(r);
    if (reply.ok()) {
      std::string error;
      auto id = json::parse_register_reply(r.body, &error);
      if (!id) return {error_kind::unreachable, "unexpected answer from the hub: " + error};
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
    auto r = conn_.call(http::verb::post, "/sync", body, {});
    std::string().swap(body);  // sent: its MiBs are not needed while the answer is parsed
    auto reply = to_reply(r);
    if (reply.ok()) {
      std::string error;
      auto parsed = json::parse_sync_plan(r.body, &error);
      if (!parsed) return {error_kind::unreachable, "unexpected answer from the hub: " + error};
      *plan = std::move(*parsed);
    }
    return reply;
  }

  hub_reply upload(const file_entry& meta, const std::string& local_file, hub_change* out) override {
    auto target = "/upload?path=" + percent_encode_path(meta.path);
    raw_reply r;
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = conn_.connected();
      if (!conn_.connect(&r)) return to_reply(r);
      http::request<file_window_body> req{http::verb::post, target, 11};
      beast::error_code ec;
      req.body().file.open(local_file.c_str(), beast::file_mode::scan, ec);
      if (ec) return {error_kind::unreachable, "cannot read " + local_file + ": " + ec.message()};
      req.body().length = req.body().file.size(ec);
      if (ec) return {error_kind::unreachable, "cannot read " + local_file + ": " + ec.message()};
      auto headers = change_headers(meta);
      if (!meta.sha256.empty()) headers.push_back({"X-Sha256", meta.sha256});
      conn_.decorate(req, headers);
      req.prepare_payload();
      auto size = req.body().length;
      if (conn_.exchange(req, &r, transfer_timeout(size))) break;
      if (!reused) break;
    }
    return change_reply(r, out);
  }

  hub_reply link(const file_entry& meta, hub_change* out) override {
    std::string body = "{\"sha256\":" + json::quote(meta.sha256) + ",\"size\":" + std::to_string(meta.size) +
                       ",\"mtime\":" + std::to_string(meta.mtime_ns) + ",\"version\":" + json::version_json(meta.version) + "}";
    auto r = conn_.call(http::verb::post, "/link?path=" + percent_encode_path(meta.path), body, change_headers(meta));
    return change_reply(r, out);
  }

  hub_reply make_dir(const file_entry& meta, hub_change* out) override {
    auto r = conn_.call(http::verb::put, "/dirs/" + percent_encode_path(meta.path), "", change_headers(meta));
    return change_reply(r, out);
  }

  hub_reply remove(const file_entry& meta, hub_change* out) override {
    auto r = conn_.call(http::verb::delete_, "/files/" + percent_encode_path(meta.path), "", change_headers(meta));
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
      bool reused = conn_.connected();
      if (!conn_.connect(&r)) return to_reply(r);
      struct stat st {};
      uint64_t have = ::stat(dest_file.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
      http::request<http::empty_body> req{http::verb::get, "/download/" + percent_encode_path(path), 11};
      std::vector<std::pair<std::string, std::string>> headers;
      if (have > 0 && !expected_sha256.empty()) {
        headers.push_back({"Range", "bytes=" + std::to_string(have) + "-"});
        headers.push_back({"If-Range", "\"" + expected_sha256 + "\""});
      }
      conn_.decorate(req, headers);
      if (conn_.fetch(req, expected_sha256, dest_file, &r, whole_sha256)) break;
      if (!reused) break;
    }
    return to_reply(r);
  }

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
    auto r = conn_.call(http::verb::get, "/blocks?path=" + percent_encode_path(meta.path), "", {});
    auto reply = to_reply(r);
    if (!reply.ok()) *stop = true;
    auto mine = ours.get();
    if (!reply.ok()) return reply;
    std::string error;
    auto base = json::parse_blocks_reply(r.body, &error);
    if (!base) return {error_kind::not_worth_it, "unexpected answer to GET /blocks: " + error};
    if (base->block_size != delta_block_size) mine = file_block_checksums(local_file, base->block_size, &error);
    if (!mine) return {error_kind::not_worth_it, "cannot read " + local_file + (error.empty() ? "" : ": " + error)};
    auto literal = changed_blocks(*mine, base->checksums);
    auto bytes = literal_bytes(literal, meta.size, base->block_size);
    if (!delta_worth_it(bytes, meta.size))
      return {error_kind::not_worth_it, std::to_string(bytes) + " of " + std::to_string(meta.size) + " bytes changed: not worth a delta"};
    std::string body(bytes, '\0');
    int fd = ::open(local_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {error_kind::not_worth_it, "cannot read " + local_file};
    size_t at = 0;
    for (auto b : literal) {
      uint64_t start = b * base->block_size;
      auto want = static_cast<size_t>(std::min<uint64_t>(base->block_size, meta.size - start));
      auto n = ::pread(fd, body.data() + at, want, static_cast<off_t>(start));
      if (n != static_cast<ssize_t>(want)) {
        ::close(fd);
        return {error_kind::not_worth_it, local_file + " changed while its delta was read"};
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
    auto up = conn_.call(http::verb::post, "/upload?path=" + percent_encode_path(meta.path), body, headers,
                   "application/octet-stream");
    auto result = change_reply(up, out);
    if (result.ok()) *sent = bytes;
    return result;
  }

  hub_reply download_delta(const std::string& from_sha256, const std::string& to_sha256, const std::string& base_file,
                           const std::string& dest_file, std::string* whole_sha256, uint64_t* received) override {
    whole_sha256->clear();
    *received = 0;
    auto r = conn_.call(http::verb::get, "/delta?from=" + from_sha256 + "&to=" + to_sha256, "", {});
    auto reply = to_reply(r);
    if (!reply.ok()) return reply;
    auto newline = r.body.find('\n');
    std::string error;
    auto header = newline == std::string::npos ? std::nullopt
                                               : json::parse_delta_header(std::string_view(r.body).substr(0, newline), &error);
    if (!header || header->sha256 != to_sha256) return {error_kind::not_worth_it, "unexpected answer to GET /delta: " + error};
    auto literal = parse_block_list(header->literal, block_count(header->size, header->block_size), &error);
    if (!literal) return {error_kind::not_worth_it, "unexpected answer to GET /delta: " + error};
    auto payload = std::string_view(r.body).substr(newline + 1);
    if (payload.size() != literal_bytes(*literal, header->size, header->block_size))
      return {error_kind::not_worth_it, "the answer to GET /delta is not the size of its blocks"};
    delta_writer writer;
    if (!writer.open(base_file, dest_file, header->size, header->block_size, std::move(*literal), &error) ||
        !writer.put(payload.data(), payload.size(), &error) || !writer.finish(&error))
      return {error_kind::not_worth_it, error};
    *whole_sha256 = writer.sha256();
    *received = payload.size();
    return reply;
  }

  hub_reply prefetch(const std::string& sha256, const std::string& dest_file, std::string* whole_sha256) override {
    whole_sha256->clear();
    raw_reply r;
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = conn_.connected();
      if (!conn_.connect(&r)) return to_reply(r);
      http::request<http::empty_body> req{http::verb::get, "/incoming/" + sha256, 11};
      conn_.decorate(req, {});
      if (conn_.fetch(req, sha256, dest_file, &r, whole_sha256)) break;
      if (!reused) break;
    }
    return to_reply(r);
  }

  hub_reply upload_batch(const std::vector<batch_change>& changes, std::vector<batch_outcome>* out) override {
    out->clear();
    if (changes.empty()) return {error_kind::ok, ""};
    std::string body = json::batch_manifest_json(changes);
    size_t content_bytes = 0;
    for (const auto& c : changes) content_bytes += c.content.size();
    body.reserve(body.size() + 1 + content_bytes);
    body += '\n';
    for (const auto& c : changes)
      if (c.op == batch_change::upload) body += c.content;
    header_list headers;
    if (!changes.front().meta.origin.empty()) headers.push_back({"X-Client-Id", changes.front().meta.origin});
    auto r = conn_.call(http::verb::post, "/batch", body, headers, "application/octet-stream");
    auto reply = to_reply(r);
    if (!reply.ok()) return reply;
    std::string error;
    auto parsed = json::parse_batch_results(r.body, &error);
    if (!parsed || parsed->size() != changes.size())
      return {error_kind::unreachable, "unexpected answer from the hub: " + (parsed ? std::string("wrong number of results") : error)};
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
    auto r = conn_.call(http::verb::post, "/objects", body, {});
    auto reply = to_reply(r);
    if (!reply.ok()) return reply;
    auto newline = r.body.find('\n');
    std::string error;
    auto sizes = newline == std::string::npos ? std::nullopt
                                              : json::parse_objects_sizes(std::string_view(r.body).substr(0, newline), &error);
    if (!sizes || sizes->size() != sha256s.size()) return {error_kind::unreachable, "unexpected answer from the hub to POST /objects"};
    size_t offset = newline + 1;
    for (const auto& size : *sizes) {
      if (!size) {
        out->push_back(std::nullopt);
        continue;
      }
      if (r.body.size() - offset < *size) return {error_kind::unreachable, "the hub's answer to POST /objects is cut short"};
      out->push_back(r.body.substr(offset, *size));
      offset += *size;
    }
    return reply;
  }

  hub_reply list_files(bool include_deleted, std::vector<file_entry>* out) override {
    auto r = conn_.call(http::verb::get, include_deleted ? "/files?deleted=1" : "/files", "", {});
    auto reply = to_reply(r);
    if (reply.ok()) {
      std::string error;
      auto parsed = json::parse_entry_list(r.body, "files", &error);
      if (!parsed) return {error_kind::unreachable, "unexpected answer from the hub: " + error};
      *out = std::move(*parsed);
    }
    return reply;
  }

 private:
  static header_list change_headers(const file_entry& meta) {
    header_list h;
    if (!meta.origin.empty()) h.push_back({"X-Client-Id", meta.origin});
    if (meta.mtime_ns > 0) h.push_back({"X-Mtime", std::to_string(meta.mtime_ns)});
    if (!meta.version.empty()) h.push_back({"X-Version", meta.version.to_string()});
    return h;
  }

  static hub_reply to_reply(const raw_reply& r) {
    hub_reply reply{error_kind_of_http(r.status), r.error};
    if (r.status != 0 && (r.status < 200 || r.status >= 300) && reply.error.empty())
      reply.error = json::parse_error_message(r.body);
    return reply;
  }

  hub_reply change_reply(const raw_reply& r, hub_change* out) {
    auto reply = to_reply(r);
    if (reply.ok() || reply.kind == error_kind::stale) {
      std::string error;
      auto parsed = json::parse_change_reply(r.body, &error);
      if (parsed) *out = std::move(*parsed);
      else if (reply.ok()) return {error_kind::unreachable, "unexpected answer from the hub: " + error};
    }
    return reply;
  }

  edge::hub_connection conn_;
};

}  // namespace

std::unique_ptr<hub_api> make_hub_client(const hub_address& address) {
  return std::make_unique<beast_hub_client>(address);
}

}  // namespace syncer
