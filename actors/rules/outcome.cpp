#include "actors/rules/outcome.h"

#include <cerrno>
#include <cstring>

namespace syncer {

const char* to_string(error_kind kind) {
  switch (kind) {
    case error_kind::ok: return "ok";
    case error_kind::invalid: return "invalid";
    case error_kind::unauthorized: return "unauthorized";
    case error_kind::refused: return "refused";
    case error_kind::not_found: return "not_found";
    case error_kind::stale: return "stale";
    case error_kind::too_large: return "too_large";
    case error_kind::range_not_satisfiable: return "range_not_satisfiable";
    case error_kind::changed_while_reading: return "changed_while_reading";
    case error_kind::not_worth_it: return "not_worth_it";
    case error_kind::unsupported: return "unsupported";
    case error_kind::failed: return "failed";
    case error_kind::unavailable: return "unavailable";
    case error_kind::storage_full: return "storage_full";
    case error_kind::unreachable: return "unreachable";
  }
  return "failed";
}

bool is_transient(error_kind kind) {
  return kind == error_kind::unavailable || kind == error_kind::storage_full || kind == error_kind::unreachable;
}

error_kind storage_error_kind(int err) {
  return err == ENOSPC || err == EDQUOT ? error_kind::storage_full : error_kind::failed;
}

error_kind storage_error_kind(const std::string& message) {
  bool full = message.find(std::strerror(ENOSPC)) != std::string::npos ||
              message.find(std::strerror(EDQUOT)) != std::string::npos ||
              message.find("database or disk is full") != std::string::npos;
  return full ? error_kind::storage_full : error_kind::failed;
}

std::string outcome::describe() const {
  if (ok()) return "ok";
  return message.empty() ? std::string(to_string(kind)) : std::string(to_string(kind)) + ": " + message;
}

}  // namespace syncer
