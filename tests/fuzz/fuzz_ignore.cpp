// Ignore patterns (actors/rules/ignore.h): the .syncignore parser, git's
// wildmatch, and the matcher that combines the files of a folder tree with
// the config's ignore_patterns.
//
// Input: NUL-separated fields
//   0: the root's .syncignore
//   1: the .syncignore of folder "a"
//   2: the config's ignore_patterns, one per line
//   3...: paths to check ("x/" is checked as a folder)
// The two files are written to a scratch folder (in /dev/shm when there is
// one) on every run, so the matcher reads them as it reads a sync folder.
//
// Properties checked besides "no crash, no sanitizer report":
//   - compiled patterns carry line numbers within their file;
//   - wildmatch of a pattern without glob characters is string equality;
//   - for normalised paths the matcher's two entry points agree
//     (match().ignored == is_ignored()), .syncer/ is always ignored, and
//     everything below an ignored folder is ignored (git's rule);
//   - the answers do not change when the matcher's cache is dropped
//     (invalidate, note_change of a .syncignore).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "actors/rules/ignore.h"
#include "storage/ignore_files.h"
#include "actors/rules/path_rules.h"
#include "tests/fuzz/fuzz_util.h"

using namespace syncer;

namespace {

void write_file(const std::string& file, std::string_view text) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

void check_lines(const ignore_rules& rules, std::string_view text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  lines += 1;
  int last = 0;
  for (const auto& p : rules.patterns()) {
    FUZZ_CHECK(p.line() >= 1 && p.line() <= lines && p.line() > last);
    last = p.line();
  }
}

struct path_case {
  std::string path;  // without the trailing '/'
  bool is_dir;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fields = fuzz::split_fields(fuzz::as_text(data, size), 3);
  std::vector<path_case> paths;
  for (size_t i = 3; i < fields.size() && paths.size() < 16; ++i) {
    std::string p(fields[i]);
    bool is_dir = !p.empty() && p.back() == '/';
    if (is_dir) p.pop_back();
    paths.push_back({p, is_dir});
  }
  if (paths.empty()) paths = {{"a/b.txt", false}, {"a", true}, {"build", true}, {"x.o", false}};

  // The parser and the per-file matching, without a disk.
  auto root_rules = ignore_rules::compile(fields[0], "", ".syncignore");
  auto a_rules = ignore_rules::compile(fields[1], "a", "a/.syncignore");
  auto config_lines = lines_of(fields[2]);
  auto config_rules = ignore_rules::compile(config_lines, "", "config");
  check_lines(root_rules, fields[0]);
  check_lines(a_rules, fields[1]);
  for (const auto& c : paths) {
    auto slash = c.path.rfind('/');
    std::string_view basename = std::string_view(c.path).substr(slash == std::string::npos ? 0 : slash + 1);
    (void)root_rules.last_match(c.path, basename, c.is_dir);
    (void)a_rules.last_match(c.path, basename, c.is_dir);
    (void)config_rules.last_match(c.path, basename, c.is_dir);
    for (const auto& line : config_lines) {
      bool m1 = wildmatch(line, c.path, true);
      bool m2 = wildmatch(line, c.path, false);
      if (line.find_first_of("*?[\\") == std::string::npos) FUZZ_CHECK(m1 == (line == c.path) && m2 == m1);
    }
  }

  // The matcher over a folder holding the two files.
  const auto& root = fuzz::scratch_dir("ignore");
  ::mkdir((root + "/a").c_str(), 0700);
  write_file(root + "/.syncignore", fields[0]);
  write_file(root + "/a/.syncignore", fields[1]);
  ignore_matcher matcher(ignore_files_in(root), config_lines, "config");
  std::vector<ignore_match> first;
  for (const auto& c : paths) first.push_back(matcher.match(c.path, c.is_dir));
  for (const auto& c : paths) {
    std::string error;
    auto normal = normalize_sync_path(c.path, &error);
    if (!normal || *normal != c.path) continue;
    bool ignored = matcher.is_ignored(c.path, c.is_dir);
    FUZZ_CHECK(matcher.match(c.path, c.is_dir).ignored == ignored);
    if (is_internal_path(c.path)) FUZZ_CHECK(ignored);
    auto slash = c.path.rfind('/');
    if (slash != std::string::npos && matcher.is_ignored(c.path.substr(0, slash), true)) FUZZ_CHECK(ignored);
  }
  matcher.invalidate();
  for (size_t i = 0; i < paths.size(); ++i) {
    auto again = matcher.match(paths[i].path, paths[i].is_dir);
    FUZZ_CHECK(again.ignored == first[i].ignored && again.matched == first[i].matched &&
               again.line == first[i].line && again.source == first[i].source);
  }
  FUZZ_CHECK(matcher.note_change("a/.syncignore", false));
  FUZZ_CHECK(!matcher.refresh());
  for (size_t i = 0; i < paths.size(); ++i) FUZZ_CHECK(matcher.match(paths[i].path, paths[i].is_dir).ignored == first[i].ignored);
  return 0;
}
