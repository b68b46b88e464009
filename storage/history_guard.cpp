#include "storage/history_guard.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace syncer {

std::unique_ptr<history_guard> history_guard::open(const std::string& data_dir, uint64_t db_last_sequence,
                                                   std::string* reason, std::string* error) {
  reason->clear();
  std::string running = data_dir + "/RUNNING";
  if (::access(running.c_str(), F_OK) == 0) *reason = "the last run of the hub did not stop cleanly";
  int fd = ::open((data_dir + "/sequence.high").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (error) *error = "cannot open " + data_dir + "/sequence.high: " + std::strerror(errno);
    return nullptr;
  }
  char buf[32] = {};
  auto n = ::pread(fd, buf, sizeof buf - 1, 0);
  uint64_t high = n > 0 ? std::strtoull(buf, nullptr, 10) : 0;
  if (high > db_last_sequence)
    *reason = "meta.db holds sequence " + std::to_string(db_last_sequence) + " but the hub had issued " +
              std::to_string(high) + " (a database restored from an older copy, or commits lost)";
  int mark = ::open(running.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (mark < 0) {
    if (error) *error = "cannot create " + running + ": " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  ::fsync(mark);
  ::close(mark);
  auto guard = std::unique_ptr<history_guard>(new history_guard(running, fd));
  guard->recorded_ = high > db_last_sequence ? 0 : high;
  guard->record(db_last_sequence);  // the new epoch starts from what the database holds
  return guard;
}

history_guard::~history_guard() {
  if (high_fd_ >= 0) ::close(high_fd_);
}

void history_guard::record(uint64_t sequence) {
  if (sequence == recorded_ && sequence != 0) return;
  recorded_ = sequence;
  std::string text = std::to_string(sequence) + "\n";
  // Fixed width so a shorter number never leaves digits of a longer one.
  text.resize(24, ' ');
  (void)!::pwrite(high_fd_, text.data(), text.size(), 0);
}

void history_guard::stopped_cleanly() { ::unlink(running_.c_str()); }

}  // namespace syncer
