#include "actors/rules/ignore.h"


#include <algorithm>
#include <cstring>

namespace syncer {

// ---------------------------------------------------------------------------
// wildmatch
//
// Same decisions as git's wildmatch.c (the reference for gitignore), written
// over bounded strings so nothing is copied: the end of the pattern or text
// reads as '\0', which never occurs inside either.
namespace {

enum class wm : std::uint8_t { match, no_match, abort_all, abort_to_starstar };

bool is_glob_special(unsigned char c) { return c == '*' || c == '?' || c == '[' || c == '\\'; }

// git classifies bytes with its own ASCII-only tables; bytes >= 0x80 are in
// no class.
bool in_class(std::string_view name, unsigned char c, bool* known) {
  *known = true;
  bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
  bool print = c >= 0x20 && c <= 0x7e;
  if (name == "alnum") return upper || lower || digit;
  if (name == "alpha") return upper || lower;
  if (name == "blank") return c == ' ' || c == '\t';
  if (name == "cntrl") return c < 0x20 || c == 0x7f;
  if (name == "digit") return digit;
  if (name == "graph") return print && c != ' ';
  if (name == "lower") return lower;
  if (name == "print") return print;
  if (name == "punct") return print && c != ' ' && !upper && !lower && !digit;
  if (name == "space") return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  if (name == "upper") return upper;
  if (name == "xdigit") return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  *known = false;
  return false;
}

class glob_run {
 public:
  glob_run(std::string_view pattern, std::string_view text, bool pathname)
      : pend_(reinterpret_cast<const unsigned char*>(pattern.data()) + pattern.size()),
        tend_(reinterpret_cast<const unsigned char*>(text.data()) + text.size()),
        pathname_(pathname) {}

  wm run(const unsigned char* p, const unsigned char* t) const;

 private:
  unsigned char pat(const unsigned char* p) const { return p < pend_ ? *p : 0; }
  unsigned char txt(const unsigned char* t) const { return t < tend_ ? *t : 0; }
  const unsigned char* find_slash(const unsigned char* t) const {
    auto* s = static_cast<const unsigned char*>(std::memchr(t, '/', static_cast<std::size_t>(tend_ - t)));
    return s;
  }
  wm bracket(const unsigned char*& p, unsigned char t) const;

