// Table tests of the client's data-safety rules: error classification,
// back-off, and when a file being written may be published.
#include <gtest/gtest.h>

#include <cerrno>

#include "actors/rules/duration.h"
#include "actors/rules/local_safety.h"

using namespace syncer;

TEST(LocalSafety, OnlyEnoentAndEnotdirMeanGone) {
  struct row {
    int err;
    look_outcome expected;
  };
  for (auto r : {row{0, look_outcome::present}, row{ENOENT, look_outcome::gone}, row{ENOTDIR, look_outcome::gone},
                 row{EACCES, look_outcome::problem}, row{EPERM, look_outcome::problem}, row{EIO, look_outcome::problem},
                 row{ELOOP, look_outcome::problem}, row{ENAMETOOLONG, look_outcome::problem},
                 row{ENOMEM, look_outcome::problem}, row{EOVERFLOW, look_outcome::problem},
                 row{ESTALE, look_outcome::problem}})
    EXPECT_EQ(classify_errno(r.err), r.expected) << r.err;
  EXPECT_NE(problem_reason(EACCES).find("Permission denied"), std::string::npos);
  EXPECT_NE(problem_reason(ELOOP).find("link"), std::string::npos);
}

TEST(LocalSafety, BackoffDoublesUpToTheCap) {
  backoff_policy p{1000, 60000};
  struct row {
    int attempts;
    int64_t ms;
  };
  for (auto r : {row{0, 1000}, row{1, 1000}, row{2, 2000}, row{3, 4000}, row{6, 32000}, row{7, 60000},
                 row{100, 60000}, row{1 << 30, 60000}})
    EXPECT_EQ(p.delay_ms(r.attempts), r.ms) << r.attempts;
  EXPECT_EQ(p.delay_ms(1, 0.5), 1125);
  EXPECT_LE(p.delay_ms(100, 5.0), 75000);  // jitter clamped below 1
}

TEST(LocalSafety, PublishOnlyFinishedFiles) {
  publish_policy p;  // settle 1 s, max wait 30 s
  const int64_t s = 1'000'000'000;
  const int64_t wall = 1000 * s, mono = 50 * s;
  struct row {
    const char* what;
    bool open, known;
    int64_t mtime_age, waiting;  // seconds; waiting 0 = first look
    bool publish;
  };
  for (auto r : {
           row{"closed, just written (an editor's save)", false, true, 0, 0, true},
           row{"open for writing, busy", true, true, 0, 0, false},
           row{"open for writing, paused for 5 s (slow writer)", true, true, 5, 3, false},
           row{"open for writing for 30 s (a log)", true, true, 0, 30, true},
           row{"unknown writer, changed just now", false, false, 0, 0, false},
           row{"unknown writer, quiet for the settle time", false, false, 1, 0, true},
           row{"unknown writer, never quiet, waited 30 s", false, false, 0, 30, true},
       }) {
    int64_t since = r.waiting ? mono - r.waiting * s : 0;
    auto d = decide_publish(p, r.open, r.known, wall, wall - r.mtime_age * s, since, mono);
    EXPECT_EQ(d.publish, r.publish) << r.what;
    if (!d.publish) {
      EXPECT_GE(d.retry_after_ns, 50'000'000) << r.what;
      EXPECT_LE(d.retry_after_ns, p.settle_ns) << r.what;
    }
  }
}

TEST(Durations, ConfigSpellings) {
  const int64_t s = 1'000'000'000;
  struct row {
    const char* text;
    std::optional<int64_t> ns;
  };
  for (auto r : {row{"30s", 30 * s}, row{"10m", 600 * s}, row{"2h", 7200 * s}, row{"30d", 30 * 86400 * s},
                 row{"1w", 7 * 86400 * s}, row{"500ms", s / 2}, row{"45", 45 * s}, row{" 1h ", 3600 * s},
                 row{"", std::nullopt}, row{"h", std::nullopt}, row{"-5s", std::nullopt}, row{"5y", std::nullopt},
                 row{"1.5h", std::nullopt}, row{"99999999999999999999s", std::nullopt},
                 row{"9999999999999d", std::nullopt}})
    EXPECT_EQ(parse_duration_ns(r.text), r.ns) << r.text;
}

TEST(LocalSafety, MassDeleteGuardThreshold) {
  delete_guard_policy on;
  delete_guard_policy off;
  off.enabled = false;
  struct row {
    size_t deletions, tracked;
    bool held;
  };
  for (auto r : {row{99, 100, false},   // fewer than 100: never held
                 row{100, 100, true},   // all of them
                 row{100, 199, true},   // just over half
                 row{100, 200, false},  // exactly half is not more than half
                 row{150, 1000, false}, row{501, 1000, true}, row{5000, 5000, true}, row{0, 0, false}})
    EXPECT_EQ(hold_deletions(on, r.deletions, r.tracked), r.held) << r.deletions << " of " << r.tracked;
  EXPECT_FALSE(hold_deletions(off, 5000, 5000));
}
