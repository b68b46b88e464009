#include "actors/rules/restore_rules.h"

#include <algorithm>
#include <map>

namespace syncer {

restore_plan plan_restore(const std::vector<file_entry>& then, const std::vector<file_entry>& now) {
  restore_plan plan;
  std::map<std::string, const file_entry*> current, past;
  for (const auto& e : now) current[e.path] = &e;
  for (const auto& e : then) past[e.path] = &e;
  for (const auto& [path, old] : past) {
    auto it = current.find(path);
    const file_entry* cur = it == current.end() ? nullptr : it->second;
    if (old->deleted) {
      // Deleted (or not yet there) at the time: a file made since is new
      // work, not something to undo.
      if (cur && !cur->deleted) plan.left_alone.push_back(path);
      else plan.unchanged.push_back(path);
      continue;
    }
    if (cur && cur->same_content(*old)) {
      plan.unchanged.push_back(path);
      continue;
    }
    plan.restore.push_back(*old);
  }
  for (const auto& [path, cur] : current)
    if (!past.count(path) && !cur->deleted) plan.left_alone.push_back(path);
  // Folders before files, and within each by path, so a parent's entry
  // is recorded (and reaches the clients) before its children's.
  std::stable_sort(plan.restore.begin(), plan.restore.end(), [](const file_entry& a, const file_entry& b) {
    if (a.is_dir != b.is_dir) return a.is_dir;
    return a.path < b.path;
  });
  std::sort(plan.left_alone.begin(), plan.left_alone.end());
  return plan;
}

}  // namespace syncer
