#include "actors/rules/device_binding.h"

namespace syncer {

std::optional<std::string> foreign_counter_error(const std::optional<version_vector>& current,
                                                 const version_vector& proposed, const std::string& own) {
  if (!current) return std::nullopt;
  for (const auto& [id, counter] : proposed.counters()) {
    if (id == own) continue;
    if (counter > current->get(id))
      return "the version vector advances the counter of client " + id + " (" + std::to_string(current->get(id)) +
             " -> " + std::to_string(counter) + "); a device may only advance its own counter (" + own + ")";
  }
  return std::nullopt;
}

std::optional<std::string> client_id_claim_error(const std::string& claimed, const std::string& own) {
  if (claimed.empty() || claimed == own) return std::nullopt;
  return "X-Client-Id " + claimed + " is not this device's client id (" + own + ")";
}

}  // namespace syncer
