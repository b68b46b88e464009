// problem_tracker (client): the paths the folder-model could not look at
// (permission denied, I/O error, a link in the way, too long a name, a
// name the hub refuses). Each is kept with its reason and since when,
// persisted in the index (so `syncer status` shows it while the daemon is
// down) and retried with capped exponential back-off on the monotonic
// clock. A problem never becomes a deletion and never holds up the rest
// of the folder. Not thread-safe: owned by the folder-model.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/rules/local_safety.h"
#include "storage/client_index.h"

namespace syncer {

class problem_tracker {
 public:
  explicit problem_tracker(client_index* index, backoff_policy policy = {}) : index_(index), policy_(policy) {}

  // Takes the problems recorded by an earlier run: all are due at once.
  void load(int64_t mono_now_ns);
  // `path` could not be looked at. Returns true when it is new (worth a
  // log line), false for a repeat (the attempt is counted, the retry
  // moved further out).
  bool report(const std::string& path, const std::string& reason, int64_t mono_now_ns, int64_t wall_now_ns);
  // `path` was looked at fine (or is gone): no longer a problem.
  void resolved(const std::string& path);
  // Paths whose retry time has come; each is handed out once per report.
  std::vector<std::string> due(int64_t mono_now_ns);
  bool has(const std::string& path) const { return items_.count(path) != 0; }
  size_t size() const { return items_.size(); }
  std::vector<local_problem> list() const;

 private:
  struct item {
    local_problem problem;
    int64_t next_retry_mono_ns = 0;
    bool handed_out = false;
  };
  client_index* index_;
  backoff_policy policy_;
  std::unordered_map<std::string, item> items_;
};

}  // namespace syncer
