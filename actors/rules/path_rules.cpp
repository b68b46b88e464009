#include "actors/rules/path_rules.h"

#include <algorithm>
#include <vector>

namespace syncer {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_char_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

constexpr size_t max_path_bytes = 4096;
constexpr size_t max_component_bytes = 255;

}  // namespace

size_t utf8_char_length(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  auto c = static_cast<unsigned char>(s[i]);
  size_t extra = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2) extra = 1;
  else if ((c & 0xF0) == 0xE0) extra = 2;
  else if ((c & 0xF8) == 0xF0 && c <= 0xF4) extra = 3;
  else return 0;
  if (i + extra >= s.size()) return 0;
  for (size_t k = 1; k <= extra; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  // No overlong forms, UTF-16 surrogates or code points past U+10FFFF
  // (RFC 3629): "\xE0\x80\xAE" must not pass for a '.'.
  auto next = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xE0 && next < 0xA0) || (c == 0xED && next > 0x9F) || (c == 0xF0 && next < 0x90) ||
      (c == 0xF4 && next > 0x8F))
    return 0;
  return extra + 1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = hex_value(text[i + 1]);
    int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string percent_encode_path(std::string_view path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (keep) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> normalize_sync_path(std::string_view path, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<std::string> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (path.empty()) return fail("path is empty");
  if (path.size() > max_path_bytes) return fail("path is too long");
  if (path.front() == '/') return fail("path must be relative, not absolute");
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    if (c == 0) return fail("path contains a NUL byte");
    if (c == '\\') return fail("path contains a backslash");
    if (c < 0x20 || c == 0x7F) return fail("path contains a control character");
  }
  if (!valid_utf8(path)) return fail("path is not valid UTF-8");

  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    auto part = path.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return fail("path contains a '..' component");
    if (part.size() > max_component_bytes) return fail("a path component is too long");
    if (!out.empty()) out += '/';
    out += part;
  }
  if (out.empty()) return fail("path names the sync root itself");
  // On the normal form, so "./C:/x" is refused as "C:/x" is.
  if (out.size() >= 2 && out[1] == ':') return fail("path must be relative, not a drive path");
  return out;
}

std::optional<std::string> hub_path_error(std::string_view path) {
  std::string why;
  auto normal = normalize_sync_path(path, &why);
  if (!normal) return why;
  if (*normal != path) return std::string("path is not in normal form");
  if (is_internal_path(path)) return std::string("path is inside .syncer/");
  return std::nullopt;
}

size_t path_depth(std::string_view p) { return static_cast<size_t>(std::count(p.begin(), p.end(), '/')); }

bool is_internal_path(std::string_view p) {
  return p == ".syncer" || p.substr(0, 8) == ".syncer/";
}

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<std::string> client_name_error(std::string_view name) {
  if (name.empty()) return std::string("a client name must not be empty");
  if (name.size() > max_client_name_bytes)
    return "a client name must be at most " + std::to_string(max_client_name_bytes) + " bytes";
  if (name == "." || name == "..") return std::string("a client name must not be '.' or '..'");
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '/' || c == '\\') return std::string("a client name must not contain '/' or a backslash");
    if (c < 0x20 || c == 0x7F) return std::string("a client name must not contain a NUL or control character");
  }
  if (!valid_utf8(name)) return std::string("a client name must be valid UTF-8");
  return std::nullopt;
}

namespace {

// The longest prefix of `text` of at most `max` bytes that ends between
// two UTF-8 characters.
std::string_view utf8_prefix(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

}  // namespace

std::string conflict_copy_path(std::string_view path, std::string_view timestamp,
                               std::string_view client_name) {
  auto slash = path.rfind('/');
  size_t name_start = slash == std::string_view::npos ? 0 : slash + 1;
  auto name = path.substr(name_start);
  auto dot = name.rfind('.');
  bool has_ext = dot != std::string_view::npos && dot != 0;
  std::string_view stem = has_ext ? name.substr(0, dot) : name;
  std::string_view ext = has_ext ? name.substr(dot) : std::string_view{};
  std::string who(client_name);
  for (auto& ch : who) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '/' || c == '\\' || c < 0x20 || c == 0x7F) ch = '_';
  }
  // A name that is not UTF-8 (one recorded before names were checked)
  // would make the copy's name invalid too: keep only its ASCII.
  if (!valid_utf8(who))
    for (auto& ch : who)
      if (static_cast<unsigned char>(ch) >= 0x80) ch = '_';
  if (who.empty() || who == "." || who == "..") who = "_";
  std::string fixed = ".sync-conflict-" + std::string(timestamp) + "-";
  // Budget of one component: stem + fixed + who + ext <= 255. The client
  // name gives way first (down to 8 bytes), then the stem, then the
  // extension (a pathological 200-byte "extension").
  size_t budget = max_component_bytes;
  auto over = [&] { return stem.size() + fixed.size() + who.size() + ext.size(); };
  if (over() > budget) {
    size_t rest = over() - who.size();
    who = std::string(utf8_prefix(who, std::max<size_t>(8, budget > rest ? budget - rest : 0)));
  }
  if (over() > budget && ext.size() > 16) ext = utf8_prefix(ext, 16);
  if (over() > budget) stem = utf8_prefix(stem, budget - (fixed.size() + who.size() + ext.size()));
  std::string out(path.substr(0, name_start));
  out += stem;
  out += fixed;
  out += who;
  out += ext;
  return out;
}

bool is_conflict_copy(std::string_view path) {
  auto slash = path.rfind('/');
  auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return name.find(".sync-conflict-") != std::string_view::npos;
}

}  // namespace syncer
