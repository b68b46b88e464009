// Ignore rules with the semantics of git's ignore files (BRIEF §3).
//
// Sources, highest precedence first (as git ranks them):
//   1. the built-in rule: `.syncer` at the root (and all below) is always
//      ignored; nothing can re-include it;
//   2. `.syncignore` files, the deepest folder's file first; within one file
//      the last matching line wins;
//   3. the config's `ignore_patterns`, as git's core.excludesFile: matched
//      relative to the root, consulted only when no .syncignore line matched.
// A path below an excluded folder is excluded whatever later lines say (git:
// "it is not possible to re-include a file if a parent directory of that file
// is excluded"), so every ancestor folder is checked first, top down.
//
// `git check-ignore --no-index` is the reference; the unit test compares the
// two on thousands of random trees. Patterns are compiled once into a small
// matcher (exact name, name suffix, literal prefix + glob); no regular
// expressions. Standard library only.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace syncer {

// git's wildmatch: shell glob with `*`, `?`, `[...]` (ranges, `!`/`^`
// negation, [:classes:]), `\` escapes. With `pathname` (WM_PATHNAME) `*`,
// `?` and `[...]` never match '/', and `**` matches across folders when it
// stands between slashes or at an end of the pattern.
bool wildmatch(std::string_view pattern, std::string_view text, bool pathname);

// One compiled line of an ignore file.
class ignore_pattern {
 public:
  // The line as `check-ignore -v` shows it ("!" and trailing "/" included,
  // trailing unescaped spaces and CR removed).
  const std::string& text() const { return text_; }
  const std::string& source() const { return *source_; }  // ".syncignore", "a/.syncignore", config name
  int line() const { return line_; }                      // 1-based line in its source
  bool negated() const { return negated_; }                // "!pattern": re-includes
  bool dir_only() const { return dir_only_; }              // "pattern/": folders only

  // Does the pattern match `path` (relative to the root, '/'-separated)?
  // `basename` is the part after the last '/' (a view into `path`, empty
  // when `path` ends with '/'); `is_dir` says whether `path` is a folder.
  bool matches(std::string_view path, std::string_view basename, bool is_dir) const;

 private:
  friend class ignore_rules;
  enum class form : std::uint8_t { exact, suffix, glob };
  bool ends_with_tail(std::string_view s) const {
    return s.size() >= tail_len_ &&
           s.substr(s.size() - tail_len_) == std::string_view(body_).substr(body_.size() - tail_len_);
  }

  std::string text_;
  std::shared_ptr<const std::string> source_;
  int line_ = 0;
  bool negated_ = false;
  bool dir_only_ = false;
  bool basename_only_ = false;  // no '/' but a trailing one: matches the last component at any depth
  form form_ = form::glob;
  std::string base_;     // folder of the file with a trailing '/', "" for the root
  std::string body_;     // without '!', trailing '/' and (anchored patterns) leading '/'
  std::size_t literal_len_ = 0;  // length of body_'s leading run without glob characters
  std::size_t tail_len_ = 0;     // length of its trailing run without glob characters or ']'

};

// The compiled lines of one ignore file (or of the config's list).
class ignore_rules {
 public:
  // `text`: whole file content (a UTF-8 BOM is skipped, CRLF accepted).
  // `base_dir`: folder of the file relative to the root ("" = root, else
  // "a/b", no trailing '/'). `source_name`: what -v shows as its source.
  static ignore_rules compile(std::string_view text, std::string_view base_dir, std::string source_name);
  // The entries as the lines of one file (git's core.excludesFile): line
  // numbers are positions in the list, 1-based (an entry holding a newline
  // counts as several lines).
  static ignore_rules compile(const std::vector<std::string>& lines, std::string_view base_dir,
                              std::string source_name);

  // The last pattern of this file that matches, or nullptr (git:
  // last_matching_pattern_from_list). See ignore_pattern::matches.
  const ignore_pattern* last_match(std::string_view path, std::string_view basename, bool is_dir) const;

