// `syncer id` and `syncer devices` (BRIEF §1, §9): a node's device ID, and
// the hub's known devices through its local admin endpoint (the port and
// token files of its data dir, cli/admin_files.h).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "actors/rules/device_id.h"
#include "actors/rules/path_rules.h"
#include "cli/admin_files.h"
#include "cli/command_helpers.h"
#include "cli/commands.h"
#include "net/client/simple_http.h"
#include "net/json.h"
#include "storage/device_identity.h"

namespace syncer {
namespace {

namespace fs = std::filesystem;

std::string format_time(int64_t ns) {
  if (ns <= 0) return "never";
  std::time_t t = ns / 1000000000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// The hub's data dir from --data-dir, --server-config, or the default.
std::optional<std::string> hub_data_dir(const std::string& command, const parsed_args& a, int* code) {
  std::string dir = "./syncer-data";
  if (a.has("--server-config")) {
    std::vector<std::string> warnings;
    std::string error;
    auto c = load_server_config(a.get("--server-config"), &warnings, &error);
    if (!c) {
      *code = fail(command, error);
      return std::nullopt;
    }
    dir = c->data_dir;
  }
  if (a.has("--data-dir")) dir = a.get("--data-dir");
  return fs::absolute(dir).lexically_normal().string();
}

bool parse_admin_url(const std::string& url, std::string* host, uint16_t* port) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  auto slash = rest.find('/');
  if (slash != std::string::npos) rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = rest.substr(0, colon);
  try {
    int p = std::stoi(rest.substr(colon + 1));
    if (p < 1 || p > 65535) return false;
    *port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return true;
}

}  // namespace

int command_id(const std::vector<std::string>& args) {
  parsed_args a;
  int rc = parse_or_help("id", "syncer id [--config config.yaml | --data-dir DIR | --server-config server.yaml]",
                         "Prints this node's device ID (the SHA-256 fingerprint of its certificate), making the\n"
                         "identity first if there is none: a client's in <sync folder>/.syncer/, a hub's in its\n"
                         "data dir. Give the hub's ID to clients as `syncer init --server-id`.",
                         args,
                         {{"--config", true, "client config (default ./config.yaml)"},
                          {"--data-dir", true, "a hub's data dir"},
                          {"--server-config", true, "a hub's server.yaml (its data_dir)"}},
                         false, &a);
  if (rc >= 0) return rc;
  std::string dir;
  int code = 0;
  std::error_code ec;
  if (a.has("--data-dir") || a.has("--server-config")) {
    auto data_dir = hub_data_dir("id", a, &code);
    if (!data_dir) return code;
    dir = *data_dir;
    bool fresh = !fs::exists(dir, ec) || fs::is_empty(dir, ec);
    bool ours = fs::exists(dir + "/SYNCER-DATA-DIR", ec) || fs::exists(dir + "/meta.db", ec);
    if (!fresh && !ours)
      return fail("id", dir + " is not empty and holds no syncer data: not a hub's data dir");
    fs::create_directories(dir, ec);
    if (fresh)  // the hub takes this folder as its own when it starts
      std::ofstream(dir + "/SYNCER-DATA-DIR")
          << "This folder is a syncer hub's data dir (meta.db, objects/, tmp/). Do not edit it by hand.\n";
  } else {
    auto c = load_client("id", a, &code);
    if (!c) return code;
    if (!fs::is_directory(c->sync_directory, ec))
      return fail("id", "the sync folder " + c->sync_directory + " does not exist (run `syncer init`)");
    dir = c->sync_directory + "/.syncer";
    fs::create_directories(dir, ec);
  }
  if (ec) return fail("id", "cannot create " + dir + ": " + ec.message());
  std::string error;
  auto identity = load_or_create_identity(dir, &error);
  if (!identity) return fail("id", error);
  std::printf("%s\n", identity->device_id.c_str());
  return 0;
}

int command_devices(const std::vector<std::string>& args) {
  parsed_args a;
  int rc = parse_or_help(
      "devices", "syncer devices [list | accept ID_OR_NAME | remove ID_OR_NAME] [--data-dir DIR | --url URL] [--json]",
      "On the hub: lists known and pending devices, accepts one (it may then sync) or removes one\n"
      "(its connections end and it is refused until accepted again). Talks to the running hub\n"
      "through its local admin endpoint, found in the data dir (default ./syncer-data); with --url\n"
      "the admin token comes from SYNCER_ADMIN_TOKEN.",
      args,
      {{"--data-dir", true, "the hub's data dir (default ./syncer-data)"},
       {"--server-config", true, "the hub's server.yaml (its data_dir)"},
       {"--url", true, "the hub's admin endpoint, e.g. http://127.0.0.1:PORT"},
       {"--json", false, "machine-readable output"}},
      true, &a);
  if (rc >= 0) return rc;
  auto& pos = a.positional;
  std::string verb = pos.empty() ? "list" : pos[0];
  if (verb == "list" && pos.size() > 1) return fail("devices", "`syncer devices list` takes no device", 2);
  if ((verb == "accept" || verb == "remove") && pos.size() != 2)
    return fail("devices", "give one device: syncer devices " + verb + " ID_OR_NAME", 2);
  if (verb != "list" && verb != "accept" && verb != "remove")
    return fail("devices", "unknown action '" + verb + "' (list, accept or remove)", 2);
  std::string host = "127.0.0.1", token;
  uint16_t port = 0;
  if (a.has("--url")) {
    if (!parse_admin_url(a.get("--url"), &host, &port))
      return fail("devices", "--url must look like http://127.0.0.1:PORT", 2);
    if (const char* t = std::getenv("SYNCER_ADMIN_TOKEN")) token = t;
  } else {
    int code = 0;
    auto dir = hub_data_dir("devices", a, &code);
    if (!dir) return code;
    auto p = read_admin_port(*dir);
    if (!p) return fail("devices", "no hub is running with the data dir " + *dir + " (no admin.port in it)");
    port = *p;
    token = read_admin_token(*dir);
    if (token.empty()) return fail("devices", "cannot read the admin token in " + *dir + " (run as the hub's user)");
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) headers.push_back({"Authorization", "Bearer " + token});
  std::string target = verb == "list" ? "/devices" : "/devices/" + verb + "?device=" + percent_encode_path(pos[1]);
  auto res = http_request(host, port, verb == "list" ? "GET" : "POST", target, "", headers, 5000);
  if (res.status == 0) return fail("devices", res.error);
  if (res.status != 200)
    return fail("devices", "the hub answered " + std::to_string(res.status) + ": " + json::parse_error_message(res.body));
  if (a.has("--json")) {
    std::printf("%s\n", res.body.c_str());
    return 0;
  }
  std::string error;
  auto rows = json::parse_devices(res.body, verb != "list", &error);
  if (!rows) return fail("devices", "unexpected answer: " + error);
  if (verb != "list") {
    const auto& d = rows->front();
    std::printf("%s %s%s\n", verb == "accept" ? "accepted" : "removed", d.id.c_str(),
                d.name.empty() ? "" : (" ('" + d.name + "')").c_str());
    return 0;
  }
  if (rows->empty()) {
    std::printf("no device has connected (devices appear here once they connect over TLS)\n");
    return 0;
  }
  std::printf("%-10s %-20s %-20s %-20s %s\n", "STATE", "NAME", "FIRST SEEN", "LAST SEEN", "DEVICE ID");
  for (const auto& d : *rows)
    std::printf("%-10s %-20s %-20s %-20s %s\n", d.state.c_str(), d.name.empty() ? "-" : d.name.c_str(),
                format_time(d.first_seen_ns).c_str(), format_time(d.last_seen_ns).c_str(), d.id.c_str());
  return 0;
}

}  // namespace syncer
