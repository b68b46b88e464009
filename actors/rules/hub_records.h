// What the hub records about its clients and conflicts, as plain values:
// kept by storage/server_db, carried in actor messages, written by the
// edge's JSON codecs. Pure: standard library only.
#pragma once

#include <cstdint>
#include <string>

namespace syncer {

struct client_record {
  std::string id;    // short random hex, the key in version vectors
  std::string name;
  int64_t created_ns = 0;
  int64_t last_seen_ns = 0;
};

struct conflict_record {
  int64_t id = 0;
  std::string path;          // the path both sides edited (winner keeps it)
  std::string copy_path;     // where the loser's content lives
  std::string winner_origin; // client ids
  std::string loser_origin;
  int64_t detected_ns = 0;
  bool open = true;          // false once the copy was deleted
};

}  // namespace syncer
