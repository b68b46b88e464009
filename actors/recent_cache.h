// The hub's caches of what it has just received, so the other clients'
// requests that follow an event are answered without reading or comparing
// the object files again. Owned by the object-io actor (actors/object_io.h). Contract: both caches are bounded (64 deltas;
// 16 MiB of batch bodies, oldest dropped first), thread-safe, and only
// ever answer bytes or blocks computed from the very content they are
// named by; a miss just means "compute it the usual way".
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace syncer {

// The literal blocks of recent delta uploads, by (base, new) sha256:
// GET /delta between the same two versions (the other clients, right
// after) answers without comparing the two objects again. Every block
// not listed equals the base's: the rebuilt file hashed to its sha256.
class recent_deltas {
 public:
  void remember(const std::string& from, const std::string& to, std::vector<uint64_t> literal);
  std::optional<std::vector<uint64_t>> find(const std::string& from, const std::string& to);

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::vector<uint64_t>> deltas_;
  std::deque<std::pair<std::string, std::string>> order_;
};

// The body of one POST /batch request, and where each upload's bytes sit
// in it (by the sha256 computed by the edge from those bytes).
struct recent_batch {
  std::shared_ptr<const std::string> body;
  std::unordered_map<std::string, std::pair<size_t, size_t>> objects;  // sha256 -> (offset, size)
};

// The bodies of the last few POST /batch requests: the other clients ask
// for those objects right after the events, and POST /objects then
// answers from memory instead of opening every object file again.
class recent_batches {
 public:
  static constexpr size_t budget = 16u << 20;

  // Keeps `batch` (unless it holds no object or is over the budget alone).
  void remember(recent_batch batch);
  // Appends the object's bytes to `out` when a recent batch holds them.
  bool append_object(const std::string& sha256, std::string* out);

 private:
  std::mutex mutex_;
  std::deque<recent_batch> batches_;
  size_t bytes_ = 0;
};

}  // namespace syncer
