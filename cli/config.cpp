#include "cli/config.h"

#include "actors/rules/device_id.h"
#include "actors/rules/duration.h"
#include "actors/rules/path_rules.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <yaml-cpp/yaml.h>

namespace syncer {
namespace {

namespace fs = std::filesystem;

std::string absolute_from(const std::string& value, const fs::path& base) {
  fs::path p(value);
  if (p.is_relative()) p = base / p;
  return p.lexically_normal().string();
}

// Reads a YAML mapping; one sentence naming the file on failure.
std::optional<YAML::Node> read_mapping(const std::string& file, std::string* error) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    *error = "config file " + file + " does not exist (run `syncer init` to create one)";
    return std::nullopt;
  }
  try {
    YAML::Node root = YAML::LoadFile(file);
    if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) {
      *error = "config file " + file + " must be a mapping of keys to values";
      return std::nullopt;
    }
    return root;
  } catch (const YAML::Exception& e) {
    *error = "config file " + file + " is not valid YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")";
    return std::nullopt;
  }
}

template <class T>
bool read_scalar(const YAML::Node& root, const char* key, const std::string& file, T* out, bool required,
                 const char* type_name, std::string* error) {
  auto node = root[key];
  if (!node || node.IsNull()) {
    if (required) {
      *error = std::string("missing required key '") + key + "' in " + file;
      return false;
    }
    return true;
  }
  try {
    if (!node.IsScalar()) throw YAML::Exception(YAML::Mark::null_mark(), "not a scalar");
    *out = node.as<T>();
    return true;
  } catch (const YAML::Exception&) {
    *error = std::string("key '") + key + "' in " + file + " must be " + type_name;
    return false;
  }
}

bool read_port(const YAML::Node& root, const char* key, const std::string& file, uint16_t* out, std::string* error) {
  int64_t port = *out;
  if (!read_scalar(root, key, file, &port, false, "an integer port number", error)) return false;
  if (port < 1 || port > 65535) {
    *error = std::string("key '") + key + "' in " + file + " must be a port number between 1 and 65535";
    return false;
  }
  *out = static_cast<uint16_t>(port);
  return true;
}

bool read_string_list(const YAML::Node& root, const char* key, const std::string& file,
                      std::vector<std::string>* out, std::string* error) {
  auto node = root[key];
  if (!node || node.IsNull()) return true;
  if (!node.IsSequence()) {
    *error = std::string("key '") + key + "' in " + file + " must be a list of strings";
    return false;
  }
  out->clear();
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      *error = std::string("key '") + key + "' in " + file + " must be a list of strings";
      return false;
    }
    out->push_back(item.as<std::string>());
  }
  return true;
}

// Key `tls`: auto, on or off (YAML reads bare on/off as booleans).
bool read_tls_mode(const YAML::Node& root, const std::string& file, std::string* out, std::string* error) {
  auto node = root["tls"];
  if (!node || node.IsNull()) return true;
  std::string v = node.IsScalar() ? node.Scalar() : "";
  for (auto& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v == "true" || v == "yes") v = "on";
  if (v == "false" || v == "no") v = "off";
  if (v != "auto" && v != "on" && v != "off") {
    *error = "key 'tls' in " + file + " must be auto, on or off";
    return false;
  }
  *out = v;
  return true;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

void warn_unknown(const YAML::Node& root, const std::set<std::string>& known, const std::string& file,
                  std::vector<std::string>* warnings) {
  for (const auto& kv : root) {
    // A key that is not a scalar (YAML allows "? [a, b]: 1") names nothing
    // we know: warned about, never a throw out of the loader.
    auto key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("<a key that is not a string>");
    if (!known.count(key) && warnings) warnings->push_back("unknown key '" + key + "' in " + file + " (ignored)");
  }
}

}  // namespace

bool server_tls_enabled(const server_config& c) {
  if (c.tls == "on") return true;
  if (c.tls == "off") return false;
  return !is_loopback(c.host);
}

bool client_tls_enabled(const client_config& c, const std::string& recorded_hub_id) {
  if (c.tls == "on") return true;
  if (c.tls == "off") return false;
  return !is_loopback(c.server_host) || !c.server_id.empty() || !recorded_hub_id.empty();
}

