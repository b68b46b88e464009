#include "cli/check_ignore.h"

#include <sys/stat.h>

#include "actors/rules/ignore.h"

namespace syncer {
namespace {

// Normalises a user-given path the way git does before matching:
// "./" parts and duplicate slashes go; ".." must stay inside the root.
bool normalise(const std::string& given, std::string* out) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= given.size()) {
    auto slash = given.find('/', start);
    if (slash == std::string::npos) slash = given.size();
    auto part = given.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  out->clear();
  for (const auto& p : parts) *out += (out->empty() ? "" : "/") + p;
  return true;
}

}  // namespace

int run_check_ignore(const std::string& sync_root, const std::vector<std::string>& config_patterns,
                     const std::vector<std::string>& paths, bool verbose, std::ostream& out, std::ostream& err,
                     const std::string& config_source) {
  ignore_matcher matcher(sync_root, config_patterns, config_source);
  std::string root_prefix = sync_root + "/";
  int printed = 0;
  for (const auto& given : paths) {
    std::string rel = given;
    if (!rel.empty() && rel[0] == '/') {
      if (rel.compare(0, root_prefix.size(), root_prefix) != 0) {
        err << "syncer check-ignore: " << given << ": is outside the sync folder " << sync_root << "\n";
        return 128;
      }
      rel = rel.substr(root_prefix.size());
    }
    std::string path;
    if (!normalise(rel, &path)) {
      err << "syncer check-ignore: " << given << ": is outside the sync folder " << sync_root << "\n";
      return 128;
    }
    if (path.empty()) continue;  // the root itself is never ignored
    struct stat st {};
    bool is_dir = ::lstat((sync_root + "/" + path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    auto m = matcher.match(path, is_dir);
    if (!m.pattern || (!verbose && !m.ignored)) continue;
    ++printed;
    if (verbose) {
      const auto& p = *m.pattern;
      out << p.source << ":" << p.line << ":" << (p.negated ? "!" : "") << p.glob << (p.dir_only ? "/" : "") << "\t";
    }
    out << given << "\n";
  }
  return printed > 0 ? 0 : 1;
}

}  // namespace syncer
