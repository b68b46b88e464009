// Process exit once a node has shut down.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace syncer {

// Every actor has terminated (their SQLite handles and files are closed)
// when this is called. CAF 0.17's actor_system destructor can then still
// wait forever on the private thread of a terminated detached actor, so
// the process leaves here instead of running that destructor.
[[noreturn]] inline void exit_after_shutdown(int code) {
  std::fflush(nullptr);
  std::_Exit(code);
}

}  // namespace syncer
