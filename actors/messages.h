// Atoms and message types shared by the actors of a node. Every custom
// type crossing an actor mailbox has an `inspect` overload here, so CAF can
// print and (if ever needed) serialise it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/rules/file_entry.h"
#include "actors/rules/outcome.h"
#include "actors/rules/sync_rules.h"
#include "actors/rules/hub_records.h"

namespace syncer {

// --- atoms (at most 10 characters; CAF's own atoms are not reused) ------
using inspect_atom = caf::atom_constant<caf::atom("inspect")>;
using hash_atom = caf::atom_constant<caf::atom("hash")>;
using upload_atom = caf::atom_constant<caf::atom("upload")>;
using download_atom = caf::atom_constant<caf::atom("download")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using client_atom = caf::atom_constant<caf::atom("client")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using decide_atom = caf::atom_constant<caf::atom("decide")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using detach_atom = caf::atom_constant<caf::atom("detach")>;
using notify_atom = caf::atom_constant<caf::atom("notify")>;
using hub_event_atom = caf::atom_constant<caf::atom("hub_event")>;
using changed_atom = caf::atom_constant<caf::atom("changed")>;
using rescan_atom = caf::atom_constant<caf::atom("rescan")>;
using online_atom = caf::atom_constant<caf::atom("online")>;
using offline_atom = caf::atom_constant<caf::atom("offline")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using flush_now_atom = caf::atom_constant<caf::atom("flush_now")>;
using conflicts_atom = caf::atom_constant<caf::atom("conflicts")>;
using prefetch_atom = caf::atom_constant<caf::atom("prefetch")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;

// --- inspection ---------------------------------------------------------
// What every actor answers to `inspect_atom`: its name, numeric counters
// (queue lengths, in-flight work, totals) and text facts (state, last
// error). `syncer inspect` and GET /inspect print these by name.
struct actor_state {
  std::string name;
  std::map<std::string, int64_t> counters;
  std::map<std::string, std::string> info;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_state& x) {
  return f(caf::meta::type_name("actor_state"), x.name, x.counters, x.info);
}

// --- plain data carried in messages --------------------------------------
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_vector& x) {
  auto counters = x.counters();
  return f(caf::meta::type_name("version_vector"), counters);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, file_entry& x) {
  return f(caf::meta::type_name("file_entry"), x.path, x.sha256, x.size, x.mtime_ns, x.version,
           x.deleted, x.is_dir, x.origin, x.sequence);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sync_plan& x) {
  return f(caf::meta::type_name("sync_plan"), x.upload, x.download, x.remove, x.conflicts, x.hub_id, x.sequence,
           x.incremental);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, client_record& x) {
  return f(caf::meta::type_name("client_record"), x.id, x.name, x.created_ns, x.last_seen_ns);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conflict_record& x) {
  return f(caf::meta::type_name("conflict_record"), x.id, x.path, x.copy_path, x.winner_origin,
           x.loser_origin, x.detected_ns, x.open);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, change_resolution& x) {
  auto kind = std::string(to_string(x.kind));
  return f(caf::meta::type_name("change_resolution"), kind, x.result, x.incoming_lost);
}

// A change arriving at the hub: an upload (content in `temp_file`, not yet
// hashed), a link to content the hub already has (`entry.sha256` set,
// `temp_file` empty), a folder creation or a deletion. `version_given` is
// false when the sender gave no X-Version: the hub then treats the change
// as the next edit after its current version (curl uploads).
struct incoming_change {
  file_entry entry;
  std::string temp_file;
  bool version_given = false;
  // X-Sha256 of an upload: what the sender hashed. Bytes that hash to
  // something else were changed while being sent and are refused
  // (changed_while_reading).
  std::string expected_sha256;
  // Set when the bytes were hashed on their way in (by the edge while an
  // upload streamed, by object-io for batch files and delta rebuilds):
  // file-store then does not read the temp file again.
  std::string content_sha256;
  uint64_t content_size = 0;
  // Delta uploads: bytes of the new version copied from the base object
  // on the hub instead of sent (counted apart from bytes received).
  uint64_t reused_bytes = 0;
  // Set by the edge when the sender is an authenticated device (TLS): its
  // client id, the only counter its version vector may advance (§9).
  std::string bound_client;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, incoming_change& x) {
  return f(caf::meta::type_name("incoming_change"), x.entry, x.temp_file, x.version_given, x.expected_sha256,
           x.content_sha256, x.content_size, x.reused_bytes, x.bound_client);
}

// One question to the conflict-resolver: what the hub holds for a path
// now, and the change arriving for it.
struct decide_request {
  std::optional<file_entry> current;
  file_entry incoming;
};

// The hub's answer to one change: what the path holds now, how it got
// there, and the conflict copy when one was made.
struct change_result {
  std::string kind;  // to_string(change_kind)
  file_entry entry;
  std::optional<file_entry> conflict_copy;
  // ok, or why the change was not applied. `stale`: the hub keeps a newer
  // version, and `entry` is that version.
  outcome result;
};


// For GET /download: the current entry and where its bytes are.
struct file_lookup {
  bool found = false;
  file_entry entry;
  std::string object_file;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, file_lookup& x) {
  return f(caf::meta::type_name("file_lookup"), x.found, x.entry, x.object_file);
}

// A server -> client event ("file_changed" / "file_deleted", or
// "file_incoming": a large upload has started arriving; nothing recorded yet).
struct hub_event {
  std::string type;
  file_entry entry;  // entry.origin = the client that made the change
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hub_event& x) {
  return f(caf::meta::type_name("hub_event"), x.type, x.entry);
}

}  // namespace syncer

// Types holding std::optional (which CAF 0.17 cannot serialise) travel only
// between actors of one process; they never cross a CAF network boundary.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::optional<syncer::file_entry>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::optional<syncer::client_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::change_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<syncer::change_result>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<syncer::decide_request>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<syncer::change_resolution>)
