// `syncer history`, `syncer restore`, `syncer gc` and `syncer status
// --url` (BRIEF §1, docs/history.md): thin clients of the hub's GET
// /history, GET /version, POST /restore, POST /gc and GET /store. The hub
// is named by --url (API key from $SYNCER_API_KEY) or by a client's
// --config. Every path the hub answers is checked before it names a local
// file (`restore --to`).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>

#include "actors/rules/path_rules.h"
#include "actors/rules/time_point.h"
#include "cli/command_support.h"
#include "cli/commands.h"
#include "net/client/hub_client.h"
#include "net/client/simple_http.h"
#include "net/json.h"
#include "storage/file_times.h"
#include "storage/sha256.h"

namespace syncer {
namespace {

namespace fs = std::filesystem;

struct hub_target {
  std::string host;
  uint16_t port = 0;
  std::string api_key;
  std::vector<std::pair<std::string, std::string>> headers() const { return auth_headers(api_key); }
};

const std::vector<option_spec> target_options = {
    {"--config", true, "client config naming the hub (default ./config.yaml)"},
    {"--url", true, "the hub's base URL, e.g. http://127.0.0.1:8000 (API key from $SYNCER_API_KEY)"}};

std::optional<hub_target> resolve_target(const std::string& command, const parsed_args& a, int* code) {
  hub_target t;
  if (a.has("--url")) {
    if (!parse_url(a.get("--url"), &t.host, &t.port)) {
      *code = fail(command, "--url must look like http://HOST:PORT", 2);
      return std::nullopt;
    }
    if (const char* key = std::getenv("SYNCER_API_KEY")) t.api_key = key;
    return t;
  }
  auto c = load_client(command, a, code);
  if (!c) return std::nullopt;
  t.host = c->server_host;
  t.port = c->server_port;
  t.api_key = c->api_key;
  return t;
}

// "" for the whole tree; else the normal form of PATH (a trailing '/' allowed).
std::optional<std::string> tree_path(const std::string& command, const std::string& raw, int* code) {
  std::string text = raw;
  if (text.empty() || text == "/" || text == ".") return std::string();
  if (text.size() > 1 && text.back() == '/') text.pop_back();
  std::string error;
  auto normal = normalize_sync_path(text, &error);
  if (!normal) {
    *code = fail(command, "invalid path '" + raw + "': " + error, 2);
    return std::nullopt;
  }
  return normal;
}

std::string history_target(const std::string& path) {
  return path.empty() ? "/history" : "/history/" + percent_encode_path(path);
}

std::string human_size(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

// Every version under `path` (all pages), newest first.
std::optional<json::history_reply> fetch_history(const std::string& command, const hub_target& t,
                                                 const std::string& path, bool trash, int* code) {
  json::history_reply all;
  std::string cursor;
  for (int page = 0; page < 100000; ++page) {
    std::string target = history_target(path) + "?limit=1000";
    if (trash) target += "&deleted=1" + (cursor.empty() ? "" : "&after=" + percent_encode_path(cursor));
    else if (!cursor.empty()) target += "&before=" + cursor;
    auto res = http_request(t.host, t.port, "GET", target, "", t.headers(), 30000);
    if (res.status == 0) return *code = fail(command, "cannot reach the hub: " + res.error), std::nullopt;
    if (res.status != 200)
      return *code = fail(command, "the hub answered " + std::to_string(res.status) + ": " +
                                       json::parse_error_message(res.body)),
             std::nullopt;
    std::string error;
    auto reply = json::parse_history_reply(res.body, &error);
    if (!reply) return *code = fail(command, "unexpected answer from the hub: " + error), std::nullopt;
    for (auto& v : reply->versions) all.versions.push_back(std::move(v));
    for (auto& x : reply->trash) all.trash.push_back(std::move(x));
    for (auto& [k, v] : reply->names) all.names[k] = v;
    if (trash && reply->next_after) cursor = *reply->next_after;
    else if (!trash && reply->next_before) cursor = std::to_string(*reply->next_before);
    else return all;
  }
  return all;
}

std::string name_of(const json::history_reply& h, const std::string& id) {
  if (id.empty()) return "unknown";
  auto it = h.names.find(id);
  return it == h.names.end() ? id : it->second;
}

// TIME of --at: ISO 8601 (local time unless it says Z or an offset) or "2h" ago.
std::optional<int64_t> parse_at(const std::string& text) {
  auto t = parse_time_point(text, now_ns());
  if (!t) return std::nullopt;
  if (t->has_offset) return t->ns;
  std::time_t secs = static_cast<std::time_t>(t->ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);  // the fields as written
  tm.tm_isdst = -1;
  std::time_t local = std::mktime(&tm);
  if (local == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<int64_t>(local) * 1'000'000'000 + t->ns % 1'000'000'000;
}

}  // namespace

int command_history(const std::vector<std::string>& args) {
  parsed_args a;
  auto specs = target_options;
  specs.push_back({"--deleted", false, "list deleted files under PATH (the trash) instead"});
  specs.push_back({"--json", false, "machine-readable output"});
  int rc = parse_or_help("history", "syncer history PATH [--config F | --url URL] [--deleted] [--json]",
                         "Every retained version of a file, or the changes under a folder, newest first:\n"
                         "sequence (for `syncer restore --version`), time, writing device, size, sha256.\n"
                         "PATH is relative to the sync folder; / is the whole folder.",
                         args, specs, true, &a);
  if (rc >= 0) return rc;
  if (a.positional.size() != 1) return fail("history", "give exactly one PATH (/ for the whole folder)", 2);
  int code = 0;
  auto t = resolve_target("history", a, &code);
  if (!t) return code;
  auto path = tree_path("history", a.positional[0], &code);
  if (!path) return code;
  bool trash = a.has("--deleted");
  auto h = fetch_history("history", *t, *path, trash, &code);
  if (!h) return code;
  if (a.has("--json")) {
    history_page page;
    page.versions = h->versions;
    page.trash = h->trash;
    page.names = h->names;
    auto limit = page.versions.size() + page.trash.size() + 1;  // all pages: no "next"
    std::printf("%s\n", (trash ? json::trash_json(*path, page, limit) : json::history_json(*path, page, limit)).c_str());
    return 0;
  }
  if (trash) {
    if (h->trash.empty()) std::printf("no deleted files under %s\n", path->empty() ? "/" : path->c_str());
    for (const auto& x : h->trash) {
      const auto& d = x.deletion;
      std::printf("%s  deleted %s by %s", d.entry.path.c_str(), format_time_ns(d.recorded_ns).c_str(),
                  name_of(*h, d.entry.origin).c_str());
      if (x.last_version)
        std::printf("; restore: syncer restore %s --version %llu (%s, %s)\n", d.entry.path.c_str(),
                    static_cast<unsigned long long>(x.last_version->entry.sequence),
                    human_size(static_cast<int64_t>(x.last_version->entry.size)).c_str(),
                    x.last_version->entry.sha256.substr(0, 12).c_str());
      else
        std::printf("; no content retained\n");
    }
    return 0;
  }
  if (h->versions.empty()) return fail("history", "the hub has no history of " + (path->empty() ? "/" : *path));
  bool many_paths = false;
  for (const auto& v : h->versions) many_paths = many_paths || v.entry.path != h->versions.front().entry.path;
  std::printf("%-8s %-19s %-16s %10s  %-12s  %s\n", "SEQ", "RECORDED", "WRITER", "SIZE", "SHA256", many_paths ? "PATH" : "");
  for (const auto& v : h->versions) {
    const auto& e = v.entry;
    std::string what = e.deleted ? "deleted" : e.is_dir ? "folder" : e.sha256.substr(0, 12);
    std::printf("%-8llu %-19s %-16s %10s  %-12s  %s\n", static_cast<unsigned long long>(e.sequence),
                format_time_ns(v.recorded_ns).c_str(), name_of(*h, e.origin).c_str(),
                e.deleted || e.is_dir ? "-" : human_size(static_cast<int64_t>(e.size)).c_str(), what.c_str(),
                many_paths ? e.path.c_str() : "");
  }
  return 0;
}

namespace {

// --to: the chosen versions written under `local` only; the hub is not changed.
int restore_locally(const hub_target& t, const std::string& path, const json::history_reply& h, uint64_t sequence,
                    int64_t at_ns, const std::string& local) {
  // The version each path had: the one named, or the newest at the time.
  std::map<std::string, const version_record*> chosen;
  for (const auto& v : h.versions) {  // newest first
    if (sequence > 0 ? v.entry.sequence != sequence : v.recorded_ns > at_ns) continue;
    if (!chosen.count(v.entry.path)) chosen[v.entry.path] = &v;
  }
  if (chosen.empty()) return fail("restore", "no retained version matches");
  hub_address address{t.host, t.port, t.api_key, ""};
  auto hub = make_hub_client(address);
  bool single = chosen.size() == 1 && chosen.begin()->first == path;
  size_t written = 0, skipped = 0;
  for (const auto& [p, v] : chosen) {
    // Hostile answers: only normal paths at or under PATH name local files.
    std::string error;
    auto normal = normalize_sync_path(p, &error);
    if (!normal || *normal != p || (!path.empty() && p != path && p.compare(0, path.size() + 1, path + "/") != 0))
      return fail("restore", "the hub answered a path outside " + path + ": " + p);
    if (v->entry.deleted) {
      ++skipped;
      continue;
    }
    fs::path dest = single ? fs::path(local) : fs::path(local) / (path.empty() ? p : p.substr(path.size() + (p == path ? 0 : 1)));
    std::error_code ec;
    if (v->entry.is_dir) {
      fs::create_directories(dest, ec);
      continue;
    }
    fs::create_directories(dest.parent_path().empty() ? fs::path(".") : dest.parent_path(), ec);
    std::string temp = dest.string() + ".syncer-restore-" + std::to_string(::getpid());
    ::unlink(temp.c_str());
    auto reply = hub->download_version(p, v->entry.sequence, v->entry.sha256, temp);
    if (!reply.ok()) {
      ::unlink(temp.c_str());
      return fail("restore", "cannot download version " + std::to_string(v->entry.sequence) + " of " + p + ": " +
                                 (reply.error.empty() ? std::string(to_string(reply.kind)) : reply.error));
    }
    auto digest = sha256_file(temp, &error);
    if (!digest || digest->sha256 != v->entry.sha256) {
      ::unlink(temp.c_str());
      return fail("restore", "the content received for " + p + " does not match its sha256");
    }
    fs::rename(temp, dest, ec);
    if (ec) return fail("restore", "cannot write " + dest.string() + ": " + ec.message());
    ++written;
  }
  std::printf("wrote %zu file%s under %s (only locally; the hub and other clients are unchanged)%s\n", written,
              written == 1 ? "" : "s", local.c_str(),
              skipped ? (", " + std::to_string(skipped) + " deleted at that time").c_str() : "");
  return 0;
}

}  // namespace

int command_restore(const std::vector<std::string>& args) {
  parsed_args a;
  auto specs = target_options;
  specs.push_back({"--version", true, "the version's sequence number (see `syncer history`)"});
  specs.push_back({"--at", true, "TIME: ISO 8601 (2026-12-01T23:05, local time unless Z/+01:00) or ago (2h, 3d)"});
  specs.push_back({"--to", true, "write the version(s) into LOCAL_PATH only; nothing else changes"});
  specs.push_back({"--json", false, "machine-readable output"});
  int rc = parse_or_help(
      "restore", "syncer restore PATH (--version SEQ | --at TIME) [--to LOCAL_PATH] [--config F | --url URL]",
      "Brings back a version as a new edit that reaches every client (a fast-forward, never a\n"
      "conflict). A folder PATH with --at restores the whole sub-tree as it was at TIME, deleted\n"
      "files included; files created after TIME are left alone (and listed). With --to, the\n"
      "version is written into LOCAL_PATH only.",
      args, specs, true, &a);
  if (rc >= 0) return rc;
  if (a.positional.size() != 1) return fail("restore", "give exactly one PATH", 2);
  if (a.has("--version") == a.has("--at")) return fail("restore", "give one of --version SEQ and --at TIME", 2);
  int code = 0;
  auto path = tree_path("restore", a.positional[0], &code);
  if (!path) return code;
  uint64_t sequence = 0;
  int64_t at_ns = 0;
  if (a.has("--version")) {
    auto text = a.get("--version");
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoull(text) == 0)
      return fail("restore", "--version must be a positive sequence number (see `syncer history`)", 2);
    sequence = std::stoull(text);
    if (path->empty()) return fail("restore", "--version restores one file: name it", 2);
  } else {
    auto at = parse_at(a.get("--at"));
    if (!at) return fail("restore", "--at must be ISO 8601 (2026-12-01T23:05:00) or a time ago (30m, 2h, 3d)", 2);
    at_ns = *at;
  }
  auto t = resolve_target("restore", a, &code);
  if (!t) return code;
  if (a.has("--to")) {
    auto h = fetch_history("restore", *t, *path, false, &code);
    if (!h) return code;
    return restore_locally(*t, *path, *h, sequence, at_ns, a.get("--to"));
  }
  std::string body = "{\"path\":" + json::quote(*path) +
                     (sequence ? ",\"sequence\":" + std::to_string(sequence) : ",\"at\":" + std::to_string(at_ns)) + "}";
  auto res = http_request(t->host, t->port, "POST", "/restore", body, t->headers(), 300000);
  if (res.status == 0) return fail("restore", "cannot reach the hub: " + res.error);
  if (res.status != 200)
    return fail("restore", "the hub answered " + std::to_string(res.status) + ": " + json::parse_error_message(res.body));
  if (a.has("--json")) {
    std::printf("%s\n", res.body.c_str());
    return 0;
  }
  std::string error;
  auto r = json::parse_restore_reply(res.body, &error);
  if (!r) return fail("restore", "unexpected answer from the hub: " + error);
  std::printf("restored %zu path%s as new versions (every client receives them)\n", r->restored.size(),
              r->restored.size() == 1 ? "" : "s");
  if (r->restored.size() <= 20)
    for (const auto& e : r->restored) std::printf("  %s\n", e.path.c_str());
  if (!r->unchanged.empty()) std::printf("%zu already as they were\n", r->unchanged.size());
  if (!r->left_alone.empty()) {
    std::printf("%zu created after that time, left alone:\n", r->left_alone.size());
    for (const auto& p : r->left_alone) std::printf("  %s\n", p.c_str());
  }
  for (const auto& f : r->failed) std::printf("not restored: %s\n", f.c_str());
  return r->failed.empty() ? 0 : 1;
}

int command_gc(const std::vector<std::string>& args) {
  parsed_args a;
  int rc = parse_or_help("gc", "syncer gc --url URL [--json]",
                         "Runs the hub's janitor now (retention, docs/history.md) and prints what it pruned\n"
                         "and freed. The hub keeps serving while it runs.",
                         args, {{"--url", true, "the hub's base URL (API key from $SYNCER_API_KEY)"},
                                {"--json", false, "machine-readable output"}},
                         false, &a);
  if (rc >= 0) return rc;
  if (!a.has("--url")) return fail("gc", "--url is required (a running hub)", 2);
  int code = 0;
  auto t = resolve_target("gc", a, &code);
  if (!t) return code;
  auto res = http_request(t->host, t->port, "POST", "/gc", "", t->headers(), 600000);
  if (res.status == 0) return fail("gc", "cannot reach the hub: " + res.error);
  if (res.status != 200)
    return fail("gc", "the hub answered " + std::to_string(res.status) + ": " + json::parse_error_message(res.body));
  if (a.has("--json")) {
    std::printf("%s\n", res.body.c_str());
    return 0;
  }
  std::string error;
  auto r = json::parse_gc_report(res.body, &error);
  if (!r) return fail("gc", "unexpected answer from the hub: " + error);
  std::printf("pruned %lld versions, removed %lld objects (%s freed), expired %lld tombstones, pruned %lld log rows in %lld ms\n",
              static_cast<long long>(r->versions_pruned), static_cast<long long>(r->objects_removed),
              human_size(r->bytes_freed).c_str(), static_cast<long long>(r->tombstones_expired),
              static_cast<long long>(r->log_rows_pruned), static_cast<long long>(r->duration_ns / 1000000));
  if (!r->error.empty()) return fail("gc", "a collection slice failed: " + r->error);
  return 0;
}

int hub_store_status(const std::string& url, bool as_json) {
  hub_target t;
  if (!parse_url(url, &t.host, &t.port)) return fail("status", "--url must look like http://HOST:PORT", 2);
  if (const char* key = std::getenv("SYNCER_API_KEY")) t.api_key = key;
  auto res = http_request(t.host, t.port, "GET", "/store", "", t.headers(), 60000);
  if (res.status == 0) return fail("status", "cannot reach the hub: " + res.error);
  if (res.status != 200)
    return fail("status", "the hub answered " + std::to_string(res.status) + ": " + json::parse_error_message(res.body));
  if (as_json) {
    std::printf("%s\n", res.body.c_str());
    return 0;
  }
  std::string error;
  auto r = json::parse_store_report(res.body, &error);
  if (!r) return fail("status", "unexpected answer from the hub: " + error);
  const auto& s = r->totals;
  std::printf("hub             %s\n", url.c_str());
  std::printf("current data    %s in %lld objects\n", human_size(s.current_bytes).c_str(), static_cast<long long>(s.current_objects));
  std::printf("history         %s in %lld objects (%lld versions)\n", human_size(s.history_bytes).c_str(),
              static_cast<long long>(s.history_objects), static_cast<long long>(s.versions));
  std::printf("trash           %s in %lld objects (%lld deleted paths)\n", human_size(s.trash_bytes).c_str(),
              static_cast<long long>(s.trash_objects), static_cast<long long>(s.tombstones));
  std::printf("reclaimable     %s in %lld objects (freed by the next `syncer gc`)\n", human_size(r->reclaimable_bytes).c_str(),
              static_cast<long long>(r->reclaimable_objects));
  return 0;
}

}  // namespace syncer
