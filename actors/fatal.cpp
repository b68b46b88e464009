#include "actors/fatal.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "actors/log.h"

namespace syncer {

caf::error stop_node_on_exception(const char* actor, std::exception_ptr& failure) {
  std::string what = "unknown error";
  try {
    if (failure) std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  log::error(actor, std::string("failed: ") + what +
                        "; stopping the node (its state on disk is consistent: start it again once the cause is fixed)");
  std::fflush(nullptr);
  std::_Exit(1);
}

}  // namespace syncer
