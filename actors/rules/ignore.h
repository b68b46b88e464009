// Ignore rules with gitignore semantics (BRIEF §3): `.syncignore` files in
// any folder plus the config's `ignore_patterns` (lowest precedence, like
// git's core.excludesFile). Patterns are compiled once; matching is plain
// code, no regular expressions. Standard library only.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncer {

// One compiled line of an ignore file.
struct ignore_pattern {
  std::string text;      // the line as written (for -v)
  std::string glob;      // what is matched (escapes kept, no '!', no trailing '/')
  std::string base;      // folder of the file it came from ("" = root)
  std::string source;    // ".syncignore", "docs/.syncignore", or the config file
  int line = 0;
  bool negated = false;
  bool dir_only = false;
  bool anchored = false;  // contains a '/' other than a trailing one
};

// Parses the text of one ignore file; `base` is its folder relative to the root.
std::vector<ignore_pattern> parse_ignore_file(std::string_view text, const std::string& base,
                                              const std::string& source);

// gitignore's glob matching. With `pathname` (as git's WM_PATHNAME), '*',
// '?' and '[...]' do not match '/', and '**' spans folders when it stands
// between slashes or at an end of the pattern.
bool wildmatch(std::string_view pattern, std::string_view text, bool pathname = true);

// Does `p` match `path` (relative to the sync root)? Paths outside the
// pattern's folder never match.
bool pattern_matches(const ignore_pattern& p, const std::string& path, bool is_dir);

struct ignore_match {
  const ignore_pattern* pattern = nullptr;  // null: nothing matched
  bool ignored = false;
};

class ignore_matcher {
 public:
  // `root`: the sync folder, whose .syncignore files are read from disk on
  // demand (and re-read when their mtime changes).
  ignore_matcher(std::string root, const std::vector<std::string>& config_patterns,
                 std::string config_source = "config:ignore_patterns");

  // Is `rel_path` ignored, given the rules in force now? A path under an
  // ignored folder is ignored whatever later patterns say. `.syncer/` is
  // always ignored.
  bool is_ignored(const std::string& rel_path, bool is_dir);
  // The deciding pattern, for `check-ignore -v` (pattern may be a negation).
  ignore_match match(const std::string& rel_path, bool is_dir);

  // Forget cached .syncignore files (after one changed).
  void invalidate();

 private:
  struct file_rules {
    int64_t mtime_ns = -1;
    bool exists = false;
    std::vector<ignore_pattern> patterns;
  };
  const file_rules& rules_for_dir(const std::string& dir);
  ignore_match match_one(const std::string& path, bool is_dir);

  std::string root_;
  std::vector<ignore_pattern> config_;
  std::map<std::string, file_rules> files_;  // folder -> its .syncignore
  std::mutex mutex_;                         // shared by watcher and folder model
};

}  // namespace syncer
