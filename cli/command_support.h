// Helpers every `syncer` command shares (defined in cli/commands.cpp):
// one-sentence failures, option parsing with --help, loading the client
// config, times, auth headers, a running client's admin port, --url.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/messages.h"
#include "cli/args.h"
#include "cli/command_helpers.h"
#include "cli/config.h"

namespace syncer {

// fail, parse_or_help and load_client: cli/command_helpers.h.
// "YYYY-MM-DD HH:MM:SS" in local time; "never" for 0.
std::string format_time_ns(int64_t ns);
std::vector<std::pair<std::string, std::string>> auth_headers(const std::string& api_key);
std::optional<uint16_t> admin_port(const client_config& c);
void print_states(const std::string& title, const std::vector<actor_state>& states);
// http://HOST:PORT[/...] -> host and port.
bool parse_url(const std::string& url, std::string* host, uint16_t* port);

}  // namespace syncer
