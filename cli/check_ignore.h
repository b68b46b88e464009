// `syncer check-ignore`: the logic of `git check-ignore --no-index`, with the
// sync folder in the role of the work tree, its .syncignore files in the role
// of .gitignore and the config's ignore_patterns in the role of
// core.excludesFile. No YAML here: the caller passes the loaded config.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace syncer {

struct check_ignore_options {
  // -v: print "<source>:<line>:<pattern>\t<path>" for every path a pattern
  // matched, negations ("!pattern") included; those then count as matches
  // for the exit code, as in git.
  bool verbose = false;
  // -n (only with -v): also print "::\t<path>" for paths nothing matched.
  bool non_matching = false;
  // The source -v shows for config patterns (e.g. the config file's path).
  std::string config_source = "config:ignore_patterns";
};

// Paths are relative to `sync_root` (not to the current folder) or absolute
// inside it; "./", "//" and ".." inside the folder are accepted, and a
// trailing '/' is kept with git's meaning. A path is a folder when it is one
// on disk (not following a final symlink) or written with a trailing '/'.
// Paths are printed as given, C-quoted as git does when they hold '"', '\',
// control characters or non-ASCII bytes (e.g. "caf\303\251").
//
// Every path is validated before anything is printed. Returns 0 when at
// least one path was printed as matched, 1 when none, 128 on error (an empty
// path, a path outside the sync folder or beyond a symlink), with one
// sentence on `err`.
int run_check_ignore(const std::string& sync_root, const std::vector<std::string>& config_patterns,
                     const std::vector<std::string>& paths, const check_ignore_options& options, std::ostream& out,
                     std::ostream& err);

// Shorthand for the options above.
int run_check_ignore(const std::string& sync_root, const std::vector<std::string>& config_patterns,
                     const std::vector<std::string>& paths, bool verbose, std::ostream& out, std::ostream& err,
                     const std::string& config_source = "config:ignore_patterns");

}  // namespace syncer
