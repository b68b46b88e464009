#include "actors/problem_tracker.h"

#include <algorithm>
#include <functional>

namespace syncer {

void problem_tracker::load(int64_t mono_now_ns) {
  for (auto& p : index_->problems()) {
    item it;
    it.problem = p;
    it.next_retry_mono_ns = mono_now_ns;
    items_[p.path] = std::move(it);
  }
}

bool problem_tracker::report(const std::string& path, const std::string& reason, int64_t mono_now_ns,
                             int64_t wall_now_ns) {
  auto [pos, fresh] = items_.try_emplace(path);
  auto& it = pos->second;
  if (fresh) {
    it.problem.path = path;
    it.problem.since_ns = wall_now_ns;
  }
  bool changed = fresh || it.problem.reason != reason;
  it.problem.reason = reason;
  ++it.problem.attempts;
  // Spread retries of many paths (and of many clients) a little: a
  // jitter from the path and the attempt, stable for a test to reason
  // about.
  double jitter = static_cast<double>(std::hash<std::string>{}(path + std::to_string(it.problem.attempts)) % 1000) / 1000.0;
  it.next_retry_mono_ns = mono_now_ns + policy_.delay_ms(it.problem.attempts, jitter) * 1'000'000;
  it.handed_out = false;
  index_->put_problem(it.problem);
  return changed && fresh;
}

void problem_tracker::resolved(const std::string& path) {
  if (items_.erase(path)) index_->erase_problem(path);
}

std::vector<std::string> problem_tracker::due(int64_t mono_now_ns) {
  std::vector<std::string> out;
  for (auto& [path, it] : items_)
    if (!it.handed_out && it.next_retry_mono_ns <= mono_now_ns) {
      it.handed_out = true;
      out.push_back(path);
    }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<local_problem> problem_tracker::list() const {
  std::vector<local_problem> out;
  for (const auto& [path, it] : items_) out.push_back(it.problem);
  std::sort(out.begin(), out.end(), [](const local_problem& a, const local_problem& b) { return a.path < b.path; });
  return out;
}

}  // namespace syncer
