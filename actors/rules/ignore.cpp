#include "actors/rules/ignore.h"

#include <sys/stat.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

namespace syncer {
namespace {

enum class wm { match, no_match, abort_all, abort_to_starstar };

bool glob_special(unsigned char c) { return c == '*' || c == '?' || c == '[' || c == '\\'; }

bool in_posix_class(std::string_view cls, unsigned char c) {
  if (cls == "alnum") return std::isalnum(c);
  if (cls == "alpha") return std::isalpha(c);
  if (cls == "blank") return c == ' ' || c == '\t';
  if (cls == "cntrl") return std::iscntrl(c);
  if (cls == "digit") return std::isdigit(c);
  if (cls == "graph") return std::isgraph(c);
  if (cls == "lower") return std::islower(c);
  if (cls == "print") return std::isprint(c);
  if (cls == "punct") return std::ispunct(c);
  if (cls == "space") return std::isspace(c);
  if (cls == "upper") return std::isupper(c);
  if (cls == "xdigit") return std::isxdigit(c);
  return false;
}

// The same algorithm as git's wildmatch (so results agree exactly), on
// NUL-terminated strings. `start` is the beginning of the whole pattern.
wm match_here(const unsigned char* start, const unsigned char* p, const unsigned char* text, bool pathname) {
  for (; *p; ++text, ++p) {
    unsigned char t = *text;
    unsigned char pc = *p;
    if (t == 0 && pc != '*') return wm::abort_all;
    switch (pc) {
      case '\\':
        pc = *++p;  // the next character literally (NUL never equals t here)
        if (t != pc) return wm::no_match;
        continue;
      default:
        if (t != pc) return wm::no_match;
        continue;
      case '?':
        if (pathname && t == '/') return wm::no_match;
        continue;
      case '*': {
        bool match_slash;
        if (*++p == '*') {
          const unsigned char* before = p - 2;
          while (*++p == '*') {
          }
          bool left_boundary = before < start || *before == '/';
          bool right_boundary = *p == 0 || *p == '/' || (p[0] == '\\' && p[1] == '/');
          if (!pathname) {
            match_slash = true;
          } else if (left_boundary && right_boundary) {
            // "**/" may match no folder at all: try the rest right here.
            if (p[0] == '/' && match_here(start, p + 1, text, pathname) == wm::match) return wm::match;
            match_slash = true;
          } else {
            match_slash = false;
          }
        } else {
          match_slash = !pathname;
        }
        if (*p == 0) {
          // A trailing "**" matches everything; a trailing '*' stops at '/'.
          if (!match_slash && std::strchr(reinterpret_cast<const char*>(text), '/')) return wm::no_match;
          return wm::match;
        }
        if (!match_slash && *p == '/') {
          // One '*' before a '/' matches the rest of this folder name.
          const char* slash = std::strchr(reinterpret_cast<const char*>(text), '/');
          if (!slash) return wm::no_match;
          text = reinterpret_cast<const unsigned char*>(slash);
          break;  // the loop consumes the '/' of both
        }
        for (;;) {
          if (t == 0) break;
          if (!glob_special(*p)) {
            // Skip ahead to the next occurrence of the literal after '*'.
            unsigned char literal = *p;
            while ((t = *text) != 0 && (match_slash || t != '/')) {
              if (t == literal) break;
              ++text;
            }
            if (t != literal) return wm::no_match;
          }
          wm r = match_here(start, p, text, pathname);
          if (r != wm::no_match) {
            if (!match_slash || r != wm::abort_to_starstar) return r;
          } else if (!match_slash && t == '/') {
            return wm::abort_to_starstar;
          }
          t = *++text;
        }
        return wm::abort_all;
      }
      case '[': {
        pc = *++p;
        if (pc == '^') pc = '!';
        bool negated = pc == '!';
        if (negated) pc = *++p;
        unsigned char prev = 0;
        bool matched = false;
        do {
          if (!pc) return wm::abort_all;
          if (pc == '\\') {
            pc = *++p;
            if (!pc) return wm::abort_all;
            if (t == pc) matched = true;
          } else if (pc == '-' && prev && p[1] && p[1] != ']') {
            pc = *++p;
            if (pc == '\\') {
              pc = *++p;
              if (!pc) return wm::abort_all;
            }
            if (t <= pc && t >= prev) matched = true;
            pc = 0;  // so that prev becomes 0: "a-c-e" is not a second range
          } else if (pc == '[' && p[1] == ':') {
            const unsigned char* name = p += 2;
            while ((pc = *p) && pc != ']') ++p;
            if (!pc) return wm::abort_all;
            long len = p - name - 1;
            if (len < 0 || p[-1] != ':') {
              // No ":]": a plain '[' in the set.
              p = name - 2;
              pc = '[';
              if (t == pc) matched = true;
              continue;
            }
            std::string_view cls(reinterpret_cast<const char*>(name), static_cast<size_t>(len));
            static const char* known[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                          "lower", "print", "punct", "space", "upper", "xdigit"};
            bool valid = false;
            for (auto k : known) valid = valid || cls == k;
            if (!valid) return wm::abort_all;
            if (in_posix_class(cls, t)) matched = true;
            pc = 0;
          } else if (t == pc) {
            matched = true;
          }
        } while (prev = pc, (pc = *++p) != ']');
        if (matched == negated || (pathname && t == '/')) return wm::no_match;
        continue;
      }
    }
  }
  return *text ? wm::no_match : wm::match;
}

void trim_trailing_spaces(std::string& line) {
  size_t last_space = std::string::npos;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ' ') {
      if (last_space == std::string::npos) last_space = i;
    } else if (line[i] == '\\') {
      ++i;
      if (i >= line.size()) return;
      last_space = std::string::npos;
    } else {
      last_space = std::string::npos;
    }
  }
  if (last_space != std::string::npos) line.resize(last_space);
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

int64_t mtime_of(const std::string& file, bool* exists) {
  struct stat st {};
  *exists = ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  return *exists ? static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec : -1;
}

const ignore_pattern& builtin_internal() {
  static const ignore_pattern p = [] {
    ignore_pattern b;
    b.text = "/.syncer/";
    b.glob = "/.syncer";
    b.source = "<built-in>";
    b.dir_only = true;
    b.anchored = true;
    return b;
  }();
  return p;
}

}  // namespace

