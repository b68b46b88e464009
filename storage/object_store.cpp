#include "storage/object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace syncer {
namespace {

namespace fs = std::filesystem;

bool valid_sha(const std::string& sha) {
  if (sha.size() != 64) return false;
  for (char c : sha)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

bool fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

bool fsync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

object_store::object_store(std::string root) : root_(std::move(root)) {
  fs::create_directories(root_ + "/objects");
  // Temp files are either half-received uploads of a crashed run or
  // complete ones whose metadata was never committed: both are garbage.
  fs::remove_all(root_ + "/tmp");
  fs::create_directories(root_ + "/tmp");
}

std::string object_store::new_temp_path() {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = std::random_device{}();
  return root_ + "/tmp/in-" + std::to_string(::getpid()) + "-" + std::to_string(salt % 1000000) + "-" +
         std::to_string(counter++);
}

std::string object_path_in(const std::string& root, const std::string& sha256) {
  return root + "/objects/" + sha256.substr(0, 2) + "/" + sha256;
}

std::string object_store::object_path(const std::string& sha256) const { return object_path_in(root_, sha256); }

bool object_store::contains(const std::string& sha256) const {
  if (!valid_sha(sha256)) return false;
  struct stat st {};
  return ::stat(object_path(sha256).c_str(), &st) == 0;
}

std::optional<uint64_t> object_store::object_size(const std::string& sha256) const {
  if (!valid_sha(sha256)) return std::nullopt;
  struct stat st {};
  if (::stat(object_path(sha256).c_str(), &st) != 0) return std::nullopt;
  return static_cast<uint64_t>(st.st_size);
}

bool object_store::ensure_fanout_dir(const std::string& sha256, std::string* error) {
  auto slot = std::stoul(sha256.substr(0, 2), nullptr, 16);  // valid_sha checked by the callers
  if (fanout_dirs_made_[slot]) return true;
  auto dir = root_ + "/objects/" + sha256.substr(0, 2);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    if (error) *error = "cannot create " + dir + ": " + ec.message();
    return false;
  }
  fanout_dirs_made_[slot] = true;
  return true;
}

bool object_store::commit(const std::string& temp_path, const std::string& sha256, std::string* error) {
  if (!valid_sha(sha256)) {
    if (error) *error = "invalid sha256 '" + sha256 + "'";
    return false;
  }
  if (contains(sha256)) {
    ::unlink(temp_path.c_str());
    return true;
  }
  if (!fsync_path(temp_path)) {
    if (error) *error = "cannot fsync " + temp_path + ": " + std::strerror(errno);
    return false;
  }
  if (!ensure_fanout_dir(sha256, error)) return false;
  auto dir = root_ + "/objects/" + sha256.substr(0, 2);
  if (::rename(temp_path.c_str(), object_path(sha256).c_str()) != 0) {
    if (error) *error = "cannot move object into place: " + std::string(std::strerror(errno));
    return false;
  }
  fsync_directory(dir);
  return true;
}

namespace {

// Flushes the whole file system holding `dir` (data and metadata).
bool sync_file_system(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::syncfs(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::vector<std::string> object_store::commit_many(
    const std::vector<std::pair<std::string, std::string>>& temp_and_sha) {
  std::vector<std::string> errors(temp_and_sha.size());
  // Below a handful of objects, fsyncs of the files themselves are cheaper
  // than flushing the file system (which may hold other writers' data).
  if (temp_and_sha.size() <= 2) {
    for (size_t i = 0; i < temp_and_sha.size(); ++i)
      if (!commit(temp_and_sha[i].first, temp_and_sha[i].second, &errors[i]) && errors[i].empty())
        errors[i] = "cannot store object";
    return errors;
  }
  std::vector<size_t> pending;
  for (size_t i = 0; i < temp_and_sha.size(); ++i) {
    const auto& [temp, sha] = temp_and_sha[i];
    if (!valid_sha(sha)) {
      errors[i] = "invalid sha256 '" + sha + "'";
    } else if (contains(sha)) {
      ::unlink(temp.c_str());
    } else {
      pending.push_back(i);
    }
  }
  if (pending.empty()) return errors;
  if (!sync_file_system(root_ + "/tmp")) {
    for (auto i : pending) errors[i] = std::string("cannot flush the object store: ") + std::strerror(errno);
    return errors;
  }
  for (auto i : pending) {
    const auto& [temp, sha] = temp_and_sha[i];
    if (!ensure_fanout_dir(sha, &errors[i])) {
      // errors[i] says why
    } else if (::rename(temp.c_str(), object_path(sha).c_str()) != 0) {
      errors[i] = "cannot move object into place: " + std::string(std::strerror(errno));
    }
  }
  if (!sync_file_system(root_ + "/objects"))
    for (auto i : pending)
      if (errors[i].empty()) errors[i] = std::string("cannot flush the object store: ") + std::strerror(errno);
  return errors;
}

}  // namespace syncer
