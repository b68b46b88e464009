// What a client needs from the hub, as plain blocking calls. Actors use
// this interface; net/client/hub_client implements it over HTTP (Beast), so
// actors never see HTTP types. One instance per actor thread: instances
// are not thread-safe (each keeps its own keep-alive connection).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/rules/file_entry.h"
#include "actors/rules/outcome.h"
#include "actors/rules/sync_rules.h"

namespace syncer {

// The hub's answer to one call, in domain terms (the hub client maps the
// HTTP status; actors never see one).
struct hub_reply {
  error_kind kind = error_kind::unreachable;
  std::string error;  // one sentence when kind is not ok
  bool ok() const { return kind == error_kind::ok; }
};

// The hub's answer to an upload, link, mkdir or delete.
struct hub_change {
  std::string kind;  // fast_forward, no_op, stale, merge, conflict
  file_entry entry;  // what the path holds on the hub now
};

// One change of a batch upload (POST /batch): the small files, folders
// and deletions of an initial sync travel many per request.
struct batch_change {
  enum op_kind : int { upload = 0, link = 1, mkdir = 2, remove = 3 };
  op_kind op = upload;
  file_entry meta;         // path, version, mtime, origin; sha256 + size of the content
  std::string content;     // upload: the bytes (small files only)
  std::string local_file;  // upload: where they came from (for the one-by-one fallback)
};

struct batch_outcome {
  hub_reply reply;    // per change: ok, stale (with change), not_found, changed_while_reading, ...
  hub_change change;
};

class hub_api {
 public:
  virtual ~hub_api() = default;

  virtual hub_reply health() = 0;
  virtual hub_reply register_client(const std::string& name, std::string* client_id) = 0;
  // `local` is taken by value: a client's whole index is MiBs, and the
  // request no longer needs it once its body is written.
  virtual hub_reply sync(std::vector<file_entry> local, sync_plan* plan) = 0;
  // Incremental POST /sync: `changed` holds only the entries changed since
  // the client's sync point, which was hub `hub_id` at `since`. The hub
  // answers a full plan (incremental = false) when it is not that hub or
  // does not reach that far. The default sends a full request.
  virtual hub_reply sync_since(std::vector<file_entry> changed, uint64_t since, const std::string& hub_id,
                               sync_plan* plan) {
    (void)since;
    (void)hub_id;
    return sync(std::move(changed), plan);
  }
  // Streams `local_file` as the new content of `meta.path` (meta carries
  // version, mtime, origin). stale + `out` = the hub kept a newer version.
  virtual hub_reply upload(const file_entry& meta, const std::string& local_file, hub_change* out) = 0;
  // Records `meta` (with sha256 + size) without sending bytes; not_found when
  // the hub does not have that content (then upload).
  virtual hub_reply link(const file_entry& meta, hub_change* out) = 0;
  virtual hub_reply make_dir(const file_entry& meta, hub_change* out) = 0;
  virtual hub_reply remove(const file_entry& meta, hub_change* out) = 0;
  // Streams the hub's current content of `path` into `dest_file`. When
  // `dest_file` already holds a prefix, resumes with a Range request as
  // long as the ETag still equals `expected_sha256`.
  virtual hub_reply download(const std::string& path, const std::string& expected_sha256,
                             const std::string& dest_file) = 0;
  // Streams one retained version (its sequence number) of `path` into
  // `dest_file` (GET /version; `syncer restore --to`). Default: unsupported.
  virtual hub_reply download_version(const std::string& path, uint64_t sequence, const std::string& expected_sha256,
                                     const std::string& dest_file) {
    return {error_kind::unsupported, "version downloads are not supported"};
  }
  virtual hub_reply list_files(bool include_deleted, std::vector<file_entry>* out) = 0;

  // download() that also reports the SHA-256 of `dest_file` when it was
  // received whole in this call (not resumed), hashed on the way, so the
  // caller need not read it again; empty when unknown.
  virtual hub_reply download_hashed(const std::string& path, const std::string& expected_sha256,
                                    const std::string& dest_file, std::string* whole_sha256) {
    whole_sha256->clear();
    return download(path, expected_sha256, dest_file);
  }

