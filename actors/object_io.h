// object-io (hub): the reads and writes of object bytes the edge needs
// beyond streaming one body, so the edge's I/O threads never block on the
// disk or burn CPU: block checksums of an object (GET /blocks), the
// literal blocks between two objects (GET /delta), many small objects in
// one answer (POST /objects), the new version of a delta upload rebuilt
// from its base object (POST /upload with X-Delta-Base), and the temp
// files of a batch upload (POST /batch), written and hashed. It owns the caches of recent batches
// and deltas (actors/recent_cache.h), so the requests other clients make
// right after an event are answered from memory.
//
// Contract: runs detached (its own thread); objects are immutable files
// named by their sha256, read by name only (never a path from a peer);
// every answer carries an outcome (not_found for an unknown object,
// not_worth_it for a delta bigger than the transfer policy allows, failed
// for an I/O error, storage_full for a full disk). It never records a
// change: a prepared batch goes to file-store next.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.h"
#include "actors/rules/outcome.h"

namespace syncer {

using blocks_atom = caf::atom_constant<caf::atom("blocks")>;
using delta_atom = caf::atom_constant<caf::atom("delta")>;
using objects_atom = caf::atom_constant<caf::atom("objects")>;
using prepare_atom = caf::atom_constant<caf::atom("prepare")>;
using remember_atom = caf::atom_constant<caf::atom("remember")>;
using rebuild_atom = caf::atom_constant<caf::atom("rebuild")>;

// GET /blocks: the checksum of every block of an object.
struct blocks_answer {
  outcome result;
  std::vector<uint64_t> sums;
};

// GET /delta: what a holder of object `from` needs to build object `to`.
struct delta_answer {
  outcome result;
  uint64_t size = 0;              // of `to`
  std::vector<uint64_t> literal;  // the blocks of `to` that differ from `from`
  std::string bytes;              // their bytes, in order
};

// POST /objects: per asked sha256 its size when sent (nullopt: unknown, or
// over the answer's cap), and the bytes of those sent, in order.
struct objects_answer {
  std::vector<std::optional<uint64_t>> sizes;
  std::string content;
};

// POST /batch after the edge checked the manifest: `changes` in order;
// where `carries_bytes[i]`, change i is an upload whose bytes are the next
// entry.size bytes of `body` (from `offset` on, in order).
struct batch_upload {
  std::shared_ptr<const std::string> body;
  size_t offset = 0;
  std::vector<incoming_change> changes;
  std::vector<bool> carries_bytes;
};

// A delta upload as received: the new version of `size` bytes is the base
// object with the `literal` blocks replaced by `bytes` (in order).
struct delta_upload {
  std::string base_sha256;
  uint64_t size = 0;
  uint64_t block_size = 0;
  std::vector<uint64_t> literal;
  std::string bytes;
};

// The rebuilt version in a temp file of the hub (not yet an object), its
// SHA-256, and how many of its bytes came from the base; or why not
// (not_found: no such base; invalid: the bytes do not fit the blocks).
struct rebuilt_delta {
  outcome result;
  std::string temp_file;
  std::string sha256;
  uint64_t reused_bytes = 0;
};

// The batch with every upload in its own temp file, hashed
// (content_sha256, content_size set); or why not (no temp file left).
struct prepared_batch {
  outcome result;
  std::vector<incoming_change> changes;
};

using object_io_actor = caf::typed_actor<
    // sha256 and size of the object (from a file-store lookup)
    caf::replies_to<blocks_atom, std::string, uint64_t>::with<blocks_answer>,
    // from, to
    caf::replies_to<delta_atom, std::string, std::string>::with<delta_answer>,
    caf::replies_to<objects_atom, std::vector<std::string>>::with<objects_answer>,
    caf::replies_to<prepare_atom, batch_upload>::with<prepared_batch>,
    caf::replies_to<rebuild_atom, delta_upload>::with<rebuilt_delta>,
    // A delta upload from `from` to `to` was recorded: its literal blocks.
    caf::reacts_to<remember_atom, std::string, std::string, std::vector<uint64_t>>,
    caf::replies_to<inspect_atom>::with<actor_state>>;

struct object_io_config {
  std::string data_dir;  // objects/ and tmp/ of the hub (storage/object_store.h's layout)
};

object_io_actor spawn_object_io(caf::actor_system& sys, const object_io_config& config);

}  // namespace syncer

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::blocks_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::delta_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::objects_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::batch_upload)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::prepared_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::delta_upload)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::rebuilt_delta)
