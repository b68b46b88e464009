// history_guard: tells whether the hub's history may have gone back since
// clients last synced with it, so they stop trusting their sync points.
//
// Clients send only what changed since their sync point (hub id +
// sequence). If the hub lost commits it had acknowledged (a power loss
// with SQLite's synchronous=NORMAL, an OS crash) or its meta.db was
// replaced by an older copy, those clients would never send again what
// the hub no longer holds. Two signs, kept outside meta.db in the data
// dir, reveal such a start:
//   - RUNNING exists at start: the last run did not stop cleanly;
//   - sequence.high (the highest sequence ever issued, rewritten after
//     each commit, not fsynced) is above the database's last sequence.
// On either, the caller gives the hub a new id (a new epoch): every
// client's next sync is a full one, and whatever a client holds that the
// hub lacks is uploaded again. Nothing any client has is lost.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace syncer {

class history_guard {
 public:
  // `db_last_sequence` is what meta.db says. `reason` gets why the history
  // may have gone back (empty: it did not). nullptr + `error` when the
  // data dir cannot hold the marks.
  static std::unique_ptr<history_guard> open(const std::string& data_dir, uint64_t db_last_sequence,
                                             std::string* reason, std::string* error);
  ~history_guard();
  history_guard(const history_guard&) = delete;
  history_guard& operator=(const history_guard&) = delete;

  // After a commit: the highest sequence issued so far (one pwrite).
  void record(uint64_t sequence);
  // A clean stop: removes RUNNING.
  void stopped_cleanly();

 private:
  history_guard(std::string running, int high_fd) : running_(std::move(running)), high_fd_(high_fd) {}
  std::string running_;
  int high_fd_;
  uint64_t recorded_ = 0;
};

}  // namespace syncer
