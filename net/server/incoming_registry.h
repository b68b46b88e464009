// The hub's streaming-upload registry: large uploads that are still
// arriving, by the sha256 their sender announced (X-Sha256), so other
// clients can fetch them while they arrive (GET /incoming/{sha256}).
// Contract: at most one upload per sha256 is registered; every method is
// thread-safe (the I/O threads share one registry); an upload's state and
// written counter are published by its receiving session and read by the
// sessions streaming it out. Beast-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace syncer::edge {

// An upload being received, announced by its X-Sha256 so other clients
// can fetch a large file while it arrives (GET /incoming/{sha256}).
struct incoming_upload {
  std::string temp_file;
  uint64_t size = 0;
  std::shared_ptr<std::atomic<uint64_t>> written = std::make_shared<std::atomic<uint64_t>>(0);
  std::atomic<int> state{0};  // arriving, complete, failed
  static constexpr int arriving = 0, complete = 1, failed = 2;
};

// Uploads from this size on are announced while they arrive.
constexpr uint64_t incoming_stream_min = 4ull << 20;

class incoming_registry {
 public:
  // Registers `up` as the upload of `sha256`; false (and nothing changes)
  // when the same content is already arriving.
  bool add(const std::string& sha256, std::shared_ptr<incoming_upload> up);
  // The upload of `sha256` now arriving, or null.
  std::shared_ptr<incoming_upload> find(const std::string& sha256);
  // Unregisters `up`, if it is still the one registered for `sha256`.
  void remove(const std::string& sha256, const std::shared_ptr<incoming_upload>& up);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<incoming_upload>> uploads_;  // by sha256
};

}  // namespace syncer::edge
