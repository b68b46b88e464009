// What a restore does (BRIEF §1 `syncer restore`), as a pure function:
// given the versions a sub-tree held at a time (or one chosen version)
// and what the hub holds now, which paths get a new version, which are
// already as they were, and which were created after that time and are
// left alone. The hub then records each restored entry as the next edit
// after the current one (a fast-forward every client takes).
#pragma once

#include <string>
#include <vector>

#include "actors/rules/file_entry.h"

namespace syncer {

struct restore_plan {
  std::vector<file_entry> restore;       // what each restored path shall hold (folders first, parents first)
  std::vector<std::string> unchanged;    // already holds that content
  std::vector<std::string> left_alone;   // not there (or deleted) at the time, live now
};

// `then`: the entries of the sub-tree at the time (tombstones included),
// `now`: its current entries (tombstones included); both in any order.
restore_plan plan_restore(const std::vector<file_entry>& then, const std::vector<file_entry>& now);

}  // namespace syncer
