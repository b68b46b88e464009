// Path rules shared by the edge and the client: what a synced path may be.
// Every path that crosses the network is checked here before anything is
// read or written, so nothing can escape the sync root or the data dir.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace syncer {

// Decodes %XX escapes ('+' is kept literally). Returns nullopt for a
// malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

// Encodes everything but unreserved characters and '/'.
std::string percent_encode_path(std::string_view path);

// Checks a decoded relative path and returns its normal form
// ("a/b/c": no leading/trailing '/', no empty or "." components).
// Rejects: empty, absolute, "..", NUL, backslash, control characters,
// invalid UTF-8, over-long paths. `error` gets one sentence on rejection.
std::optional<std::string> normalize_sync_path(std::string_view path, std::string* error);

// True for paths inside the client's own state folder ".syncer/", which is
// never synced.
bool is_internal_path(std::string_view normalized_path);

// "dir/name.ext" -> "dir/name.sync-conflict-YYYYMMDD-HHMMSS-client.ext".
// `timestamp` is "YYYYMMDD-HHMMSS". Dotfiles (".bashrc") and names without
// a dot get the suffix at the end.
std::string conflict_copy_path(std::string_view path, std::string_view timestamp,
                               std::string_view client_name);

// True when the file name carries a ".sync-conflict-" marker.
bool is_conflict_copy(std::string_view path);

}  // namespace syncer
