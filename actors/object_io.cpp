#include "actors/object_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <caf/all.hpp>

#include "actors/log.h"
#include "actors/recent_cache.h"
#include "actors/rules/path_rules.h"
#include "actors/rules/transfer_policy.h"
#include "storage/block_delta.h"
#include "storage/object_store.h"
#include "storage/posix_io.h"
#include "storage/sha256.h"
#include "storage/sync_root.h"

namespace syncer {
namespace {

struct object_io_state {
  std::string data_dir;
  std::string temp_prefix;  // <data dir>/tmp/batch-<pid>-
  uint64_t temp_counter = 0;
  recent_deltas deltas;
  recent_batches batches;
  int64_t blocks = 0, deltas_served = 0, delta_cache_hits = 0, objects_asked = 0, objects_sent = 0,
          objects_from_cache = 0, batches_prepared = 0, deltas_rebuilt = 0, batch_files = 0, failures = 0;
  std::string last_error;
};

std::string object_file(const object_io_state& st, const std::string& sha256) {
  return object_path_in(st.data_dir, sha256);
}

outcome failure(object_io_state& st, error_kind kind, std::string message) {
  if (kind == error_kind::failed || kind == error_kind::storage_full) {
    ++st.failures;
    st.last_error = message;
    log::error("object-io", message);
  }
  return outcome::failure(kind, std::move(message));
}

blocks_answer blocks(object_io_state& st, const std::string& sha256, uint64_t size) {
  blocks_answer a;
  ++st.blocks;
  if (!is_sha256_hex(sha256)) {
    a.result = outcome::failure(error_kind::invalid, "'" + sha256 + "' is not a sha256");
    return a;
  }
  if (size == 0) return a;
  std::string error;
  auto sums = file_block_checksums(object_file(st, sha256), delta_block_size, &error);
  if (!sums) {
    a.result = failure(st, error_kind::failed, "cannot read object " + sha256 + ": " + error);
    return a;
  }
  a.sums = std::move(*sums);
  return a;
}

delta_answer delta(object_io_state& st, const std::string& from, const std::string& to) {
  delta_answer a;
  if (!is_sha256_hex(from) || !is_sha256_hex(to)) {
    a.result = outcome::failure(error_kind::invalid, "'from' and 'to' must be sha256s (64 lowercase hex digits)");
    return a;
  }
  struct stat from_stat {}, to_stat {};
  if (::stat(object_file(st, from).c_str(), &from_stat) != 0) {
    a.result = outcome::failure(error_kind::not_found, "the hub does not have content " + from);
    return a;
  }
  if (::stat(object_file(st, to).c_str(), &to_stat) != 0) {
    a.result = outcome::failure(error_kind::not_found, "the hub does not have content " + to);
    return a;
  }
  a.size = static_cast<uint64_t>(to_stat.st_size);
  std::string error;
  auto literal = st.deltas.find(from, to);
  if (literal) ++st.delta_cache_hits;
  else literal = differing_blocks(object_file(st, from), object_file(st, to), delta_block_size, &error);
  if (!literal) {
    a.result = failure(st, error_kind::failed, "cannot compare objects: " + error);
    return a;
  }
  auto bytes = literal_bytes(*literal, a.size, delta_block_size);
  if (!delta_worth_it(bytes, a.size)) {
    a.result = outcome::failure(error_kind::too_large,
                                "the change is " + std::to_string(bytes) + " bytes: download the whole file");
    return a;
  }
  unique_fd fd(::open(object_file(st, to).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    a.result = failure(st, error_kind::failed, std::string("cannot open object: ") + std::strerror(errno));
    return a;
  }
  a.bytes.resize(bytes);
  size_t at = 0;
  for (auto b : *literal) {
    uint64_t start = b * delta_block_size;
    auto want = static_cast<size_t>(std::min<uint64_t>(delta_block_size, a.size - start));
    if (pread_exact(fd.get(), a.bytes.data() + at, want, static_cast<off_t>(start)) != 0) {
      a.result = failure(st, error_kind::failed, "object " + to + " is shorter than its size");
      a.bytes.clear();
      return a;
    }
    at += want;
  }
  a.literal = std::move(*literal);
  ++st.deltas_served;
  return a;
}

// Objects are immutable files named by their content: read whole, up to
// the answer's cap (what does not fit is answered null: asked again).
objects_answer objects(object_io_state& st, const std::vector<std::string>& wanted) {
  objects_answer a;
  a.sizes.resize(wanted.size());
  st.objects_asked += static_cast<int64_t>(wanted.size());
  for (size_t i = 0; i < wanted.size(); ++i) {
    const auto& sha = wanted[i];
    if (!is_sha256_hex(sha) || a.content.size() >= max_objects_reply_bytes) continue;
    auto at = a.content.size();
    if (st.batches.append_object(sha, &a.content)) {
      a.sizes[i] = a.content.size() - at;
      ++st.objects_from_cache;
      ++st.objects_sent;
      continue;
    }
    unique_fd fd(::open(object_file(st, sha).c_str(), O_RDONLY | O_CLOEXEC));
    struct stat info {};
    if (!fd || ::fstat(fd.get(), &info) != 0) continue;
    auto size = static_cast<size_t>(info.st_size);
    a.content.resize(at + size);
    if (pread_exact(fd.get(), a.content.data() + at, size, 0) == 0) {
      a.sizes[i] = size;
      ++st.objects_sent;
    } else {
      a.content.resize(at);
    }
  }
  return a;
}

// Every upload of the batch into its own temp file, hashed from memory;
// the body is kept in the recent-batch cache under the sha256s computed
// here from these very bytes, whatever file-store then decides.
prepared_batch prepare(object_io_state& st, batch_upload& batch) {
  prepared_batch p;
  const std::string& body = *batch.body;
  size_t offset = batch.offset;
  recent_batch kept;
  auto fail = [&](error_kind kind, std::string message) {
    for (auto& c : batch.changes)
      if (!c.temp_file.empty()) ::unlink(c.temp_file.c_str());
    p.result = failure(st, kind, std::move(message));
    return p;
  };
  if (batch.carries_bytes.size() != batch.changes.size() || offset > body.size())
    return fail(error_kind::invalid, "the batch does not say which changes carry bytes");
  for (auto& c : batch.changes) c.temp_file.clear();  // only names made here are ever unlinked
  for (size_t i = 0; i < batch.changes.size(); ++i) {
    if (!batch.carries_bytes[i]) continue;
    auto& c = batch.changes[i];
    if (c.entry.size > body.size() - offset)
      return fail(error_kind::invalid, "the batch body is shorter than its manifest says");
    std::string_view bytes(body.data() + offset, static_cast<size_t>(c.entry.size));
    c.temp_file = st.temp_prefix + std::to_string(st.temp_counter++);
    if (int err = write_whole_file(c.temp_file, bytes); err != 0)
      return fail(storage_error_kind(err),
                  "cannot write upload temp file: " + std::string(std::strerror(err)));
    c.content_sha256 = sha256_hex(bytes);
    c.content_size = bytes.size();
    kept.objects.emplace(c.content_sha256, std::make_pair(offset, bytes.size()));
    offset += bytes.size();
    ++st.batch_files;
  }
  kept.body = batch.body;
  st.batches.remember(std::move(kept));
  ++st.batches_prepared;
  p.changes = std::move(batch.changes);
  return p;
}

rebuilt_delta rebuild(object_io_state& st, const delta_upload& d) {
  rebuilt_delta r;
  if (!is_sha256_hex(d.base_sha256)) {
    r.result = outcome::failure(error_kind::invalid, "X-Delta-Base must be a sha256 (64 lowercase hex digits)");
    return r;
  }
  auto base = object_file(st, d.base_sha256);
  struct stat info {};
  if (::stat(base.c_str(), &info) != 0) {
    r.result = outcome::failure(error_kind::not_found,
                                "the hub does not have the base content " + d.base_sha256 + "; send the whole file");
    return r;
  }
  r.temp_file = st.temp_prefix + "delta-" + std::to_string(st.temp_counter++);
  delta_writer writer;
  std::string error;
  if (!writer.open(base, r.temp_file, d.size, d.block_size, d.literal, &error)) {
    ::unlink(r.temp_file.c_str());
    r.result = failure(st, error_kind::failed, "cannot start the delta: " + error);
    r.temp_file.clear();
    return r;
  }
  if (!writer.put(d.bytes.data(), d.bytes.size(), &error) || !writer.finish(&error)) {
    ::unlink(r.temp_file.c_str());
    r.result = storage_error_kind(error) == error_kind::storage_full
                    ? failure(st, error_kind::storage_full, "delta upload: " + error)
                    : outcome::failure(error_kind::invalid, "delta upload: " + error);
    r.temp_file.clear();
    return r;
  }
  r.sha256 = writer.sha256();
  r.reused_bytes = d.size - writer.literal_bytes_received();
  ++st.deltas_rebuilt;
  return r;
}

}  // namespace

object_io_actor spawn_object_io(caf::actor_system& sys, const object_io_config& config) {
  auto behavior = [](object_io_actor::stateful_pointer<object_io_state> self,
                     std::string data_dir) -> object_io_actor::behavior_type {
    auto& st = self->state;
    st.data_dir = data_dir;
    st.temp_prefix = data_dir + "/tmp/batch-" + std::to_string(::getpid()) + "-";
    return {
        [self](blocks_atom, const std::string& sha256, uint64_t size) { return blocks(self->state, sha256, size); },
        [self](delta_atom, const std::string& from, const std::string& to) { return delta(self->state, from, to); },
        [self](objects_atom, const std::vector<std::string>& wanted) { return objects(self->state, wanted); },
        [self](prepare_atom, batch_upload& batch) { return prepare(self->state, batch); },
        [self](rebuild_atom, const delta_upload& d) { return rebuild(self->state, d); },
        [self](remember_atom, const std::string& from, const std::string& to, std::vector<uint64_t>& literal) {
          self->state.deltas.remember(from, to, std::move(literal));
        },
        [self](inspect_atom) {
          auto& s = self->state;
          actor_state out;
          out.name = "object-io";
          out.counters = {{"blocks", s.blocks},
                          {"deltas", s.deltas_served},
                          {"delta_cache_hits", s.delta_cache_hits},
                          {"objects_asked", s.objects_asked},
                          {"objects_sent", s.objects_sent},
                          {"objects_from_cache", s.objects_from_cache},
                          {"batches", s.batches_prepared},
                          {"batch_files", s.batch_files},
                          {"deltas_rebuilt", s.deltas_rebuilt},
                          {"failures", s.failures}};
          out.info["last_error"] = s.last_error;
          return out;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior, config.data_dir);
}

}  // namespace syncer