  const unsigned char* pend_;
  const unsigned char* tend_;
  bool pathname_;
};

// `p` points just after '['; on return it points at the closing ']'.
wm glob_run::bracket(const unsigned char*& p, unsigned char t) const {
  unsigned char c = pat(p);
  if (c == '^') c = '!';
  bool negated = c == '!';
  if (negated) c = pat(++p);
  unsigned char prev = 0;
  bool matched = false;
  // The first member is taken literally even when it is ']'.
  for (;;) {
    if (!c) return wm::abort_all;
    if (c == '\\') {
      c = pat(++p);
      if (!c) return wm::abort_all;
      if (t == c) matched = true;
    } else if (c == '-' && prev && pat(p + 1) && pat(p + 1) != ']') {
      c = pat(++p);
      if (c == '\\') {
        c = pat(++p);
        if (!c) return wm::abort_all;
      }
      if (t <= c && t >= prev) matched = true;
      c = 0;  // a range end cannot start another range ("a-c-e")
    } else if (c == '[' && pat(p + 1) == ':') {
      const unsigned char* name = p + 2;
      const unsigned char* q = name;
      while (pat(q) && pat(q) != ']') ++q;
      if (!pat(q)) return wm::abort_all;
      if (q - name - 1 < 0 || q[-1] != ':') {
        // No ":]" before the next ']': the '[' is an ordinary member.
        c = '[';
        if (t == c) matched = true;
        // p stays at this '['; the scan continues after it.
      } else {
        p = q;
        bool known = false;
        std::string_view cls(reinterpret_cast<const char*>(name), static_cast<std::size_t>(q - name - 1));
        if (in_class(cls, t, &known)) matched = true;
        if (!known) return wm::abort_all;
        c = 0;
      }
    } else if (t == c) {
      matched = true;
    }
    prev = c;
    c = pat(++p);
    if (c == ']') break;
  }
  if (matched == negated || (pathname_ && t == '/')) return wm::no_match;
  return wm::match;
}

wm glob_run::run(const unsigned char* p, const unsigned char* t) const {
  const unsigned char* const start = p;  // "**" is special right at the start of this (sub)pattern
  for (unsigned char pc; (pc = pat(p)) != 0; ++p, ++t) {
    unsigned char tc = txt(t);
    if (tc == 0 && pc != '*') return wm::abort_all;
    switch (pc) {
      case '\\':
        // The next character literally; a trailing '\' matches nothing.
        if (tc != pat(++p)) return wm::no_match;
        continue;
      default:
        if (tc != pc) return wm::no_match;
        continue;
      case '?':
        if (pathname_ && tc == '/') return wm::no_match;
        continue;
      case '[': {
        ++p;
        wm r = bracket(p, tc);
        if (r != wm::match) return r;
        continue;
      }
      case '*':
        break;
    }

    // '*' or a run of them.
    bool match_slash;
    if (pat(++p) == '*') {
      const unsigned char* before = p - 2;
      while (pat(++p) == '*') {
      }
      if (!pathname_) {
        match_slash = true;
      } else if ((before < start || *before == '/') &&
                 (pat(p) == 0 || pat(p) == '/' || (pat(p) == '\\' && pat(p + 1) == '/'))) {
        // "**/" may also stand for no folder at all.
        if (pat(p) == '/' && run(p + 1, t) == wm::match) return wm::match;
        match_slash = true;
      } else {
        match_slash = false;  // "**" inside a name is a plain '*'
      }
    } else {
      match_slash = !pathname_;
    }
    if (pat(p) == 0) {
      // A trailing "**" matches everything, a trailing '*' the rest of a name.
      if (!match_slash && find_slash(t)) return wm::no_match;
      return wm::match;
    }
    if (!match_slash && pat(p) == '/') {
      // '*' then '/': the '*' takes the rest of this name.
      const unsigned char* slash = find_slash(t);
      if (!slash) return wm::no_match;
      t = slash;
      continue;  // the loop steps over both slashes
    }
    for (;;) {
      if (tc == 0) break;
      if (!is_glob_special(pat(p))) {
        // Skip to the next occurrence of the literal that follows the '*'.
        unsigned char want = pat(p);
        while ((tc = txt(t)) != 0 && (match_slash || tc != '/')) {
          if (tc == want) break;
          ++t;
        }
        if (tc != want) return wm::no_match;
      }
      wm r = run(p, t);
      if (r != wm::no_match) {
        if (!match_slash || r != wm::abort_to_starstar) return r;
      } else if (!match_slash && tc == '/') {
        return wm::abort_to_starstar;
      }
      tc = txt(++t);
    }
    return wm::abort_all;
  }
  return t < tend_ ? wm::no_match : wm::match;
}

}  // namespace

bool wildmatch(std::string_view pattern, std::string_view text, bool pathname) {
  glob_run g(pattern, text, pathname);
  return g.run(reinterpret_cast<const unsigned char*>(pattern.data()),
               reinterpret_cast<const unsigned char*>(text.data())) == wm::match;
}

// ---------------------------------------------------------------------------
// Patterns

bool ignore_pattern::matches(std::string_view path, std::string_view basename, bool is_dir) const {
  if (dir_only_ && !is_dir) return false;
  if (basename_only_) {
    switch (form_) {
      case form::exact:
        return basename == body_;
      case form::suffix: {
        // "*literal": compare the end of the name.
        std::size_t n = body_.size() - 1;
        if (n == 0) return true;
        return basename.size() >= n && basename.back() == body_.back() &&
               basename.compare(basename.size() - n, n, body_, 1, n) == 0;
      }
      case form::glob:
        // The literal runs before the first and after the last wildcard
        // must start and end the name.
        if ((literal_len_ && (basename.empty() || basename[0] != body_[0])) ||
            basename.compare(0, literal_len_, body_, 0, literal_len_) != 0 || !ends_with_tail(basename))
          return false;
        return wildmatch(body_, basename, false);
    }
  }
  // Anchored: matched against the path below the file's folder.
  std::string_view name = path;
  if (base_.empty()) {
    if (path.empty()) return false;
  } else {
    if (path.size() < base_.size() || path.compare(0, base_.size(), base_) != 0) return false;
    name.remove_prefix(base_.size());
  }
  std::string_view glob = body_;
  if (literal_len_) {
    if (literal_len_ > name.size() || name[0] != glob[0] ||
        name.compare(0, literal_len_, glob.substr(0, literal_len_)) != 0)
      return false;
    glob.remove_prefix(literal_len_);
    name.remove_prefix(literal_len_);
    if (glob.empty() && name.empty()) return true;
  }
  if (!ends_with_tail(name)) return false;
  // As in git, only the part after the literal prefix goes to wildmatch, so
  // a "**" right after that prefix ("a/foo**/b") counts as a folder wildcard.
  return wildmatch(glob, name, true);
}

namespace {

// The trailing run of plain characters: any match ends with it. ']' stops
// it, so a bracket expression is never mistaken for literals, and so does
// '/', which "**/" may skip ("**/e" matches "e").
std::size_t tail_run(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[s.size() - 1 - n]);
    if (is_glob_special(c) || c == ']' || c == '/') break;
    ++n;
  }
  return n;
}

