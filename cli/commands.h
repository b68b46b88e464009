// The `syncer` subcommands. Each takes its arguments (after the command
// name) and returns the process exit code; errors are one sentence on
// stderr.
#pragma once

#include <string>
#include <vector>

namespace syncer {

int command_node(const std::vector<std::string>& args);
int command_init(const std::vector<std::string>& args);
int command_status(const std::vector<std::string>& args);
int command_inspect(const std::vector<std::string>& args);
int command_check_ignore(const std::vector<std::string>& args);
int command_conflicts(const std::vector<std::string>& args);
int command_deletions(const std::vector<std::string>& args);
// cli/history_commands.cpp
int command_history(const std::vector<std::string>& args);
int command_restore(const std::vector<std::string>& args);
int command_gc(const std::vector<std::string>& args);
// syncer status --url: the hub's store sizes.
int hub_store_status(const std::string& url, bool as_json);
int command_id(const std::vector<std::string>& args);       // device_commands.cpp
int command_devices(const std::vector<std::string>& args);  // device_commands.cpp

}  // namespace syncer
