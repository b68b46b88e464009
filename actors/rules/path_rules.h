// Path rules shared by the edge and the client: what a synced path may be.
// Every path that crosses the network is checked here before anything is
// read or written, so nothing can escape the sync root or the data dir.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace syncer {

// The length in bytes of the valid UTF-8 character (RFC 3629: no overlong
// forms, surrogates or code points past U+10FFFF) that starts at `at`,
// or 0 when the bytes there are not one.
size_t utf8_char_length(std::string_view text, size_t at);

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

// Why a path the hub sent cannot be used as it is (nullopt: it can): it
// must already be in normal form and outside ".syncer/".
std::optional<std::string> hub_path_error(std::string_view path);

// How many folders deep a normalized path is ("a/b/c" -> 2): deletions go
// deepest first, so a folder is empty when its own turn comes.
size_t path_depth(std::string_view normalized_path);

// True for a sha256 as the wire and the object store spell it: 64
// lowercase hex digits. Temp and object file names are made only from
// such strings.
bool is_sha256_hex(std::string_view text);

// Checks a client name as the hub records it: it ends up inside file
// names (conflict copies), so it follows the rules of one path component:
// 1 to max_client_name_bytes bytes of valid UTF-8, no '/', backslash,
// NUL or control character, not "." or "..". nullopt = fine; else the
// reason, one sentence.
constexpr size_t max_client_name_bytes = 128;
std::optional<std::string> client_name_error(std::string_view name);

// "dir/name.ext" -> "dir/name.sync-conflict-YYYYMMDD-HHMMSS-client.ext".
// `timestamp` is "YYYYMMDD-HHMMSS". Dotfiles (".bashrc") and names without
// a dot get the suffix at the end. The result is always one valid sync
// path: a '/', backslash or control character in `client_name` becomes
// '_', and the new file name stays within 255 bytes (the client name is
// shortened first, then the name before the extension; the stamp is
// kept whole), cut only between UTF-8 characters.
std::string conflict_copy_path(std::string_view path, std::string_view timestamp,
                               std::string_view client_name);

// True when the file name carries a ".sync-conflict-" marker.
bool is_conflict_copy(std::string_view path);

}  // namespace syncer