std::optional<client_config> load_client_config(const std::string& file, std::vector<std::string>* warnings,
                                                std::string* error) {
  auto abs_file = fs::absolute(file).lexically_normal().string();
  auto root = read_mapping(abs_file, error);
  if (!root) return std::nullopt;
  client_config c;
  c.config_file = abs_file;
  std::string sync_dir;
  std::string api_key;
  if (!read_scalar(*root, "client_name", abs_file, &c.client_name, true, "a string", error)) return std::nullopt;
  if (!read_scalar(*root, "sync_directory", abs_file, &sync_dir, true, "a string", error)) return std::nullopt;
  if (!read_scalar(*root, "server_host", abs_file, &c.server_host, false, "a string", error)) return std::nullopt;
  if (!read_port(*root, "server_port", abs_file, &c.server_port, error)) return std::nullopt;
  if (!read_string_list(*root, "ignore_patterns", abs_file, &c.ignore_patterns, error)) return std::nullopt;
  if (!read_scalar(*root, "api_key", abs_file, &api_key, false, "a string or null", error)) return std::nullopt;
  c.api_key = api_key;
  std::string rescan;
  if (!read_scalar(*root, "rescan_interval", abs_file, &rescan, false, "a duration such as 1h or 30m", error))
    return std::nullopt;
  if (!rescan.empty()) {
    auto ns = parse_duration_ns(rescan);
    if (!ns) {
      *error = "key 'rescan_interval' in " + abs_file + " must be a duration such as 30s, 10m, 1h or 0 (never)";
      return std::nullopt;
    }
    c.rescan_interval_ns = *ns;
  }
  if (!read_scalar(*root, "delete_guard", abs_file, &c.delete_guard, false, "true or false", error))
    return std::nullopt;
  if (!read_tls_mode(*root, abs_file, &c.tls, error)) return std::nullopt;
  std::string server_id;
  if (!read_scalar(*root, "server_id", abs_file, &server_id, false, "a device ID or null", error))
    return std::nullopt;
  if (!server_id.empty()) {
    std::string why;
    auto id = parse_device_id(server_id, &why);
    if (!id) {
      *error = "key 'server_id' in " + abs_file + " is not a device ID: " + why;
      return std::nullopt;
    }
    c.server_id = *id;
  }
  if (c.client_name.empty()) {
    *error = "key 'client_name' in " + abs_file + " must not be empty";
    return std::nullopt;
  }
  if (auto why = client_name_error(c.client_name)) {
    *error = "key 'client_name' in " + abs_file + " is not a usable name: " + *why;
    return std::nullopt;
  }
  if (sync_dir.empty()) {
    *error = "key 'sync_directory' in " + abs_file + " must not be empty";
    return std::nullopt;
  }
  c.sync_directory = absolute_from(sync_dir, fs::path(abs_file).parent_path());
  warn_unknown(*root, {"client_name", "sync_directory", "server_host", "server_port", "ignore_patterns", "api_key",
                "rescan_interval", "delete_guard", "server_id", "tls"},
               abs_file, warnings);
  return c;
}

namespace {

// The server's `retention:` mapping (docs/history.md).
bool read_retention(const YAML::Node& root, const std::string& file, server_config* c,
                    std::vector<std::string>* warnings, std::string* error) {
  auto node = root["retention"];
  if (!node || node.IsNull()) return true;
  if (!node.IsMap()) {
    *error = "key 'retention' in " + file + " must be a mapping (policy, keep, max_age, trash, sync_log, interval)";
    return false;
  }
  auto& r = c->retention;
  std::string policy = to_string(r.policy);
  if (!read_scalar(node, "policy", file, &policy, false, "staggered, simple or forever", error)) return false;
  auto kind = parse_retention_kind(policy);
  if (!kind) {
    *error = "key 'retention.policy' in " + file + " must be staggered, simple or forever, not '" + policy + "'";
    return false;
  }
  r.policy = *kind;
  int64_t keep = static_cast<int64_t>(r.keep);
  if (!read_scalar(node, "keep", file, &keep, false, "a whole number of versions", error)) return false;
  if (keep < 1 || keep > 1000000) {
    *error = "key 'retention.keep' in " + file + " must be between 1 and 1000000";
    return false;
  }
  r.keep = static_cast<uint64_t>(keep);
  struct duration_key {
    const char* key;
    int64_t* out;
    bool zero_ok;
  } durations[] = {{"max_age", &r.max_age_ns, false},
                   {"trash", &r.trash_ns, true},
                   {"sync_log", &r.sync_log_max_age_ns, true},
                   {"interval", &c->janitor_interval_ns, true}};
  for (auto& d : durations) {
    std::string text;
    if (!read_scalar(node, d.key, file, &text, false, "a duration such as 30s, 2h or 30d", error)) return false;
    if (text.empty()) continue;
    auto ns = parse_duration_ns(text);
    if (!ns || (*ns == 0 && !d.zero_ok)) {
      *error = std::string("key 'retention.") + d.key + "' in " + file + " must be a duration such as 30s, 2h or 30d" +
               (d.zero_ok ? "" : " (not 0)");
      return false;
    }
    *d.out = *ns;
  }
  for (const auto& kv : node) {
    auto key = kv.first.as<std::string>("");
    static const std::set<std::string> known{"policy", "keep", "max_age", "trash", "sync_log", "interval"};
    if (!known.count(key)) warnings->push_back("unknown key 'retention." + key + "' in " + file + " (ignored)");
  }
  return true;
}

}  // namespace

