#include "cli/commands.h"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "actors/log.h"
#include "actors/rules/device_id.h"
#include "actors/rules/path_rules.h"
#include "cli/args.h"
#include "cli/check_ignore.h"
#include "cli/command_helpers.h"
#include "cli/config.h"
#include "cli/node_client.h"
#include "cli/node_server.h"
#include "net/client/simple_http.h"
#include "net/json.h"
#include "storage/client_index.h"
#include "cli/command_support.h"

namespace syncer {

namespace fs = std::filesystem;

std::string format_time_ns(int64_t ns) {
  if (ns <= 0) return "never";
  std::time_t t = ns / 1000000000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::vector<std::pair<std::string, std::string>> auth_headers(const std::string& api_key) {
  if (api_key.empty()) return {};
  return {{"Authorization", "Bearer " + api_key}};
}

// Port of a running client's admin endpoint, when the daemon runs.
std::optional<uint16_t> admin_port(const client_config& c) {
  std::ifstream f(c.sync_directory + "/.syncer/admin.port");
  int port = 0;
  if (!(f >> port) || port <= 0 || port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

void print_states(const std::string& title, const std::vector<actor_state>& states) {
  std::printf("%s\n", title.c_str());
  for (const auto& s : states) {
    std::printf("\n%s\n", s.name.c_str());
    for (const auto& [k, v] : s.counters) std::printf("  %-22s %lld\n", k.c_str(), static_cast<long long>(v));
    for (const auto& [k, v] : s.info) std::printf("  %-22s %s\n", k.c_str(), v.empty() ? "-" : v.c_str());
  }
}

bool parse_url(const std::string& url, std::string* host, uint16_t* port) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  auto slash = rest.find('/');
  if (slash != std::string::npos) rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    *host = rest;
    *port = 80;
    return !rest.empty();
  }
  *host = rest.substr(0, colon);
  try {
    int p = std::stoi(rest.substr(colon + 1));
    if (p < 1 || p > 65535) return false;
    *port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return !host->empty();
}

int command_node(const std::vector<std::string>& args) {
  parsed_args a;
  int rc = parse_or_help(
      "node", "syncer node --role server|client [--config FILE] [options]",
      "Runs a hub (server) or a client until SIGINT/SIGTERM.\n"
      "Server defaults: --host 127.0.0.1 --port 8000 --data-dir ./syncer-data; flags override the file.\n"
      "Client: reads config.yaml (see `syncer init`), syncs once, then in real time.",
      args,
      {{"--role", true, "server or client"},
       {"--config", true, "config file (server: optional server.yaml; client: default ./config.yaml)"},
       {"--host", true, "server: address to listen on"},
       {"--port", true, "server: port to listen on"},
       {"--data-dir", true, "server: folder for metadata and objects"},
       {"--verbose", false, "debug logging"}},
      false, &a);
  if (rc >= 0) return rc;
  log::set_verbose(a.has("--verbose"));
  std::string role = a.get("--role");
  if (role == "server") {
    server_config config;
    if (a.has("--config")) {
      std::vector<std::string> warnings;
      std::string error;
      auto loaded = load_server_config(a.get("--config"), &warnings, &error);
      for (const auto& w : warnings) log::warn("config", w);
      if (!loaded) return fail("node", error);
      config = *loaded;
    }
    if (a.has("--host")) config.host = a.get("--host");
    if (a.has("--port")) {
      try {
        int p = std::stoi(a.get("--port"));
        if (p < 0 || p > 65535) throw std::out_of_range("port");
        config.port = static_cast<uint16_t>(p);
      } catch (...) {
        return fail("node", "--port must be a number between 0 and 65535", 2);
      }
    }
    if (a.has("--data-dir")) config.data_dir = a.get("--data-dir");
    config.data_dir = fs::absolute(config.data_dir).lexically_normal().string();
    return run_server_node(config, a.has("--verbose"));
  }
  if (role == "client") {
    int code = 0;
    auto config = load_client("node", a, &code);
    if (!config) return code;
    return run_client_node(*config, a.has("--verbose"));
  }
  return fail("node", role.empty() ? "--role is required (server or client)" : "--role must be server or client, not '" + role + "'", 2);
}

int command_init(const std::vector<std::string>& args) {
  parsed_args a;
  int rc = parse_or_help("init",
                         "syncer init --name NAME --sync-dir DIR [--server-host H] [--server-port P] [--api-key K] "
                         "[--server-id ID] [--tls auto|on|off] [--config config.yaml] [--force]",
                         "Writes a client config and creates the sync folder.", args,
                         {{"--name", true, "client name (unique per machine)"},
                          {"--sync-dir", true, "folder to keep in sync"},
                          {"--server-host", true, "hub address (default localhost)"},
                          {"--server-port", true, "hub port (default 8000)"},
                          {"--api-key", true, "API key sent as a Bearer token (with TLS: pairs this device)"},
                          {"--server-id", true, "the hub's device ID to pin (`syncer id` on the hub; implies TLS)"},
                          {"--tls", true, "auto (default), on or off"},
                          {"--config", true, "where to write the config (default ./config.yaml)"},
                          {"--force", false, "overwrite an existing config"}},
                         false, &a);
  if (rc >= 0) return rc;
  if (a.get("--name").empty()) return fail("init", "--name is required", 2);
  if (auto why = client_name_error(a.get("--name"))) return fail("init", "--name: " + *why, 2);
  if (a.get("--sync-dir").empty()) return fail("init", "--sync-dir is required", 2);
  std::string file = a.get("--config", "config.yaml");
  std::error_code ec;
  if (fs::exists(file, ec) && !a.has("--force"))
    return fail("init", "config file " + file + " already exists; use --force to overwrite it");
  client_config c;
  c.client_name = a.get("--name");
  if (c.client_name.find_first_of("/\\:,") != std::string::npos)
    return fail("init", "--name must not contain '/', '\\', ':' or ','", 2);
  c.sync_directory = a.get("--sync-dir");
  c.server_host = a.get("--server-host", "localhost");
  try {
    int p = std::stoi(a.get("--server-port", "8000"));
    if (p < 1 || p > 65535) throw std::out_of_range("port");
    c.server_port = static_cast<uint16_t>(p);
  } catch (...) {
    return fail("init", "--server-port must be a number between 1 and 65535", 2);
  }
  c.api_key = a.get("--api-key");
  if (a.has("--server-id")) {
    std::string why;
    auto id = parse_device_id(a.get("--server-id"), &why);
    if (!id) return fail("init", "--server-id is not a device ID: " + why, 2);
    c.server_id = *id;
  }
  c.tls = a.get("--tls", "auto");
  if (c.tls != "auto" && c.tls != "on" && c.tls != "off") return fail("init", "--tls must be auto, on or off", 2);
  c.ignore_patterns = {".git", "__pycache__", "*.tmp", "*.log"};
  auto config_dir = fs::absolute(file).parent_path();
  fs::create_directories(config_dir, ec);
  auto sync_dir = fs::path(c.sync_directory).is_relative() ? config_dir / c.sync_directory : fs::path(c.sync_directory);
  fs::create_directories(sync_dir, ec);
  if (ec) return fail("init", "cannot create sync folder " + sync_dir.string() + ": " + ec.message());
  std::string error;
  if (!write_client_config(c, file, &error)) return fail("init", error);
  std::printf("wrote %s; sync folder %s\n", file.c_str(), sync_dir.lexically_normal().string().c_str());
  return 0;
}

int command_status(const std::vector<std::string>& args) {
  parsed_args a;
  int rc = parse_or_help("status", "syncer status [--config config.yaml | --url http://H:P] [--json]",
                         "What this client knows; works whether or not the client daemon runs.\n"
                         "With --url: the hub's store (current data, history, trash, reclaimable bytes).", args,
                         {{"--config", true, "client config (default ./config.yaml)"},
                          {"--url", true, "a hub's base URL: show its store sizes"},
                          {"--json", false, "machine-readable output"}},
                         false, &a);
  if (rc >= 0) return rc;
  if (a.has("--url")) return hub_store_status(a.get("--url"), a.has("--json"));
  int code = 0;
  auto c = load_client("status", a, &code);
  if (!c) return code;

  // /health over TLS when the client would use it; the hub is checked
  // against the pinned or recorded ID, but status records nothing.
  hub_address hub{c->server_host, c->server_port, ""};
  std::string recorded_hub;
  std::ifstream(c->sync_directory + "/.syncer/hub_id") >> recorded_hub;
  hub.tls = client_tls_enabled(*c, recorded_hub);
  hub.cert_file = c->sync_directory + "/.syncer/cert.pem";
  hub.key_file = c->sync_directory + "/.syncer/key.pem";
  hub.server_id = c->server_id;
  if (!recorded_hub.empty()) hub.hub_id_file = c->sync_directory + "/.syncer/hub_id";
  auto health = hub.tls && !fs::exists(hub.key_file)
                    ? simple_response{0, "", "this client has no device identity yet (`syncer id` makes it)"}
                    : http_request(c->server_host, c->server_port, "GET", "/health", "", {}, 2000, &hub);
  bool reachable = health.status == 200;
  std::string client_id;
  int64_t last_sync = 0;
  size_t tracked = 0;
  std::vector<std::string> conflict_copies;
  std::vector<local_problem> problems;
  size_t held = 0;
  std::string index_file = c->sync_directory + "/.syncer/index.db";
  if (fs::exists(index_file)) {
    std::string error;
    auto index = client_index::open_read_only(index_file, &error);
    if (!index) return fail("status", error);
    client_id = index->get_meta("client_id").value_or("");
    last_sync = std::stoll(index->get_meta("last_sync_ns").value_or("0"));
    tracked = index->count(false);
    problems = index->problems();
    held = index->held_deletions().size();
    for (const auto& e : index->all())
      if (!e.deleted && !e.is_dir && is_conflict_copy(e.path) && fs::exists(c->sync_directory + "/" + e.path))
        conflict_copies.push_back(e.path);
  }
  bool running = false;
  int64_t pending_up = 0, pending_down = 0;
  if (auto port = admin_port(*c)) {
    auto res = http_request("127.0.0.1", *port, "GET", "/inspect", "", {}, 2000);
    std::string error;
    if (res.status == 200)
      if (auto states = json::parse_actor_states(res.body, &error)) {
        running = true;
        for (const auto& s : *states)
          if (s.name == "folder-model") {
            pending_up = s.counters.count("pending_uploads") ? s.counters.at("pending_uploads") : 0;
            pending_down = s.counters.count("pending_downloads") ? s.counters.at("pending_downloads") : 0;
          }
      }
  }
  if (a.has("--json")) {
    std::string out = "{\"client_name\":" + json::quote(c->client_name) +
                      ",\"sync_directory\":" + json::quote(c->sync_directory) +
                      ",\"server\":" + json::quote(c->server_host + ":" + std::to_string(c->server_port)) +
                      ",\"server_reachable\":" + (reachable ? "true" : "false") +
                      ",\"client_id\":" + (client_id.empty() ? "null" : json::quote(client_id)) +
                      ",\"daemon_running\":" + (running ? "true" : "false") +
                      ",\"files_tracked\":" + std::to_string(tracked) +
                      ",\"pending_uploads\":" + std::to_string(pending_up) +
                      ",\"pending_downloads\":" + std::to_string(pending_down) +
                      ",\"last_sync\":" + (last_sync > 0 ? json::quote(format_time_ns(last_sync)) : "null") +
                      ",\"last_sync_ns\":" + std::to_string(last_sync) +
                      ",\"open_conflicts\":" + std::to_string(conflict_copies.size()) + ",\"held_deletions\":" + std::to_string(held) + ",\"problems\":[";
    for (size_t i = 0; i < problems.size(); ++i) {
      const auto& p = problems[i];
      out += std::string(i ? "," : "") + "{\"path\":" + json::quote(p.path) + ",\"reason\":" + json::quote(p.reason) +
             ",\"since\":" + json::quote(format_time_ns(p.since_ns)) + ",\"since_ns\":" + std::to_string(p.since_ns) +
             ",\"attempts\":" + std::to_string(p.attempts) + "}";
    }
    out += "]}";
    std::printf("%s\n", out.c_str());
    return 0;
  }
  std::printf("client          %s\n", c->client_name.c_str());
  std::printf("sync folder     %s\n", c->sync_directory.c_str());
  std::printf("server          %s:%u (%s)\n", c->server_host.c_str(), c->server_port,
              reachable ? "reachable" : ("unreachable: " + health.error).c_str());
  std::printf("client id       %s\n", client_id.empty() ? "not registered yet" : client_id.c_str());
  std::printf("daemon          %s\n", running ? "running" : "not running");
  std::printf("files tracked   %zu\n", tracked);
  std::printf("pending         %lld uploads, %lld downloads\n", static_cast<long long>(pending_up),
              static_cast<long long>(pending_down));
  std::printf("last sync       %s\n", format_time_ns(last_sync).c_str());
  std::printf("open conflicts  %zu\n", conflict_copies.size());
  if (held)
    std::printf("held deletions  %zu (the mass-delete guard holds them: 'syncer deletions' lists them; --accept or --restore decides)\n",
                held);
  std::printf("problems        %zu%s\n", problems.size(),
              problems.empty() ? "" : " (paths that cannot be read are never deleted; retried with back-off)");
  for (const auto& p : problems)
    std::printf("  %s: %s (since %s)\n", p.path.c_str(), p.reason.c_str(), format_time_ns(p.since_ns).c_str());
  return 0;
}

int command_inspect(const std::vector<std::string>& args) {
  parsed_args a;
  int rc = parse_or_help("inspect", "syncer inspect [--config config.yaml | --url http://H:P] [--json]",
                         "Dumps the live state of every actor of a running node: a hub by --url, or this\n"
                         "machine's client daemon by --config (through its local admin endpoint).",
                         args,
                         {{"--config", true, "client config (default ./config.yaml)"},
                          {"--url", true, "a node's base URL, e.g. http://127.0.0.1:8000"},
                          {"--json", false, "machine-readable output"}},
                         false, &a);
  if (rc >= 0) return rc;
  std::string host;
  uint16_t port = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string title;
  if (a.has("--url")) {
    if (!parse_url(a.get("--url"), &host, &port)) return fail("inspect", "--url must look like http://HOST:PORT", 2);
    if (const char* key = std::getenv("SYNCER_API_KEY")) headers = auth_headers(key);
    title = "node at " + a.get("--url");
  } else {
    int code = 0;
    auto c = load_client("inspect", a, &code);
    if (!c) return code;
    auto p = admin_port(*c);
    if (!p) return fail("inspect", "the client daemon for " + c->config_file + " is not running (no " +
                                        c->sync_directory + "/.syncer/admin.port)");
    host = "127.0.0.1";
    port = *p;
    title = "client '" + c->client_name + "'";
  }
  auto res = http_request(host, port, "GET", "/inspect", "", headers, 5000);
  if (res.status == 0) return fail("inspect", res.error);
  if (res.status != 200) return fail("inspect", "the node answered " + std::to_string(res.status) + ": " + json::parse_error_message(res.body));
  if (a.has("--json")) {
    std::printf("%s\n", res.body.c_str());
    return 0;
  }
  std::string error;
  auto states = json::parse_actor_states(res.body, &error);
  if (!states) return fail("inspect", "unexpected answer: " + error);
  print_states(title, *states);
  return 0;
}

int command_check_ignore(const std::vector<std::string>& args) {
  parsed_args a;
  int rc = parse_or_help("check-ignore", "syncer check-ignore [--config config.yaml] [-v] PATH...",
                         "Prints each given path (relative to the sync folder) that the ignore rules\n"
                         "exclude, like `git check-ignore --no-index`. Exit 0 if at least one is ignored,\n"
                         "1 if none, 128 on error.",
                         args,
                         {{"--config", true, "client config (default ./config.yaml)"},
                          {"-v", false, "show the source, line and pattern of each match"},
                          {"--verbose", false, "same as -v"}},
                         true, &a, 128);
  if (rc >= 0) return rc;
  if (a.positional.empty()) return fail("check-ignore", "no path given", 128);
  int code = 0;
  auto c = load_client("check-ignore", a, &code, 128);
  if (!c) return code;
  return run_check_ignore(c->sync_directory, c->ignore_patterns, a.positional, a.has("-v") || a.has("--verbose"),
                          std::cout, std::cerr);
}

int command_conflicts(const std::vector<std::string>& args) {
  parsed_args a;
  int rc = parse_or_help("conflicts", "syncer conflicts [--config config.yaml] [--json]",
                         "Lists conflict copies still on disk, with both sides' origin and time.\n"
                         "Deleting a conflict copy resolves it.",
                         args,
                         {{"--config", true, "client config (default ./config.yaml)"},
                          {"--json", false, "machine-readable output"}},
                         false, &a);
  if (rc >= 0) return rc;
  int code = 0;
  auto c = load_client("conflicts", a, &code);
  if (!c) return code;
  // The hub's records give both origins; the file names alone give the
  // losing client and the time, so the list works offline too.
  std::vector<conflict_record> records;
  auto res = http_request(c->server_host, c->server_port, "GET", "/conflicts?all=1", "", auth_headers(c->api_key), 3000);
  if (res.status == 200) {
    std::string error;
    if (auto parsed = json::parse_conflicts(res.body, &error)) records = *parsed;
  }
  std::vector<std::string> copies;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(c->sync_directory, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    auto rel = fs::relative(it->path(), c->sync_directory).generic_string();
    if (is_internal_path(rel)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_conflict_copy(rel)) copies.push_back(rel);
  }
  std::sort(copies.begin(), copies.end());
  std::string out = "{\"conflicts\":[";
  for (size_t i = 0; i < copies.size(); ++i) {
    const auto& copy = copies[i];
    const conflict_record* rec = nullptr;
    for (const auto& r : records)
      if (r.copy_path == copy) rec = &r;
    auto marker = copy.find(".sync-conflict-");
    std::string stamp = copy.substr(marker + 15, 15);
    std::string rest = copy.substr(marker + 31);
    auto dot = rest.rfind('.');
    std::string loser_name = dot == std::string::npos ? rest : rest.substr(0, dot);
    std::string original = rec ? rec->path : copy.substr(0, marker) + (dot == std::string::npos ? "" : rest.substr(dot));
    if (a.has("--json")) {
      if (i) out += ",";
      out += "{\"copy\":" + json::quote(copy) + ",\"path\":" + json::quote(original) +
             ",\"loser_client\":" + json::quote(loser_name) + ",\"detected\":" + json::quote(stamp) +
             ",\"winner_origin\":" + json::quote(rec ? rec->winner_origin : "") +
             ",\"loser_origin\":" + json::quote(rec ? rec->loser_origin : "") + "}";
    } else {
      std::printf("%s\n  conflict on %s, detected %s; kept version written by %s%s\n", copy.c_str(), original.c_str(),
                  stamp.c_str(), loser_name.c_str(),
                  rec ? (" (client " + rec->loser_origin + "; winner client " + rec->winner_origin + ")").c_str() : "");
    }
  }
  if (a.has("--json")) std::printf("%s]}\n", out.c_str());
  else if (copies.empty()) std::printf("no conflict copies on disk\n");
  return 0;
}

}  // namespace syncer

namespace syncer {

int command_deletions(const std::vector<std::string>& args) {
  parsed_args a;
  int rc = parse_or_help("deletions", "syncer deletions [--config config.yaml] [--accept | --restore] [--json]",
                         "Lists the local deletions the mass-delete guard holds back (more than half of the\n"
                         "folder and at least 100 entries at once). --accept lets them reach every other\n"
                         "client; --restore brings the files back from the hub. The running client carries\n"
                         "the decision out within a second.",
                         args,
                         {{"--config", true, "client config (default ./config.yaml)"},
                          {"--accept", false, "delete them everywhere"},
                          {"--restore", false, "bring them back from the hub"},
                          {"--json", false, "machine-readable output"}},
                         false, &a);
  if (rc >= 0) return rc;
  if (a.has("--accept") && a.has("--restore")) return fail("deletions", "choose one of --accept and --restore", 2);
  int code = 0;
  auto c = load_client("deletions", a, &code);
  if (!c) return code;
  std::string index_file = c->sync_directory + "/.syncer/index.db";
  if (!fs::exists(index_file)) return fail("deletions", "this client has not synced yet (no " + index_file + ")");
  std::string error;
  auto index = client_index::open(index_file, &error);
  if (!index) return fail("deletions", error);
  auto held = index->held_deletions();
  std::string decision = a.has("--accept") ? "accept" : a.has("--restore") ? "restore" : "";
  if (!decision.empty()) {
    if (held.empty()) return fail("deletions", "no deletions are held");
    index->set_meta("held_deletions_decision", decision);
  }
  if (a.has("--json")) {
    std::string out = "{\"held\":[";
    for (size_t i = 0; i < held.size(); ++i)
      out += std::string(i ? "," : "") + "{\"path\":" + json::quote(held[i].first) + ",\"since\":" +
             json::quote(format_time_ns(held[i].second)) + "}";
    out += "],\"decision\":" + (decision.empty() ? std::string("null") : json::quote(decision)) + "}";
    std::printf("%s\n", out.c_str());
    return 0;
  }
  if (held.empty()) {
    std::printf("no deletions are held\n");
    return 0;
  }
  for (const auto& [path, since] : held) std::printf("%s  (since %s)\n", path.c_str(), format_time_ns(since).c_str());
  if (decision == "accept")
    std::printf("%zu deletions accepted: the running client sends them to the hub\n", held.size());
  else if (decision == "restore")
    std::printf("%zu entries to restore: the running client fetches them from the hub\n", held.size());
  else
    std::printf("%zu deletions held; run 'syncer deletions --accept' or 'syncer deletions --restore'\n", held.size());
  return 0;
}

}  // namespace syncer
