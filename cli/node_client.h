// `syncer node --role client`: registers with the hub, starts the client
// actors, the event stream and the local admin endpoint; syncs until
// SIGINT/SIGTERM, then shuts down cleanly (exit 0).
#pragma once

#include "cli/config.h"

namespace syncer {

int run_client_node(const client_config& config, bool verbose);

}  // namespace syncer