  const std::vector<ignore_pattern>& patterns() const { return patterns_; }
  bool empty() const { return patterns_.empty(); }

 private:
  std::vector<ignore_pattern> patterns_;
};

// The decision for one path, with what decided it (for check-ignore -v).
struct ignore_match {
  bool matched = false;  // some pattern decided (possibly a negation)
  bool ignored = false;  // matched by a pattern that is not a negation
  std::string source;    // ".syncignore", "a/.syncignore", the config name, or "<built-in>"
  int line = 0;          // 0 for the built-in rule
  std::string pattern;   // the pattern as written (see ignore_pattern::text)
  bool negated = false;
};

// Where the matcher gets a folder's .syncignore from: the caller's I/O
// (storage/ignore_files.h reads them beneath the sync root), so the rules
// themselves stay pure. Paths are relative to the sync root:
// ".syncignore", "a/b/.syncignore".
class ignore_file_reader {
 public:
  virtual ~ignore_file_reader() = default;
  // Anything that changes when the file changes (e.g. size, mtime and
  // inode); "" when there is no regular file (a link is not read, as git
  // does not).
  virtual std::string stamp(const std::string& rel_file) = 0;
  // The file's bytes; false when it cannot be read as a regular file.
  virtual bool read(const std::string& rel_file, std::string* out) = 0;
};

// All the ignore rules of one sync folder. Thread-safe (one mutex): the
// watcher and the folder model may share one instance.
class ignore_matcher {
 public:
  // `files`: the sync folder's .syncignore files, read on demand (one
  // folder at a time) and cached until invalidated; nullptr = none.
  // `config_source` is the source name -v shows for the config's patterns.
  ignore_matcher(std::shared_ptr<ignore_file_reader> files, const std::vector<std::string>& config_patterns,
                 std::string config_source = "config:ignore_patterns");
  ~ignore_matcher();
  ignore_matcher(const ignore_matcher&) = delete;
  ignore_matcher& operator=(const ignore_matcher&) = delete;

  // Is `rel_path` (relative to the root, '/'-separated, no "." or ".."
  // parts) ignored? `is_dir`: it is a folder (patterns ending in '/' match
  // folders only). The root itself ("") is never ignored.
  bool is_ignored(std::string_view rel_path, bool is_dir);

  // The full decision, exactly as git computes it, including git's
  // treatment of "" (the root) and of a trailing '/' ("a/": folder "a" is
  // checked as an ancestor, then "a/.syncignore" applies to the empty name
  // after the slash).
  ignore_match match(std::string_view rel_path, bool is_dir);

  // Tells the matcher that `rel_path` changed on disk (created, modified,
  // deleted, moved). Returns true when it was a .syncignore file: the rules
  // changed, and paths previously (not) ignored may now be the opposite,
  // so the caller should rescan. A folder change drops what was cached
  // below it (a moved-in folder may bring its own .syncignore).
  bool note_change(std::string_view rel_path, bool is_dir);

  // Re-checks every .syncignore read so far (and every folder found without
  // one) against the disk; drops the cache and returns true if any changed.
  bool refresh();

  // Forgets everything read from disk (the config patterns stay).
  void invalidate();

 private:
  struct folder;  // one folder's .syncignore and whether the folder is excluded
  struct string_view_hash {
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  folder& folder_for(std::string_view dir);
  const ignore_pattern* last_match_from(const folder& deepest, std::string_view path, std::string_view basename,
                                        bool is_dir) const;
  void drop_below(std::string_view dir);
  ignore_match match_locked(std::string_view rel_path, bool is_dir);

  std::shared_ptr<ignore_file_reader> files_;
  ignore_rules config_;
  std::unordered_map<std::string_view, std::unique_ptr<folder>, string_view_hash> folders_;  // keys view folder::path
  std::mutex mutex_;
};

}  // namespace syncer
