// Path rules (actors/rules/path_rules.h): percent-decoding, sync-path
// normalisation, client names, sha256 spelling and conflict-copy names.
// Every path that crosses the network goes through them before anything is
// read or written.
//
// Input: NUL-separated fields
//   0: a URL path or query value, still percent-encoded (also tried as is)
//   1: a client name (optional; "laptop" when absent)
//
// Properties checked besides "no crash, no sanitizer report":
//   - percent_decode(percent_encode_path(x)) == x for every decoded x;
//   - a normalised path is in normal form and normalising it again is a
//     no-op; it never holds "..", "." or empty components, a leading or
//     trailing '/', NUL, '\\', control characters, or a drive prefix;
//   - conflict_copy_path of a normal path, whatever the client name, is a
//     normal path (its file name within 255 bytes) that is_conflict_copy
//     recognises, in the same folder;
//   - client_name_error accepts exactly 1-128 bytes of UTF-8 without '/',
//     '\\' or control characters, other than "." and "..";
//   - is_sha256_hex accepts exactly 64 lowercase hex digits.
#include <string>

#include "actors/rules/path_rules.h"
#include "tests/fuzz/fuzz_util.h"

using namespace syncer;

namespace {

void check_normal_form(const std::string& n) {
  FUZZ_CHECK(!n.empty());
  FUZZ_CHECK(n.size() <= 4096);
  FUZZ_CHECK(n.front() != '/' && n.back() != '/');
  FUZZ_CHECK(!(n.size() >= 2 && n[1] == ':'));
  FUZZ_CHECK(n.find("//") == std::string::npos);
  FUZZ_CHECK(fuzz::valid_utf8(n));
  for (char ch : n) {
    auto c = static_cast<unsigned char>(ch);
    FUZZ_CHECK(c >= 0x20 && c != 0x7F && c != '\\');
  }
  size_t start = 0;
  while (start <= n.size()) {
    auto slash = n.find('/', start);
    if (slash == std::string::npos) slash = n.size();
    auto part = std::string_view(n).substr(start, slash - start);
    FUZZ_CHECK(!part.empty() && part != "." && part != "..");
    FUZZ_CHECK(part.size() <= 255);
    start = slash + 1;
  }
  std::string error;
  auto again = normalize_sync_path(n, &error);
  FUZZ_CHECK(again && *again == n);
}

void check_conflict_copy(const std::string& normal, std::string_view client) {
  auto copy = conflict_copy_path(normal, "20240102-030405", client);
  FUZZ_CHECK(is_conflict_copy(copy));
  auto slash = normal.rfind('/');
  auto folder = slash == std::string::npos ? std::string() : normal.substr(0, slash + 1);
  FUZZ_CHECK(copy.compare(0, folder.size(), folder) == 0);
  auto name = std::string_view(copy).substr(folder.size());
  FUZZ_CHECK(!name.empty() && name.size() <= 255 && name.find('/') == std::string_view::npos);
  FUZZ_CHECK(name.find("20240102-030405") != std::string_view::npos);
  if (copy.size() <= 4096) check_normal_form(copy);
}

void check_path(std::string_view raw, std::string_view client) {
  std::string error;
  auto normal = normalize_sync_path(raw, &error);
  if (!normal) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  check_normal_form(*normal);
  (void)is_internal_path(*normal);
  check_conflict_copy(*normal, client);
}

void check_client_name(std::string_view name) {
  bool plain = true;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '/' || c == '\\' || c < 0x20 || c == 0x7F) plain = false;
  }
  bool expected = !name.empty() && name.size() <= max_client_name_bytes && name != "." && name != ".." && plain &&
                  fuzz::valid_utf8(name);
  auto error = client_name_error(name);
  FUZZ_CHECK(!error == expected);
  if (error) FUZZ_CHECK(!error->empty());
}

void check_sha(std::string_view text) {
  bool expected = text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  FUZZ_CHECK(is_sha256_hex(text) == expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fields = fuzz::split_fields(fuzz::as_text(data, size));
  auto text = fields[0];
  std::string_view client = fields.size() > 1 ? fields[1] : std::string_view("laptop");

  // As the edge sees it: encoded, then decoded and normalised.
  auto decoded = percent_decode(text);
  if (decoded) {
    FUZZ_CHECK(decoded->size() <= text.size());
    auto encoded = percent_encode_path(*decoded);
    auto back = percent_decode(encoded);
    FUZZ_CHECK(back && *back == *decoded);
    check_path(*decoded, client);
  }

  // As a client sees it: a path from its own folder or from a JSON body.
  check_path(text, client);
  (void)is_conflict_copy(text);
  (void)is_internal_path(text);
  check_client_name(client);
  check_client_name(text);
  check_sha(text);
  return 0;
}
