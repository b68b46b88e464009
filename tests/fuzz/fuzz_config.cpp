// The YAML config loaders of both node roles (cli/config.h). They take a
// file name, so every input is written to a scratch file (in /dev/shm when
// there is one) and loaded as a client config and as a server config.
//
// Properties checked besides "no crash, no sanitizer report, no exception"
// (the loaders promise never to throw):
//   - a failed load says why; a loaded config holds valid values (non-empty
//     name, absolute folders, ports 1-65535, 1-64 I/O threads);
//   - parse_duration_ns (rescan_interval, also run on the raw input) gives
//     a non-negative count, n * 10^9 for a bare number n;
//   - a loaded client config written back by write_client_config (what
//     `syncer init` does) loads again to the same values (when its values
//     are well-formed UTF-8, as YAML text must be).
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "actors/rules/duration.h"
#include "cli/config.h"
#include "tests/fuzz/fuzz_util.h"

using namespace syncer;

namespace {


void check_written_back(const client_config& client) {
  const std::string copy = fuzz::scratch_dir("config") + "/written.yaml";
  std::string write_error;
  FUZZ_CHECK(write_client_config(client, copy, &write_error));
  std::vector<std::string> warnings;
  std::string error;
  auto again = load_client_config(copy, &warnings, &error);
  if (!again) std::fprintf(stderr, "reloading the written config failed: %s\n", error.c_str());
  FUZZ_CHECK(again);
  FUZZ_CHECK(again->client_name == client.client_name);
  FUZZ_CHECK(again->sync_directory == client.sync_directory);
  FUZZ_CHECK(again->server_host == client.server_host);
  FUZZ_CHECK(again->server_port == client.server_port);
  FUZZ_CHECK(again->ignore_patterns == client.ignore_patterns);
  FUZZ_CHECK(again->api_key == client.api_key);
  FUZZ_CHECK(warnings.empty());
}

}  // namespace

void check_duration(std::string_view text) {
  auto ns = parse_duration_ns(text);
  if (!ns) return;
  FUZZ_CHECK(*ns >= 0);
  auto first = text.find_first_not_of(' ');
  auto last = text.find_last_not_of(' ');
  auto core = text.substr(first, last - first + 1);
  if (core.find_first_not_of("0123456789") == std::string_view::npos) {
    // A bare number is seconds: parse the digits back with a unit.
    auto with_unit = parse_duration_ns(std::string(core) + "s");
    FUZZ_CHECK(with_unit && *with_unit == *ns);
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_duration(fuzz::as_text(data, size));
  const std::string file = fuzz::scratch_dir("config") + "/config.yaml";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }

  std::vector<std::string> warnings;
  std::string error;
  auto client = load_client_config(file, &warnings, &error);
  if (!client) {
    FUZZ_CHECK(!error.empty());
  } else {
    FUZZ_CHECK(!client->client_name.empty());
    FUZZ_CHECK(!client->sync_directory.empty() && client->sync_directory.front() == '/');
    FUZZ_CHECK(client->server_port >= 1);

    // YAML is UTF-8: yaml-cpp's emitter writes U+FFFD for malformed bytes
    // that its loader let through in quoted scalars, so only well-formed
    // values can round-trip.
    bool utf8 = fuzz::valid_utf8(client->client_name) && fuzz::valid_utf8(client->sync_directory) &&
                fuzz::valid_utf8(client->server_host) && fuzz::valid_utf8(client->api_key);
    for (const auto& p : client->ignore_patterns) utf8 = utf8 && fuzz::valid_utf8(p);
    if (utf8) check_written_back(*client);
  }

  warnings.clear();
  error.clear();
  auto server = load_server_config(file, &warnings, &error);
  if (!server) {
    FUZZ_CHECK(!error.empty());
  } else {
    FUZZ_CHECK(server->port >= 1);
    FUZZ_CHECK(server->io_threads >= 1 && server->io_threads <= 64);
    FUZZ_CHECK(!server->data_dir.empty());
  }
  return 0;
}
