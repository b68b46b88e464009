// Version vectors: client id -> counter, one per file version.
// They decide whether two versions are ordered (one saw the other) or
// concurrent (a true conflict). Timestamps never decide ordering.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace syncer {

enum class version_order {
  equal,       // same history
  before,      // this version is an ancestor of the other
  after,       // this version descends from the other
  concurrent,  // neither saw the other: a conflict
};

const char* to_string(version_order order);

class version_vector {
 public:
  version_vector() = default;

  // Counter of one client (0 when absent).
  uint64_t get(const std::string& client_id) const;
  void set(const std::string& client_id, uint64_t counter);

  // Records one more edit by `client_id`.
  void increment(const std::string& client_id);

  // Element-wise maximum: the smallest vector that dominates both.
  void merge(const version_vector& other);

  // How *this relates to `other`.
  version_order compare(const version_vector& other) const;

  bool empty() const { return counters_.empty(); }
  const std::map<std::string, uint64_t>& counters() const { return counters_; }

  // Text form "id1:3,id2:7" (sorted by id; empty string for the empty
  // vector). Used in SQLite, HTTP headers and logs.
  std::string to_string() const;
  static std::optional<version_vector> parse(std::string_view text);

  bool operator==(const version_vector& other) const { return counters_ == other.counters_; }
  bool operator!=(const version_vector& other) const { return !(*this == other); }

 private:
  std::map<std::string, uint64_t> counters_;  // zero counters are never stored
};

}  // namespace syncer