bool wildmatch(std::string_view pattern, std::string_view text, bool pathname) {
  std::string p(pattern), t(text);  // NUL-terminated copies
  auto* ps = reinterpret_cast<const unsigned char*>(p.c_str());
  return match_here(ps, ps, reinterpret_cast<const unsigned char*>(t.c_str()), pathname) == wm::match;
}

std::vector<ignore_pattern> parse_ignore_file(std::string_view text, const std::string& base,
                                              const std::string& source) {
  std::vector<ignore_pattern> out;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    bool has_newline = nl != std::string_view::npos;
    std::string line(text.substr(pos, has_newline ? nl - pos : std::string_view::npos));
    pos = has_newline ? nl + 1 : text.size();
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    trim_trailing_spaces(line);
    ignore_pattern p;
    p.text = line;
    p.base = base;
    p.source = source;
    p.line = line_no;
    std::string glob = line;
    if (!glob.empty() && glob[0] == '!') {
      p.negated = true;
      glob.erase(0, 1);
    }
    if (!glob.empty() && glob.back() == '/') {
      p.dir_only = true;
      glob.pop_back();
    }
    p.anchored = glob.find('/') != std::string::npos;
    p.glob = glob;
    if (p.glob.empty() && !p.anchored) continue;  // a blank line matches nothing
    out.push_back(std::move(p));
  }
  return out;
}

bool pattern_matches(const ignore_pattern& p, const std::string& path, bool is_dir) {
  if (p.dir_only && !is_dir) return false;
  std::string_view rel = path;
  if (!p.base.empty()) {
    if (path.size() <= p.base.size() || path.compare(0, p.base.size(), p.base) != 0 || path[p.base.size()] != '/')
      return false;
    rel = std::string_view(path).substr(p.base.size() + 1);
  }
  if (!p.anchored) {
    auto slash = rel.rfind('/');
    auto name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
    return wildmatch(p.glob, name, false);
  }
  std::string_view glob = p.glob;
  if (!glob.empty() && glob[0] == '/') glob.remove_prefix(1);
  return wildmatch(glob, rel, true);
}

ignore_matcher::ignore_matcher(std::string root, const std::vector<std::string>& config_patterns,
                               std::string config_source)
    : root_(std::move(root)) {
  std::string text;
  for (const auto& line : config_patterns) text += line + "\n";
  config_ = parse_ignore_file(text, "", config_source);
}

void ignore_matcher::invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  files_.clear();
}

const ignore_matcher::file_rules& ignore_matcher::rules_for_dir(const std::string& dir) {
  auto it = files_.find(dir);
  if (it != files_.end()) return it->second;
  file_rules rules;
  std::string source = dir.empty() ? ".syncignore" : dir + "/.syncignore";
  std::string file = root_ + "/" + source;
  rules.mtime_ns = mtime_of(file, &rules.exists);
  if (rules.exists) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    rules.patterns = parse_ignore_file(buf.str(), dir, source);
  }
  return files_.emplace(dir, std::move(rules)).first->second;
}

ignore_match ignore_matcher::match_one(const std::string& path, bool is_dir) {
  // Deepest .syncignore first, each read last line first, then the config
  // patterns: the first pattern that matches decides (git's precedence).
  std::string dir = parent_of(path);
  for (;;) {
    const auto& rules = rules_for_dir(dir);
    for (auto it = rules.patterns.rbegin(); it != rules.patterns.rend(); ++it)
      if (pattern_matches(*it, path, is_dir)) return {&*it, !it->negated};
    if (dir.empty()) break;
    dir = parent_of(dir);
  }
  for (auto it = config_.rbegin(); it != config_.rend(); ++it)
    if (pattern_matches(*it, path, is_dir)) return {&*it, !it->negated};
  return {};
}

ignore_match ignore_matcher::match(const std::string& rel_path, bool is_dir) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (rel_path == ".syncer" || rel_path.compare(0, 8, ".syncer/") == 0) return {&builtin_internal(), true};
  // A folder that is excluded hides everything below it for good.
  for (size_t slash = rel_path.find('/'); slash != std::string::npos; slash = rel_path.find('/', slash + 1)) {
    auto m = match_one(rel_path.substr(0, slash), true);
    if (m.ignored) return m;
  }
  return match_one(rel_path, is_dir);
}

bool ignore_matcher::is_ignored(const std::string& rel_path, bool is_dir) { return match(rel_path, is_dir).ignored; }

}  // namespace syncer
