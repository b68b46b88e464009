// Times as the sync metadata stores them: nanoseconds since the Unix epoch.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstdint>

namespace syncer {

inline int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

inline int64_t now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace syncer
