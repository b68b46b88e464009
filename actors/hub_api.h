// What a client needs from the hub, as plain blocking calls. Actors use
// this interface; net/hub_client implements it over HTTP (Beast), so
// actors never see HTTP types. One instance per actor thread: instances
// are not thread-safe (each keeps its own keep-alive connection).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/rules/file_entry.h"
#include "actors/rules/sync_rules.h"

namespace syncer {

struct hub_reply {
  int status = 0;     // HTTP status; 0 = could not reach the hub
  std::string error;  // one sentence when status is not 2xx
  bool ok() const { return status >= 200 && status < 300; }
};

// The hub's answer to an upload, link, mkdir or delete.
struct hub_change {
  std::string kind;  // fast_forward, no_op, stale, merge, conflict
  file_entry entry;  // what the path holds on the hub now
};

class hub_api {
 public:
  virtual ~hub_api() = default;

  virtual hub_reply health() = 0;
  virtual hub_reply register_client(const std::string& name, std::string* client_id) = 0;
  virtual hub_reply sync(const std::vector<file_entry>& local, sync_plan* plan) = 0;
  // Streams `local_file` as the new content of `meta.path` (meta carries
  // version, mtime, origin). 409 + `out` = the hub kept a newer version.
  virtual hub_reply upload(const file_entry& meta, const std::string& local_file, hub_change* out) = 0;
  // Records `meta` (with sha256 + size) without sending bytes; 404 when
  // the hub does not have that content (then upload).
  virtual hub_reply link(const file_entry& meta, hub_change* out) = 0;
  virtual hub_reply make_dir(const file_entry& meta, hub_change* out) = 0;
  virtual hub_reply remove(const file_entry& meta, hub_change* out) = 0;
  // Streams the hub's current content of `path` into `dest_file`. When
  // `dest_file` already holds a prefix, resumes with a Range request as
  // long as the ETag still equals `expected_sha256`.
  virtual hub_reply download(const std::string& path, const std::string& expected_sha256,
                             const std::string& dest_file) = 0;
  virtual hub_reply list_files(bool include_deleted, std::vector<file_entry>* out) = 0;
};

struct hub_address {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  std::string api_key;  // empty = none
};

using hub_api_factory = std::function<std::unique_ptr<hub_api>()>;

}  // namespace syncer