std::optional<server_config> load_server_config(const std::string& file, std::vector<std::string>* warnings,
                                                std::string* error) {
  auto abs_file = fs::absolute(file).lexically_normal().string();
  auto root = read_mapping(abs_file, error);
  if (!root) return std::nullopt;
  server_config c;
  std::string data_dir;
  if (!read_scalar(*root, "host", abs_file, &c.host, false, "a string", error)) return std::nullopt;
  if (!read_port(*root, "port", abs_file, &c.port, error)) return std::nullopt;
  if (!read_scalar(*root, "data_dir", abs_file, &data_dir, false, "a string", error)) return std::nullopt;
  if (!read_string_list(*root, "api_keys", abs_file, &c.api_keys, error)) return std::nullopt;
  if (!read_scalar(*root, "max_upload_bytes", abs_file, &c.max_upload_bytes, false, "a non-negative integer", error))
    return std::nullopt;
  if (!read_scalar(*root, "max_json_bytes", abs_file, &c.max_json_bytes, false, "a non-negative integer", error))
    return std::nullopt;
  if (!read_scalar(*root, "io_threads", abs_file, &c.io_threads, false, "an integer", error)) return std::nullopt;
  if (!read_scalar(*root, "max_connections", abs_file, &c.max_connections, false, "a positive integer", error) ||
      !read_scalar(*root, "max_connections_per_address", abs_file, &c.max_connections_per_address, false,
                   "a positive integer", error))
    return std::nullopt;
  if (c.max_connections < 1 || c.max_connections_per_address < 1) {
    *error = "keys 'max_connections' and 'max_connections_per_address' in " + abs_file + " must be at least 1";
    return std::nullopt;
  }
  if (c.io_threads < 1 || c.io_threads > 64) {
    *error = "key 'io_threads' in " + abs_file + " must be between 1 and 64";
    return std::nullopt;
  }
  if (!read_retention(*root, abs_file, &c, warnings, error)) return std::nullopt;
  if (!read_tls_mode(*root, abs_file, &c.tls, error)) return std::nullopt;
  if (!read_scalar(*root, "auto_accept", abs_file, &c.auto_accept, false, "true or false", error) ||
      !read_scalar(*root, "max_auth_failures", abs_file, &c.max_auth_failures, false, "a positive integer", error))
    return std::nullopt;
  std::string body_timeout;
  if (!read_scalar(*root, "body_timeout", abs_file, &body_timeout, false, "a duration such as 60s", error))
    return std::nullopt;
  if (!body_timeout.empty()) {
    auto ns = parse_duration_ns(body_timeout);
    if (!ns || *ns < 1'000'000'000) {
      *error = "key 'body_timeout' in " + abs_file + " must be a duration of at least 1s, such as 60s";
      return std::nullopt;
    }
    c.body_timeout_ns = *ns;
  }
  if (c.max_auth_failures < 1) {
    *error = "key 'max_auth_failures' in " + abs_file + " must be at least 1";
    return std::nullopt;
  }
  if (!data_dir.empty()) c.data_dir = absolute_from(data_dir, fs::path(abs_file).parent_path());
  warn_unknown(*root, {"host", "port", "data_dir", "api_keys", "max_upload_bytes", "max_json_bytes", "io_threads",
                "max_connections", "max_connections_per_address", "tls", "auto_accept", "body_timeout",
                "max_auth_failures", "retention"},
               abs_file, warnings);
  return c;
}

namespace {

// yaml-cpp's emitter writes a string holding control characters (a '\r')
// as a plain scalar, which its loader then reads back differently: such
// strings are written double-quoted, where every byte is escaped (found by
// fuzz_config).
void emit_string(YAML::Emitter& out, const std::string& value) {
  bool control = false;
  for (char ch : value) control = control || static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F;
  if (control) out << YAML::DoubleQuoted;
  out << value;
}

}  // namespace

bool write_client_config(const client_config& c, const std::string& file, std::string* error) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "client_name" << YAML::Value;
  emit_string(out, c.client_name);
  out << YAML::Key << "sync_directory" << YAML::Value;
  emit_string(out, c.sync_directory);
  out << YAML::Key << "server_host" << YAML::Value;
  emit_string(out, c.server_host);
  out << YAML::Key << "server_port" << YAML::Value << c.server_port;
  out << YAML::Key << "ignore_patterns" << YAML::Value << YAML::Flow << c.ignore_patterns;
  out << YAML::Key << "api_key" << YAML::Value;
  if (c.api_key.empty())
    out << YAML::Null;
  else
    emit_string(out, c.api_key);
  if (!c.server_id.empty()) out << YAML::Key << "server_id" << YAML::Value << c.server_id;
  if (c.tls != "auto") out << YAML::Key << "tls" << YAML::Value << YAML::DoubleQuoted << c.tls;
  out << YAML::EndMap;
  // The file may hold an API key: mode 0600 from its creation on (an
  // existing file keeps its owner but loses other bits).
  std::string text = std::string(out.c_str()) + "\n";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::fchmod(fd, 0600) == 0;
  size_t done = 0;
  while (ok && done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  if (fd >= 0 && ::close(fd) != 0) ok = false;
  if (!ok) {
    *error = "cannot write " + file + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace syncer
