// Helpers shared by the fuzz targets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace syncer::fuzz {

// The input as text.
inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A scratch folder for targets whose code reads files, in /dev/shm when
// there is one; removed when the process exits normally.
inline const std::string& scratch_dir(const char* name) {
  static const std::string* dir = [name] {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
    auto d = base / (std::string("syncer-fuzz-") + name + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d, ec);
    return new std::string(d.string());  // never destroyed: the exit handler reads it
  }();
  static const bool cleanup_registered = [] {
    return std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(*dir, ec);
    }) == 0;
  }();
  (void)cleanup_registered;
  return *dir;
}

// Inputs with several fields separate them with NUL bytes (the seed corpora
// are written that way); missing fields are empty.
inline std::vector<std::string_view> split_fields(std::string_view text, size_t at_least = 0) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    auto nul = text.find('\0', start);
    if (nul == std::string_view::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nul - start));
    start = nul + 1;
  }
  while (out.size() < at_least) out.emplace_back();
  return out;
}

// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
inline bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
    if (extra == 9 || s.size() - i <= extra) return false;
    uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (size_t k = 1; k <= extra; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// A property the code must keep: a violation is a finding, reported as a
// crash so libFuzzer saves the input.
[[noreturn]] inline void property_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
  std::abort();
}

}  // namespace syncer::fuzz

#define FUZZ_CHECK(cond) \
  do {                   \
    if (!(cond)) ::syncer::fuzz::property_failed(#cond, __FILE__, __LINE__); \
  } while (0)
