// The one delta rule hub and client share: worth it when the literal
// blocks hold at most half the file and at most max_delta_bytes.
#include <gtest/gtest.h>

#include "actors/rules/transfer_policy.h"

namespace syncer {
namespace {

TEST(TransferPolicy, DeltaWorthItTable) {
  struct row {
    uint64_t changed, size;
    bool worth;
  } rows[] = {
      {0, 256ull << 20, true},                       // nothing changed (a touch): one tiny answer
      {1ull << 20, 256ull << 20, true},              // 1 MiB of 256 MiB
      {128ull << 20, 256ull << 20, false},           // exactly half, but over 32 MiB
      {32ull << 20, 256ull << 20, true},             // exactly the cap
      {(32ull << 20) + 1, 256ull << 20, false},      // over the cap
      {2ull << 20, 4ull << 20, true},                // half of a small file
      {(2ull << 20) + 1, 4ull << 20, false},         // more than half
      {1, 1, false},                                 // a whole one-byte file is not a delta
      {0, 0, true},
  };
  for (const auto& r : rows)
    EXPECT_EQ(delta_worth_it(r.changed, r.size), r.worth) << r.changed << " of " << r.size;
}

TEST(TransferPolicy, ConstantsKeepTheirRelations) {
  EXPECT_GT(delta_min_file_size, link_first_threshold);
  EXPECT_EQ(delta_min_file_size % delta_block_size, 0u);
  EXPECT_GE(max_delta_bytes, delta_block_size);
}

}  // namespace
}  // namespace syncer
