#include "actors/rules/local_safety.h"

#include <cerrno>
#include <cstring>

namespace syncer {

look_outcome classify_errno(int err) {
  if (err == 0) return look_outcome::present;
  if (err == ENOENT || err == ENOTDIR) return look_outcome::gone;
  return look_outcome::problem;
}

std::string problem_reason(int err) {
  switch (err) {
    case ELOOP:
      return "a symbolic link stands in the path (links are not followed)";
    case ENAMETOOLONG:
      return "the name is too long for this file system";
    default:
      return std::strerror(err);
  }
}

int64_t backoff_policy::delay_ms(int attempts, double jitter) const {
  if (attempts < 1) attempts = 1;
  int64_t delay = first_ms;
  for (int i = 1; i < attempts && delay < cap_ms; ++i) delay *= 2;
  if (delay > cap_ms) delay = cap_ms;
  if (jitter < 0) jitter = 0;
  if (jitter >= 1) jitter = 0.999;
  return delay + static_cast<int64_t>(static_cast<double>(delay) * 0.25 * jitter);
}

publish_decision decide_publish(const publish_policy& policy, bool open_for_write, bool open_for_write_known,
                                int64_t wall_now_ns, int64_t mtime_ns, int64_t waiting_since_mono_ns,
                                int64_t mono_now_ns) {
  // Closed by every writer: finished, publish at once (the usual save).
  if (open_for_write_known && !open_for_write) return {true, 0};
  // A writer that never closes (a log) gets a snapshot anyway after
  // max_wait (the hasher's before/after check keeps it consistent).
  bool waited_enough = waiting_since_mono_ns > 0 && mono_now_ns - waiting_since_mono_ns >= policy.max_wait_ns;
  if (waited_enough) return {true, 0};
  int64_t quiet = wall_now_ns - mtime_ns;
  if (open_for_write_known) {
    // Open for writing, even if quiet for a while (a writer pausing
    // between chunks): wait for the close, at most until max_wait.
    int64_t left = waiting_since_mono_ns > 0 ? policy.max_wait_ns - (mono_now_ns - waiting_since_mono_ns) : policy.max_wait_ns;
    return {false, left < policy.settle_ns ? (left < 50'000'000 ? 50'000'000 : left) : policy.settle_ns};
  }
  // Unknown whether a writer holds it: quiet for the settle time is the
  // best sign of a finished file.
  if (quiet >= policy.settle_ns) return {true, 0};
  int64_t wait = policy.settle_ns - (quiet < 0 ? 0 : quiet);
  if (wait < 50'000'000) wait = 50'000'000;
  return {false, wait};
}

bool hold_deletions(const delete_guard_policy& policy, size_t deletions, size_t tracked) {
  if (!policy.enabled || deletions < policy.min_count) return false;
  return static_cast<double>(deletions) > policy.fraction * static_cast<double>(tracked);
}

}  // namespace syncer
