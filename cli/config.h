// Configuration files of both node roles (BRIEF §2). Loading never throws:
// it returns nullopt and one sentence naming the key and the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/rules/retention.h"

namespace syncer {

struct client_config {
  std::string config_file;     // absolute path of the file read
  std::string client_name;
  std::string sync_directory;  // absolute (relative values resolve against the file's folder)
  std::string server_host = "localhost";
  uint16_t server_port = 8000;
  std::vector<std::string> ignore_patterns;
  std::string api_key;         // empty = none
  // Full rescan period (key rescan_interval, e.g. "1h"; 0 = never);
  // randomised by +-10 % per run so many clients do not align.
  int64_t rescan_interval_ns = 3'600'000'000'000;
  // Mass-delete guard (key delete_guard: true/false; on by default).
  bool delete_guard = true;
  // The hub's device ID to pin (key server_id, §9), canonical; empty =
  // trust the first hub met and record it in .syncer/hub_id.
  std::string server_id;
  // TLS to the hub (key tls): "on", "off", or "auto" (default): on unless
  // server_host is loopback and no server_id is pinned or recorded.
  std::string tls = "auto";
};

struct server_config {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  std::string data_dir = "./syncer-data";  // absolute after loading
  std::vector<std::string> api_keys;        // empty = no auth
  uint64_t max_upload_bytes = 64ull << 30;  // 64 GiB
  uint64_t max_json_bytes = 256ull << 20;   // 256 MiB (a /sync body of ~1M entries)
  int io_threads = 2;
  uint64_t max_connections = 1024;              // open connections in all
  uint64_t max_connections_per_address = 512;   // from one peer address
  // retention: {policy, keep, max_age, trash, sync_log, interval} (docs/history.md)
  retention_policy retention;
  int64_t janitor_interval_ns = 3600LL * 1'000'000'000;  // 0 = only on demand (syncer gc)
  // TLS on the sync port (key tls): "auto" (default: on unless the hub
  // listens on loopback only), "on", "off".
  std::string tls = "auto";
  bool auto_accept = false;  // accept new devices without `syncer devices accept`
  // A request body must keep arriving: at most this long without a byte
  // (key body_timeout, a duration; slowloris bodies).
  int64_t body_timeout_ns = 60'000'000'000;
  // Failed authentications (bad API key) from one address before its
  // requests are refused with 429 for a while (key max_auth_failures).
  uint64_t max_auth_failures = 30;
};

// Whether the hub's sync port speaks TLS for this configuration.
bool server_tls_enabled(const server_config& c);
// Whether a client speaks TLS to its hub (`recorded_hub_id`: .syncer/hub_id, may be empty).
bool client_tls_enabled(const client_config& c, const std::string& recorded_hub_id);

// Warnings (unknown keys) are appended to `warnings`.
std::optional<client_config> load_client_config(const std::string& file, std::vector<std::string>* warnings,
                                                std::string* error);
std::optional<server_config> load_server_config(const std::string& file, std::vector<std::string>* warnings,
                                                std::string* error);

// Writes a client config (syncer init). false + error on failure.
bool write_client_config(const client_config& config, const std::string& file, std::string* error);

}  // namespace syncer
