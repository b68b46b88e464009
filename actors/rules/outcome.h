// The domain result of an operation between a node's actors, and between a
// client's actors and the hub: ok, or one kind of failure with a sentence
// for people. Actors decide on the kind, never on an HTTP status: only the
// hub's edge turns a kind into a status (net/status_map.h, answering), and
// only the hub client turns a status back into a kind (reading an answer).
// Pure: standard library only.
#pragma once

#include <cstdint>
#include <string>

namespace syncer {

enum class error_kind : uint8_t {
  ok = 0,
  invalid,                // the request or its data is malformed; do not retry as is
  unauthorized,           // no or a wrong credential
  refused,                // understood and not allowed (a device not accepted, a forbidden counter)
  not_found,              // no such file, content, client or upload
  stale,                  // the hub holds a newer version: the change was not applied
  too_large,              // over a size limit
  range_not_satisfiable,  // a download resumed past the end of the content
  changed_while_reading,  // the bytes did not hash to what the sender announced
  not_worth_it,           // a delta is impossible or costs more than the whole file
  unsupported,            // the peer does not offer this operation
  failed,                 // the other side failed (an I/O error, a bug)
  unavailable,            // a part of the hub did not answer in time: retry later
  storage_full,           // no room to store it (disk full, quota): retry later
  unreachable,            // no answer at all: the hub is away or the connection broke
};

// A stable lowercase name ("not_found", "storage_full", ...).
const char* to_string(error_kind kind);

// True for the kinds that say "try again later, unchanged": the hub is
// away, busy or full. Everything else needs a different request.
bool is_transient(error_kind kind);

// What a failed write's errno means: storage_full for a full disk or
// quota (ENOSPC, EDQUOT: retried later), failed for anything else.
error_kind storage_error_kind(int err);

// The same, for an error already turned into text (strerror text from the
// object store or a delta writer, SQLite's "database or disk is full").
error_kind storage_error_kind(const std::string& message);

// ok, or a kind with its sentence (LevelDB's Status, for syncer's domain).
struct outcome {
  error_kind kind = error_kind::ok;
  std::string message;

  static outcome success() { return {}; }
  static outcome failure(error_kind k, std::string why) { return {k, std::move(why)}; }
  bool ok() const { return kind == error_kind::ok; }
  // "not_found: no such file: a.txt", or "ok".
  std::string describe() const;
};

}  // namespace syncer
