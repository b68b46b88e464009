// Helpers every `syncer` subcommand shares: the one-sentence error, the
// option parsing with --help, and loading the client config named by
// --config (default ./config.yaml).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/config.h"

namespace syncer {

// Prints "syncer COMMAND: MESSAGE" to stderr; returns `code`.
int fail(const std::string& command, const std::string& message, int code = 1);

// Parses, or prints help / a usage error. Returns -1 to go on.
int parse_or_help(const std::string& command, const std::string& synopsis, const std::string& description,
                  const std::vector<std::string>& args, std::vector<option_spec> specs, bool positional,
                  parsed_args* out, int usage_code = 2);

// The client config of --config; on failure *code is the exit code.
std::optional<client_config> load_client(const std::string& command, const parsed_args& a, int* code,
                                         int error_code = 1);

}  // namespace syncer
