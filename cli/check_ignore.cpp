#include "cli/check_ignore.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <optional>
#include <string_view>

#include "actors/rules/ignore.h"
#include "storage/ignore_files.h"

namespace syncer {
namespace {

// git's normalize_path_copy: squashes "//", drops "." parts, resolves ".."
// and keeps a trailing '/'. Fails when ".." climbs above the start. An
// absolute input keeps its leading '/'.
std::optional<std::string> normalize_like_git(std::string_view src) {
  std::string out;
  std::size_t i = 0;
  if (!src.empty() && src[0] == '/') out = "/";
  const std::size_t floor = out.size();
  auto skip_slashes = [&] {
    while (i < src.size() && src[i] == '/') ++i;
  };
  auto up_one = [&]() -> bool {
    // `out` ends with the '/' that followed the last copied part.
    if (out.size() <= floor) return false;
    out.pop_back();
    while (out.size() > floor && out.back() != '/') out.pop_back();
    return true;
  };
  skip_slashes();
  while (i < src.size()) {
    std::size_t end = src.find('/', i);
    if (end == std::string_view::npos) end = src.size();
    std::string_view part = src.substr(i, end - i);
    i = end;
    if (part == "." || part == "..") {
      skip_slashes();
      if (part == ".." && !up_one()) return std::nullopt;
      continue;
    }
    out.append(part);
    if (i < src.size()) {
      out += '/';
      skip_slashes();
    }
  }
  return out;
}

std::optional<std::string> real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf)) return std::nullopt;
  return std::string(buf);
}

bool is_symlink(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Where a normalised absolute path lies inside the sync folder (git's
// abspath_part_inside_repo): a textual prefix first, then each leading part
// resolved through symlinks.
std::optional<std::string> inside_root(const std::string& abs, const std::vector<std::string>& roots,
                                       const std::optional<std::string>& real_root) {
  for (const auto& root : roots) {
    if (abs.compare(0, root.size(), root) != 0) continue;
    if (abs.size() == root.size()) return std::string();
    if (abs[root.size()] == '/') return abs.substr(root.size() + 1);
    if (root == "/") return abs.substr(1);
  }
  if (!real_root) return std::nullopt;
  for (std::size_t slash = abs.find('/', 1); slash != std::string::npos; slash = abs.find('/', slash + 1)) {
    auto resolved = real_path(abs.substr(0, slash));
    if (resolved && *resolved == *real_root) return abs.substr(slash + 1);
  }
  auto resolved = real_path(abs);
  if (resolved && *resolved == *real_root) return std::string();
  return std::nullopt;
}

// git's quote_c_style, used for every path it prints (core.quotePath on).
std::string quote_like_git(std::string_view s) {
  auto needs_quote = [](unsigned char c) { return c < 0x20 || c == '"' || c == '\\' || c >= 0x7f; };
  bool any = false;
  for (unsigned char c : s) any = any || needs_quote(c);
  if (!any) return std::string(s);
  std::string out = "\"";
  for (unsigned char c : s) {
    if (!needs_quote(c)) {
      out += static_cast<char>(c);
      continue;
    }
    out += '\\';
    switch (c) {
      case '\a': out += 'a'; break;
      case '\b': out += 'b'; break;
      case '\t': out += 't'; break;
      case '\n': out += 'n'; break;
      case '\v': out += 'v'; break;
      case '\f': out += 'f'; break;
      case '\r': out += 'r'; break;
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      default:
        out += static_cast<char>('0' + ((c >> 6) & 3));
        out += static_cast<char>('0' + ((c >> 3) & 7));
        out += static_cast<char>('0' + (c & 7));
    }
  }
  out += '"';
  return out;
}

struct checked_path {
  std::string given;
  std::string rel;  // normalised, relative to the sync folder, trailing '/' kept
};

}  // namespace

int run_check_ignore(const std::string& sync_root, const std::vector<std::string>& config_patterns,
                     const std::vector<std::string>& paths, const check_ignore_options& options, std::ostream& out,
                     std::ostream& err) {
  const char* const who = "syncer check-ignore: ";
  std::string cwd;
  if (sync_root.empty() || sync_root[0] != '/') {
    auto here = real_path(".");
    if (!here) {
      err << who << "cannot resolve the current folder.\n";
      return 128;
    }
    cwd = *here + "/";
  }
  auto root_norm = normalize_like_git(cwd + sync_root);
  if (!root_norm) {
    err << who << "the sync folder '" << sync_root << "' is not a valid path.\n";
    return 128;
  }
  std::string root = *root_norm;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  auto real_root = real_path(root);
  std::vector<std::string> roots{root};
  if (real_root && *real_root != root) roots.push_back(*real_root);

  // Validate every path first, as git does, so an error prints nothing else.
  std::vector<checked_path> checked;
  for (const auto& given : paths) {
    if (given.empty()) {
      err << who << "an empty path is not valid; use '.' for the sync folder itself.\n";
      return 128;
    }
    // A relative path is relative to the sync folder and may not climb out
    // of it even on the way ("a/../../root/x" is refused, as by git).
    std::optional<std::string> rel = normalize_like_git(given);
    if (rel && given[0] == '/') rel = inside_root(*rel, roots, real_root);
    if (!rel) {
      err << who << "'" << given << "' is outside the sync folder '" << root << "'.\n";
      return 128;
    }
    // Like git, refuse paths that lead through a symlink (it is not followed).
    for (std::size_t slash = rel->find('/'); slash != std::string::npos; slash = rel->find('/', slash + 1)) {
      if (is_symlink(root + "/" + rel->substr(0, slash))) {
        err << who << "'" << given << "' is beyond a symbolic link.\n";
        return 128;
      }
    }
    checked.push_back({given, std::move(*rel)});
  }

  ignore_matcher matcher(ignore_files_in(root), config_patterns, options.config_source);
  int matched = 0;
  for (const auto& p : checked) {
    // git looks at the disk (lstat, so "a/" follows a symlink but "a" does
    // not); "" is the root, which it never finds a type for.
    bool is_dir = !p.rel.empty() && is_directory(root + "/" + p.rel);
    ignore_match m = matcher.match(p.rel, is_dir);
    if (options.verbose) {
      if (m.matched) {
        out << quote_like_git(m.source) << ':' << m.line << ':' << m.pattern << '\t' << quote_like_git(p.given)
            << '\n';
        ++matched;
      } else if (options.non_matching) {
        out << "::\t" << quote_like_git(p.given) << '\n';
      }
    } else if (m.ignored) {
      out << quote_like_git(p.given) << '\n';
      ++matched;
    }
  }
  out.flush();
  return matched > 0 ? 0 : 1;
}

int run_check_ignore(const std::string& sync_root, const std::vector<std::string>& config_patterns,
                     const std::vector<std::string>& paths, bool verbose, std::ostream& out, std::ostream& err,
                     const std::string& config_source) {
  check_ignore_options options;
  options.verbose = verbose;
  options.config_source = config_source;
  return run_check_ignore(sync_root, config_patterns, paths, options, out, err);
}

}  // namespace syncer
