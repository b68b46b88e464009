// Content-addressed object store of the hub: objects/<aa>/<sha256>.
// Incoming bytes land in tmp/, are fsynced, then renamed into place, so a
// crash leaves either no object or a whole one, never a half file.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace syncer {

class object_store {
 public:
  // Creates <root>/objects and <root>/tmp when missing; clears leftovers
  // of an earlier crash from tmp/.
  explicit object_store(std::string root);

  // A fresh, unique path under tmp/ for an incoming upload.
  std::string new_temp_path();

  // fsyncs `temp_path`, renames it to the object named `sha256` (or drops
  // it when that object already exists) and fsyncs the directory.
  bool commit(const std::string& temp_path, const std::string& sha256, std::string* error);

  // commit() for a batch: (temp path, sha256) pairs. Instead of two
  // fsyncs per object, the data of every temp file is made durable with
  // one syncfs() of the store's file system, all are renamed into place,
  // and one more syncfs() makes the names durable. Returns one error per
  // pair (empty = that object is in place).
  std::vector<std::string> commit_many(const std::vector<std::pair<std::string, std::string>>& temp_and_sha);

  bool contains(const std::string& sha256) const;
  std::string object_path(const std::string& sha256) const;
  // Size in bytes, nullopt when missing.
  std::optional<uint64_t> object_size(const std::string& sha256) const;

  const std::string& root() const { return root_; }

 private:
  // Creates objects/<first two hex digits>/ once per run (every object
  // checked for it with a stat before).
  bool ensure_fanout_dir(const std::string& sha256, std::string* error);

  std::string root_;
  std::bitset<256> fanout_dirs_made_;
};

// The file of object `sha256` in the store rooted at `root` (the hub's
// data dir): objects/<first two hex digits>/<sha256>. The one place that
// knows the layout; `sha256` must already be validated hex.
std::string object_path_in(const std::string& root, const std::string& sha256);

// fsync a file / a directory by path. false on error.
bool fsync_path(const std::string& path);
bool fsync_directory(const std::string& dir);

}  // namespace syncer
