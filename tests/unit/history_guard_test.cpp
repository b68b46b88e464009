// history_guard: the marks that decide when the hub starts a new epoch
// (storage/history_guard.h).
#include <gtest/gtest.h>

#include "storage/history_guard.h"
#include "tests/unit/temp_dir.h"

using namespace syncer;

TEST(HistoryGuard, CleanStopsAndRestoredDatabases) {
  temp_dir dir{"syncer-epoch"};
  std::string reason, error;
  {
    auto g = history_guard::open(dir.path.string(), 0, &reason, &error);
    ASSERT_TRUE(g) << error;
    EXPECT_EQ(reason, "");  // a new data dir
    g->record(41);
    g->stopped_cleanly();
  }
  {
    auto g = history_guard::open(dir.path.string(), 41, &reason, &error);
    ASSERT_TRUE(g) << error;
    EXPECT_EQ(reason, "");  // clean stop, database as far as issued
    g->record(57);
    // no clean stop: a crash or power loss
  }
  {
    auto g = history_guard::open(dir.path.string(), 57, &reason, &error);
    ASSERT_TRUE(g) << error;
    EXPECT_NE(reason.find("did not stop cleanly"), std::string::npos) << reason;
    g->stopped_cleanly();
  }
  {
    // meta.db replaced by a copy that stops at sequence 12.
    auto g = history_guard::open(dir.path.string(), 12, &reason, &error);
    ASSERT_TRUE(g) << error;
    EXPECT_NE(reason.find("restored from an older copy"), std::string::npos) << reason;
    g->stopped_cleanly();
  }
  {
    // The new epoch starts from what the database holds: no second alarm.
    auto g = history_guard::open(dir.path.string(), 12, &reason, &error);
    ASSERT_TRUE(g) << error;
    EXPECT_EQ(reason, "");
    g->stopped_cleanly();
  }
}