std::size_t literal_run(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && !is_glob_special(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

// Trailing spaces go unless escaped with '\' (git's trim_trailing_spaces).
void trim_trailing_spaces(std::string& line) {
  std::size_t cut = std::string::npos;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ' ') {
      if (cut == std::string::npos) cut = i;
      continue;
    }
    if (line[i] == '\\' && ++i >= line.size()) return;  // a final lone '\' keeps everything
    cut = std::string::npos;
  }
  if (cut != std::string::npos) line.resize(cut);
}

}  // namespace

ignore_rules ignore_rules::compile(std::string_view text, std::string_view base_dir, std::string source_name) {
  static constexpr std::string_view bom = "\xEF\xBB\xBF";
  if (text.substr(0, bom.size()) == bom) text.remove_prefix(bom.size());

  auto source = std::make_shared<const std::string>(std::move(source_name));
  std::string base = base_dir.empty() ? std::string() : std::string(base_dir) + "/";
  ignore_rules rules;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string line(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    // An empty line or one starting with '#' is skipped; a line that is
    // empty only after removing "\r" or spaces still counts (git keeps it
    // as an empty pattern, which matches the empty name after a '/').
    if (line.empty() || line[0] == '#') continue;
    if (line.back() == '\r') line.pop_back();
    if (auto nul = line.find('\0'); nul != std::string::npos) line.resize(nul);  // git reads C strings
    trim_trailing_spaces(line);

    ignore_pattern p;
    p.text_ = line;
    p.source_ = source;
    p.line_ = line_no;
    p.base_ = base;
    std::string_view body = line;
    if (!body.empty() && body[0] == '!') {
      p.negated_ = true;
      body.remove_prefix(1);
    }
    // git measures the literal run (and the "*literal" form) before it
    // drops the trailing '/'.
    std::size_t literal = literal_run(body);
    bool star_then_literal = !body.empty() && body[0] == '*' && literal_run(body.substr(1)) == body.size() - 1;
    if (!body.empty() && body.back() == '/') {
      p.dir_only_ = true;
      body.remove_suffix(1);
    }
    literal = std::min(literal, body.size());
    p.basename_only_ = body.find('/') == std::string_view::npos;
    if (p.basename_only_) {
      p.form_ = literal == body.size() ? ignore_pattern::form::exact
                : star_then_literal    ? ignore_pattern::form::suffix
                                       : ignore_pattern::form::glob;
      p.body_ = std::string(body);
      p.literal_len_ = literal;
      p.tail_len_ = tail_run(p.body_);
    } else {
      if (body[0] == '/') {
        body.remove_prefix(1);
        --literal;
      }
      p.body_ = std::string(body);
      p.literal_len_ = literal;
      p.tail_len_ = tail_run(p.body_);
    }
    rules.patterns_.push_back(std::move(p));
  }
  return rules;
}

ignore_rules ignore_rules::compile(const std::vector<std::string>& lines, std::string_view base_dir,
                                   std::string source_name) {
  std::string text;
  for (const auto& line : lines) {
    text += line;
    text += '\n';
  }
  return compile(text, base_dir, std::move(source_name));
}

const ignore_pattern* ignore_rules::last_match(std::string_view path, std::string_view basename, bool is_dir) const {
  for (auto it = patterns_.rbegin(); it != patterns_.rend(); ++it)
    if (it->matches(path, basename, is_dir)) return &*it;
  return nullptr;
}

// ---------------------------------------------------------------------------
// Matcher

namespace {

constexpr std::string_view internal_dir = ".syncer";
constexpr std::size_t max_cached_folders = 200000;  // bounds memory on huge trees

std::string_view parent_of(std::string_view dir) {
  auto slash = dir.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : dir.substr(0, slash);
}

// `.syncer/` holds the client's own state: ignored before any pattern is
// consulted, so no negation can re-include it.
bool is_internal(std::string_view rel_path) {
  return rel_path.substr(0, internal_dir.size()) == internal_dir &&
         (rel_path.size() == internal_dir.size() || rel_path[internal_dir.size()] == '/');
}

ignore_match builtin_match() {
  ignore_match m;
  m.matched = m.ignored = true;
  m.source = "<built-in>";
  m.line = 0;
  m.pattern = "/.syncer/";
  return m;
}

ignore_match to_match(const ignore_pattern* p) {
  ignore_match m;
  if (!p) return m;
  m.matched = true;
  m.ignored = !p->negated();
  m.source = p->source();
  m.line = p->line();
  m.pattern = p->text();
  m.negated = p->negated();
  return m;
}

}  // namespace

struct ignore_matcher::folder {
  std::string path;                      // "" for the root, else "a/b"
  const folder* parent = nullptr;
  const ignore_pattern* excluded_by = nullptr;  // this folder or an ancestor is excluded by it
  bool rules_read = false;               // false when excluded: git never reads those
  std::string stamp;                     // its .syncignore's stamp ("" = none)
  ignore_rules rules;                    // its .syncignore (empty when absent)
};

