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
#include "cli/config.h"

namespace syncer {

// Prints "syncer COMMAND: MESSAGE" to stderr and returns `code`.
int fail(const std::string& command, const std::string& message, int code = 1);
// Parses, or prints help / a usage error. Returns -1 to go on.
int parse_or_help(const std::string& command, const std::string& synopsis, const std::string& description,
                  const std::vector<std::string>& args, std::vector<option_spec> specs, bool positional,
                  parsed_args* out, int usage_code = 2);
std::optional<client_config> load_client(const std::string& command, const parsed_args& a, int* code,
                                         int error_code = 1);
// "YYYY-MM-DD HH:MM:SS" in local time; "never" for 0.
std::string format_time_ns(int64_t ns);
std::vector<std::pair<std::string, std::string>> auth_headers(const std::string& api_key);
std::optional<uint16_t> admin_port(const client_config& c);
void print_states(const std::string& title, const std::vector<actor_state>& states);
// http://HOST:PORT[/...] -> host and port.
bool parse_url(const std::string& url, std::string* host, uint16_t* port);

}  // namespace syncer
