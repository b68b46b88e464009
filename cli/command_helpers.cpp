#include "cli/command_helpers.h"

#include <cstdio>

namespace syncer {

int fail(const std::string& command, const std::string& message, int code) {
  std::fprintf(stderr, "syncer %s: %s\n", command.c_str(), message.c_str());
  return code;
}

// Parses, or prints help / a usage error. Returns -1 to go on.
int parse_or_help(const std::string& command, const std::string& synopsis, const std::string& description,
                  const std::vector<std::string>& args, std::vector<option_spec> specs, bool positional,
                  parsed_args* out, int usage_code) {
  specs.push_back({"--help", false, "show this help"});
  std::string error;
  auto parsed = parse_args(args, specs, positional, &error);
  if (!parsed) return fail(command, error + " (see `syncer " + command + " --help`)", usage_code);
  if (parsed->has("--help")) {
    std::printf("usage: %s\n\n%s\n\noptions:\n%s", synopsis.c_str(), description.c_str(), format_options(specs).c_str());
    return 0;
  }
  *out = std::move(*parsed);
  return -1;
}

std::optional<client_config> load_client(const std::string& command, const parsed_args& a, int* code,
                                         int error_code) {
  std::vector<std::string> warnings;
  std::string error;
  auto config = load_client_config(a.get("--config", "config.yaml"), &warnings, &error);
  for (const auto& w : warnings) std::fprintf(stderr, "syncer %s: warning: %s\n", command.c_str(), w.c_str());
  if (!config) *code = fail(command, error, error_code);
  return config;
}

}  // namespace syncer