ignore_matcher::ignore_matcher(std::shared_ptr<ignore_file_reader> files, const std::vector<std::string>& config_patterns,
                               std::string config_source)
    : files_(std::move(files)), config_(ignore_rules::compile(config_patterns, "", std::move(config_source))) {}

ignore_matcher::~ignore_matcher() = default;

ignore_matcher::folder& ignore_matcher::folder_for(std::string_view dir) {
  if (auto it = folders_.find(dir); it != folders_.end()) return *it->second;

  // Parents first: git decides top-down whether each folder is excluded,
  // with the .syncignore files of the folders above it.
  const folder* parent = dir.empty() ? nullptr : &folder_for(parent_of(dir));
  auto f = std::make_unique<folder>();
  f->path = std::string(dir);
  f->parent = parent;
  if (parent && parent->excluded_by) {
    f->excluded_by = parent->excluded_by;
  } else if (parent) {
    std::string_view path = f->path;
    std::string_view name = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
    const ignore_pattern* p = last_match_from(*parent, path, name, true);
    if (p && !p->negated()) f->excluded_by = p;
  }
  if (!f->excluded_by) {
    std::string source = f->path.empty() ? ".syncignore" : f->path + "/.syncignore";
    f->stamp = files_ ? files_->stamp(source) : std::string();
    std::string text;
    if (!f->stamp.empty() && files_->read(source, &text)) f->rules = ignore_rules::compile(text, f->path, source);
    f->rules_read = true;
  }
  std::string_view key = f->path;
  return *folders_.emplace(key, std::move(f)).first->second;
}

const ignore_pattern* ignore_matcher::last_match_from(const folder& deepest, std::string_view path,
                                                      std::string_view basename, bool is_dir) const {
  for (const folder* f = &deepest; f; f = f->parent)
    if (const ignore_pattern* p = f->rules.last_match(path, basename, is_dir)) return p;
  return config_.last_match(path, basename, is_dir);
}

ignore_match ignore_matcher::match_locked(std::string_view rel_path, bool is_dir) {
  if (is_internal(rel_path)) return builtin_match();
  if (folders_.size() > max_cached_folders) folders_.clear();

  auto slash = rel_path.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? std::string_view() : rel_path.substr(0, slash);
  std::string_view basename = slash == std::string_view::npos ? rel_path : rel_path.substr(slash + 1);
  const folder& f = folder_for(dir);
  if (f.excluded_by) return to_match(f.excluded_by);
  return to_match(last_match_from(f, rel_path, basename, is_dir));
}

ignore_match ignore_matcher::match(std::string_view rel_path, bool is_dir) {
  std::lock_guard<std::mutex> lock(mutex_);
  return match_locked(rel_path, is_dir);
}

bool ignore_matcher::is_ignored(std::string_view rel_path, bool is_dir) {
  if (rel_path.empty()) return false;
  if (is_internal(rel_path)) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  if (folders_.size() > max_cached_folders) folders_.clear();
  auto slash = rel_path.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? std::string_view() : rel_path.substr(0, slash);
  std::string_view basename = slash == std::string_view::npos ? rel_path : rel_path.substr(slash + 1);
  const folder& f = folder_for(dir);
  if (f.excluded_by) return true;
  const ignore_pattern* p = last_match_from(f, rel_path, basename, is_dir);
  return p && !p->negated();
}

void ignore_matcher::drop_below(std::string_view dir) {
  // A folder's patterns are only referenced by folders below it, so
  // dropping a whole subtree leaves no dangling pointer.
  for (auto it = folders_.begin(); it != folders_.end();) {
    std::string_view key = it->first;
    bool below = dir.empty() || (key.size() >= dir.size() && key.compare(0, dir.size(), dir) == 0 &&
                                 (key.size() == dir.size() || key[dir.size()] == '/'));
    it = below ? folders_.erase(it) : std::next(it);
  }
}

bool ignore_matcher::note_change(std::string_view rel_path, bool is_dir) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto slash = rel_path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? rel_path : rel_path.substr(slash + 1);
  if (name == ".syncignore") {
    drop_below(slash == std::string_view::npos ? std::string_view() : rel_path.substr(0, slash));
    return true;
  }
  if (is_dir) drop_below(rel_path);
  return false;
}

bool ignore_matcher::refresh() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, f] : folders_) {
    if (!f->rules_read) continue;
    std::string file = f->path.empty() ? ".syncignore" : f->path + "/.syncignore";
    if ((files_ ? files_->stamp(file) : std::string()) != f->stamp) {
      folders_.clear();
      return true;
    }
  }
  return false;
}

void ignore_matcher::invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  folders_.clear();
}

}  // namespace syncer
