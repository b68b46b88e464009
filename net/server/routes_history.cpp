// The hub's history routes (docs/history.md, docs/api.md):
//   GET  /history[/{path}]?limit=&before=   versions under a path, newest first
//   GET  /history[/{path}]?deleted=1&after=  the trash: deleted files under it
//   GET  /version/{path}?sequence=N          the bytes of one retained version (Range, ETag)
//   POST /restore {"path", "sequence"|"at"}  restore as new versions (one batch)
//   POST /gc                                 run the janitor now
//   GET  /store                              object store sizes
// Every parameter is checked here (400 with {"error"}); the work is
// file-store's and the janitor's.
#include <chrono>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/rules/path_rules.h"
#include "net/json.h"
#include "net/server/ask.h"
#include "net/server/http_session.h"
#include "net/status_map.h"

namespace syncer::edge {
namespace {

constexpr uint64_t default_limit = 100, max_limit = 1000;

// A whole number in [min, max] from a query value, or nullopt.
std::optional<uint64_t> query_number(const std::string& text, uint64_t min, uint64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v < min || v > max) return std::nullopt;
  return v;
}

int64_t wall_clock_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

bool query_flag(const std::map<std::string, std::string>& q, const char* key) {
  auto it = q.find(key);
  return it != q.end() && it->second != "0" && it->second != "false";
}

}  // namespace

std::optional<std::string> http_session::history_path(const std::string& raw, bool encoded) {
  std::string text = raw;
  if (encoded) {
    auto decoded = percent_decode(raw);
    if (!decoded) {
      reject(400, "the path has a malformed % escape", false);
      return std::nullopt;
    }
    text = *decoded;
  }
  if (text.empty() || text == "/") return std::string();
  if (text.size() > 1 && text.back() == '/') text.pop_back();
  std::string error;
  auto normal = normalize_sync_path(text, &error);
  if (!normal) {
    reject(400, "invalid path: " + error, false);
    return std::nullopt;
  }
  if (is_internal_path(*normal)) {
    reject(400, "invalid path: .syncer/ is never synced", false);
    return std::nullopt;
  }
  return normal;
}

void http_session::on_history() {
  if (method_ != http::verb::get) return reject(405, "use GET", false);
  auto path = history_path(path_ == "/history" ? "" : path_.substr(9), true);
  if (!path) return;
  history_query q;
  q.path = *path;
  q.trash = query_flag(query_, "deleted");
  q.limit = default_limit;
  if (query_.count("limit")) {
    auto n = query_number(query_["limit"], 1, max_limit);
    if (!n) return reject(400, "limit must be a whole number from 1 to " + std::to_string(max_limit), false);
    q.limit = *n;
  }
  if (query_.count("before")) {
    auto n = query_number(query_["before"], 1, UINT64_MAX / 2);
    if (!n) return reject(400, "before must be a positive sequence number", false);
    q.before = *n;
  }
  if (query_.count("after")) {
    // Trash pages continue after a path; it must be one (or empty).
    if (!query_["after"].empty()) {
      std::string error;
      auto after = normalize_sync_path(query_["after"], &error);
      if (!after) return reject(400, "invalid after: " + error, false);
      q.after_path = *after;
    }
  }
  auto self = shared_from_this();
  auto limit = q.limit;
  auto trash = q.trash;
  auto shown = *path;
  return ask<history_page>(server_->system, stream_.get_executor(), server_->hub->store,
                           std::function<void(history_page&)>([self, limit, trash, shown](history_page& page) {
                             self->send_json(200, trash ? json::trash_json(shown, page, limit)
                                                        : json::history_json(shown, page, limit));
                           }),
                           hub_did_not_answer(), history_atom::value, std::move(q));
}

void http_session::on_version() {
  if (method_ != http::verb::get && method_ != http::verb::head) return reject(405, "use GET", false);
  auto path = sync_path(path_.substr(9), true);
  if (!path) return;
  auto seq = query_number(query_["sequence"], 1, UINT64_MAX / 2);
  if (!seq) return reject(400, "sequence must be a positive version number", false);
  auto& req = string_parser_->get();
  range_header_ = std::string(req[http::field::range]);
  if_range_ = std::string(req[http::field::if_range]);
  auto self = shared_from_this();
  return ask<file_lookup>(server_->system, stream_.get_executor(), server_->hub->store,
                          std::function<void(file_lookup&)>([self](file_lookup& f) { self->download(f); }),
                          hub_did_not_answer(), lookup_atom::value, *path, *seq);
}

void http_session::on_restore() {
  if (method_ != http::verb::post) return reject(405, "use POST");
  std::string error;
  auto request = json::parse_restore_request(string_parser_->get().body(), wall_clock_ns(), &error);
  if (!request) return reject(400, error, false);
  auto path = history_path(request->path, false);
  if (!path) return;
  request->path = *path;
  if (request->sequence > 0 && request->path.empty())
    return reject(400, "a restore by sequence names the file it restores", false);
  auto self = shared_from_this();
  return ask<restore_result>(server_->system, stream_.get_executor(), server_->hub->store,
                             std::function<void(restore_result&)>([self](restore_result& r) {
                               if (!r.result.ok()) return self->reject(http_status_of(r.result.kind), r.result.message, false);
                               self->send_json(200, json::restore_result_json(r));
                             }),
                             hub_did_not_answer(), restore_atom::value, std::move(*request));
}

void http_session::on_gc() {
  if (method_ != http::verb::post) return reject(405, "use POST");
  if (!server_->hub->janitor) return reject(503, "this hub runs no janitor", false);
  auto self = shared_from_this();
  return ask<gc_report>(server_->system, stream_.get_executor(), server_->hub->janitor,
                        std::function<void(gc_report&)>(
                            [self](gc_report& r) { self->send_json(200, json::gc_report_json(r)); }),
                        hub_did_not_answer(), gc_atom::value);
}

void http_session::on_store() {
  if (method_ != http::verb::get) return reject(405, "use GET", false);
  auto self = shared_from_this();
  return ask<store_report>(server_->system, stream_.get_executor(), server_->hub->store,
                           std::function<void(store_report&)>(
                               [self](store_report& r) { self->send_json(200, json::store_report_json(r)); }),
                           hub_did_not_answer(), store_atom::value);
}

}  // namespace syncer::edge
