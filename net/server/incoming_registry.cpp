#include "net/server/incoming_registry.h"

#include <utility>

namespace syncer::edge {

bool incoming_registry::add(const std::string& sha256, std::shared_ptr<incoming_upload> up) {
  std::lock_guard<std::mutex> lock(mutex_);
  return uploads_.emplace(sha256, std::move(up)).second;
}

std::shared_ptr<incoming_upload> incoming_registry::find(const std::string& sha256) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = uploads_.find(sha256);
  if (it != uploads_.end()) return it->second;
  return nullptr;
}

void incoming_registry::remove(const std::string& sha256, const std::shared_ptr<incoming_upload>& up) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = uploads_.find(sha256);
  if (it != uploads_.end() && it->second == up) uploads_.erase(it);
}

}  // namespace syncer::edge
