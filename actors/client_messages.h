// Message types used only inside a client node.
#pragma once

#include <optional>
#include <string>

#include "actors/messages.h"

namespace syncer {

// What the hasher found on disk for one path (lstat + SHA-256 of files).
struct local_file_state {
  std::string path;      // relative
  bool exists = false;
  bool is_dir = false;
  bool is_symlink = false;  // symlinks are not followed nor synced
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string sha256;    // files only
  bool unstable = false; // changed while it was hashed: ask again later
  // A process holds the file open for writing (a read lease was refused);
  // meaningful only when writer_known (the probe worked).
  bool open_for_write = false;
  bool writer_known = false;
  // Not empty: the path could not be looked at (permission denied, I/O
  // error, a link in the way, ...). A problem, never a deletion.
  std::string error;
  int error_errno = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, local_file_state& x) {
  return f(caf::meta::type_name("local_file_state"), x.path, x.exists, x.is_dir, x.is_symlink,
           x.size, x.mtime_ns, x.sha256, x.unstable, x.open_for_write, x.writer_known, x.error,
           x.error_errno);
}

// Publish one local entry (file, folder or tombstone) to the hub.
struct upload_result {
  bool changed_locally = false;  // not sent: the file changed since it was hashed
  error_kind answer = error_kind::unreachable;  // the hub's answer, when sent
  std::string error;
  std::string kind;  // the hub's change_kind
  file_entry sent;   // what was published
  file_entry hub;    // what the hub holds now
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, upload_result& x) {
  return f(caf::meta::type_name("upload_result"), x.changed_locally, x.answer, x.error, x.kind, x.sent, x.hub);
}

// Bring one hub entry (file or folder) to disk, or apply one hub
// tombstone. `expected_local` is what the index says the path holds now
// (nullopt: nothing); right before the final rename/unlink the downloader
// checks that the disk still matches it, so a local edit made meanwhile is
// never overwritten (result: local_changed).
struct download_job {
  file_entry entry;
  std::optional<file_entry> expected_local;
};


struct download_result {
  enum outcome_kind : int { done = 0, local_changed = 1, failed = 2, gone = 3 };
  int outcome = done;
  std::string error;
  file_entry entry;  // as now on disk (index row)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, download_result& x) {
  return f(caf::meta::type_name("download_result"), x.outcome, x.error, x.entry);
}

}  // namespace syncer

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::download_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<syncer::download_job>)
