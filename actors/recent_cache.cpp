#include "actors/recent_cache.h"

namespace syncer {

void recent_deltas::remember(const std::string& from, const std::string& to, std::vector<uint64_t> literal) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = std::make_pair(from, to);
  if (deltas_.count(key) == 0) order_.push_back(key);
  deltas_[key] = std::move(literal);
  while (order_.size() > 64) {
    deltas_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<std::vector<uint64_t>> recent_deltas::find(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = deltas_.find({from, to});
  if (it == deltas_.end()) return std::nullopt;
  return it->second;
}

void recent_batches::remember(recent_batch batch) {
  if (batch.objects.empty() || batch.body->size() > budget) return;
  std::lock_guard<std::mutex> lock(mutex_);
  bytes_ += batch.body->size();
  batches_.push_back(std::move(batch));
  while (bytes_ > budget) {
    bytes_ -= batches_.front().body->size();
    batches_.pop_front();
  }
}

bool recent_batches::append_object(const std::string& sha256, std::string* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = batches_.rbegin(); it != batches_.rend(); ++it) {
    auto found = it->objects.find(sha256);
    if (found == it->objects.end()) continue;
    out->append(*it->body, found->second.first, found->second.second);
    return true;
  }
  return false;
}

}  // namespace syncer
