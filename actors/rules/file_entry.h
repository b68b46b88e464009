// The metadata of one path in a synced folder, as both sides exchange it.
#pragma once

#include <cstdint>
#include <string>

#include "actors/rules/version_vector.h"

namespace syncer {

struct file_entry {
  std::string path;     // relative to the sync root, '/'-separated, normalised
  std::string sha256;   // lowercase hex; empty for folders and tombstones
  uint64_t size = 0;
  int64_t mtime_ns = 0;  // nanoseconds since the Unix epoch
  version_vector version;
  bool deleted = false;  // tombstone
  bool is_dir = false;   // folders are mirrored as folders
  std::string origin;    // client id that wrote this version ("" = unknown)
  uint64_t sequence = 0; // server change-feed position (0 on clients)

  // Same content and kind, ignoring versions and times.
  bool same_content(const file_entry& other) const {
    return deleted == other.deleted && is_dir == other.is_dir &&
           (deleted || is_dir || (sha256 == other.sha256 && size == other.size));
  }
};

}  // namespace syncer