  // The bytes of an upload of `sha256` still arriving at the hub (GET
  // /incoming/{sha256}), written to `dest_file` as they come; the answer is
  // cut short if the upload breaks. `whole_sha256` = SHA-256 of what was
  // received. not_found: nothing of that content is arriving (any more).
  virtual hub_reply prefetch(const std::string& sha256, const std::string& dest_file, std::string* whole_sha256) {
    (void)sha256;
    (void)dest_file;
    whole_sha256->clear();
    return {error_kind::unsupported, "streaming uploads are not supported"};
  }

  // Block deltas (storage/block_delta.h), for large files that changed in
  // place. upload_delta asks the hub for the block checksums of its
  // current content of meta.path (GET /blocks) and sends only the blocks
  // of `local_file` that differ (POST /upload with X-Delta-*); `sent` gets
  // the bytes sent. not_found (no base), not_worth_it (or not possible),
  // too_large, changed_while_reading (the rebuilt file did not hash to
  // meta.sha256) and unsupported (the default) all mean "send the whole
  // file instead".
  virtual hub_reply upload_delta(const file_entry& meta, const std::string& local_file, hub_change* out,
                                 uint64_t* sent) {
    (void)meta;
    (void)local_file;
    (void)out;
    *sent = 0;
    return {error_kind::unsupported, "delta uploads are not supported"};
  }
  // Writes the hub's object `to_sha256` into `dest_file`, taking every
  // block that did not change from `base_file` (which holds object
  // `from_sha256`) and fetching the rest (GET /delta). `whole_sha256` gets
  // the SHA-256 of what was written (the caller compares it), `received`
  // the bytes fetched. Anything but ok: download the whole file instead.
  virtual hub_reply download_delta(const std::string& from_sha256, const std::string& to_sha256,
                                   const std::string& base_file, const std::string& dest_file,
                                   std::string* whole_sha256, uint64_t* received) {
    (void)from_sha256;
    (void)to_sha256;
    (void)base_file;
    (void)dest_file;
    whole_sha256->clear();
    *received = 0;
    return {error_kind::unsupported, "delta downloads are not supported"};
  }

  // Many changes in one request; `out` gets one outcome per change, in
  // order, when the reply is ok. The default sends them one by one (test
  // doubles need nothing more).
  virtual hub_reply upload_batch(const std::vector<batch_change>& changes, std::vector<batch_outcome>* out) {
    out->clear();
    for (const auto& c : changes) {
      batch_outcome o;
      switch (c.op) {
        case batch_change::upload: o.reply = upload(c.meta, c.local_file, &o.change); break;
        case batch_change::link: o.reply = link(c.meta, &o.change); break;
        case batch_change::mkdir: o.reply = make_dir(c.meta, &o.change); break;
        case batch_change::remove: o.reply = remove(c.meta, &o.change); break;
      }
      if (o.reply.kind == error_kind::unreachable) return o.reply;  // the hub is away: the rest would fail too
      out->push_back(std::move(o));
    }
    return {error_kind::ok, ""};
  }

  // The bytes of many objects by sha256 (POST /objects), in order;
  // nullopt for one the hub did not send (unknown, or over the reply's
  // size cap: ask again). The default answers unsupported: callers then download
  // one by one.
  virtual hub_reply fetch_objects(const std::vector<std::string>& sha256s,
                                  std::vector<std::optional<std::string>>* out) {
    (void)sha256s;
    out->clear();
    return {error_kind::unsupported, "batch downloads are not supported"};
  }
};

struct hub_address {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  std::string api_key;  // empty = none
  // This client's id, named in POST /sync so the hub knows each client's
  // sync point (tombstone expiry, docs/history.md); empty before registration.
  std::string client_id;
  // TLS 1.3 to the hub (§9): this device's certificate and key, and who
  // the hub must be: `server_id` when pinned, else the ID recorded in
  // `hub_id_file` (written the first time a hub is met; empty = none).
  bool tls = false;
  std::string cert_file, key_file;
  std::string server_id;
  std::string hub_id_file;
};

using hub_api_factory = std::function<std::unique_ptr<hub_api>()>;

}  // namespace syncer
