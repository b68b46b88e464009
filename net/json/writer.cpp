// JSON writing primitives: escaping, error bodies, version vectors and
// the fields of a file entry (see net/json/writer.h).
#include "net/json/writer.h"

#include <cstdio>

#include "actors/rules/path_rules.h"
#include "net/json/fields.h"

namespace syncer::json {

void append_quoted(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      // JSON is UTF-8: a byte that is not part of a valid character (a
      // file name that is not UTF-8, shown in a problem) is written as the
      // four characters \xHH, so the document stays valid.
      size_t n = utf8_char_length(text, i);
      if (n == 0) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\\\x%02x", c);
        out += buf;
      } else {
        out.append(text.data() + i, n);
        i += n - 1;
      }
      continue;
    }
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string quote(std::string_view text) {
  std::string out;
  append_quoted(out, text);
  return out;
}

std::string error_body(std::string_view message) { return "{\"error\":" + quote(message) + "}"; }

std::string version_json(const version_vector& v) {
  std::string out;
  detail::append_version_json(out, v);
  return out;
}

namespace detail {

void append_version_json(std::string& out, const version_vector& v) {
  out += '{';
  bool first = true;
  for (const auto& [id, counter] : v.counters()) {
    if (!first) out += ',';
    first = false;
    append_quoted(out, id);
    out += ':';
    out += std::to_string(counter);
  }
  out += '}';
}

void append_entry_fields(std::string& out, const file_entry& e, bool with_type) {
  // Appended piece by piece: a full /sync body holds every entry of the
  // folder, and temporaries per field cost more than the JSON itself.
  out += "\"path\":";
  append_quoted(out, e.path);
  out += ",\"sha256\":";
  append_quoted(out, e.sha256);
  out += ",\"size\":";
  out += std::to_string(e.size);
  out += ",\"mtime\":";
  out += std::to_string(e.mtime_ns);
  out += ",\"version\":";
  append_version_json(out, e.version);
  out += e.deleted ? ",\"deleted\":true" : ",\"deleted\":false";
  if (with_type)
    out += e.is_dir ? ",\"type\":\"dir\"" : ",\"type\":\"file\"";
  else
    out += e.is_dir ? ",\"is_dir\":true" : ",\"is_dir\":false";
  out += ",\"origin\":";
  append_quoted(out, e.origin);
  out += ",\"sequence\":";
  out += std::to_string(e.sequence);
}

}  // namespace detail

}  // namespace syncer::json
