// `syncer node --role server`: starts the hub's actors and its HTTP +
// WebSocket edge, serves until SIGINT/SIGTERM, then shuts down cleanly.
#pragma once

#include "cli/config.h"

namespace syncer {

// Returns the process exit code. Logs one line per event to stderr.
int run_server_node(const server_config& config, bool verbose);

}  // namespace syncer
