// Pure rules that keep a client from losing data on its own disk (no I/O;
// the caller passes in what it saw and when, on a monotonic clock):
//   - which errors mean a path is gone, and which are a *problem*;
//   - the capped exponential back-off of a path that keeps failing;
//   - when a file may be published: only in a state its writer finished.
// docs/sync-semantics.md, "What syncer does when things go wrong".
#pragma once

#include <cstdint>
#include <string>

namespace syncer {

// What one look at a path (lstat, open, read) says about it.
enum class look_outcome {
  present,  // it is there and could be read
  gone,     // ENOENT / ENOTDIR: the only outcomes that may become a deletion
  problem,  // anything else (EACCES, EIO, ELOOP, ENAMETOOLONG, ...): report, retry, never delete
};
look_outcome classify_errno(int err);  // 0 = present

// The reason a user reads for an errno, one short phrase.
std::string problem_reason(int err);

// Capped exponential back-off: attempt 1 waits `first_ms`, each further
// attempt twice as long, never more than `cap_ms`. A jitter in [0, 1)
// stretches a wait by up to a quarter, so many paths (or many clients)
// failing together do not retry in lockstep.
struct backoff_policy {
  int64_t first_ms = 1000;
  int64_t cap_ms = 60000;
  int64_t delay_ms(int attempts, double jitter = 0) const;
};

// May a file be published now? Inputs: whether any process has it open
// for writing (a read lease could not be taken: see the hasher), when its
// content last changed (mtime), when this client first saw it unfinished,
// and now, all in nanoseconds (mtime on the wall clock, the others on the
// monotonic clock are compared only with each other).
struct publish_policy {
  // A file still open for writing must have been quiet this long.
  int64_t settle_ns = 1'000'000'000;
  // A writer that never closes (a log) still gets its file synced at
  // least this often, even while it keeps changing.
  int64_t max_wait_ns = 30'000'000'000;
};
struct publish_decision {
  bool publish = false;
  int64_t retry_after_ns = 0;  // when not published: look again after this
};
// Closed by every writer: publish now. Open for writing: wait for the
// close (re-examined every settle_ns), but publish after max_wait anyway.
// `open_for_write_known` false (the lease could not be probed: not the
// file's owner, a file system without leases): publish once the content
// has been quiet for settle_ns, or after max_wait.
publish_decision decide_publish(const publish_policy& policy, bool open_for_write, bool open_for_write_known,
                                int64_t wall_now_ns, int64_t mtime_ns, int64_t waiting_since_mono_ns,
                                int64_t mono_now_ns);

// The mass-delete guard (delete_guard, BRIEF §7): deletions found by one
// scan or burst are held, not sent, when they are more than `fraction` of
// the tracked entries and at least `min_count` of them. The user decides
// (syncer deletions --accept | --restore).
struct delete_guard_policy {
  bool enabled = true;
  double fraction = 0.5;
  size_t min_count = 100;
};
bool hold_deletions(const delete_guard_policy& policy, size_t deletions, size_t tracked);

}  // namespace syncer
