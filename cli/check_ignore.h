// `syncer check-ignore`: git check-ignore --no-index semantics.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace syncer {

// Prints each path (relative to `sync_root`, as given) that is ignored;
// with `verbose`, "<source>:<line>:<pattern>\t<path>" for every path a
// pattern matched (negations included, as git does). Returns 0 when at
// least one path was printed, 1 when none, 128 on error (a path outside
// the sync folder). `config_source` names the config file in -v output.
int run_check_ignore(const std::string& sync_root, const std::vector<std::string>& config_patterns,
                     const std::vector<std::string>& paths, bool verbose, std::ostream& out, std::ostream& err,
                     const std::string& config_source = "config:ignore_patterns");

}  // namespace syncer
