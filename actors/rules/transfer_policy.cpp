#include "actors/rules/transfer_policy.h"

namespace syncer {

bool delta_worth_it(uint64_t changed_bytes, uint64_t file_size) {
  return changed_bytes <= max_delta_bytes && changed_bytes <= file_size / 2;
}

}  // namespace syncer
