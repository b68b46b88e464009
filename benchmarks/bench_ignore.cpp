// Ignore matching: realistic paths against a realistic 50-pattern set
// (40 lines of a root .syncignore + 10 config patterns), compiled once.
//
//   BM_IgnoreMatch        the matcher as the watcher uses it (folder verdicts cached)
//   BM_IgnoreMatchCold    the same with the cache dropped before every pass
//                         (what the first scan pays, .syncignore stats included)
//   BM_IgnoreRulesOnly    the compiled patterns alone, no ancestor checks
//   BM_IgnoreFnmatchRef   reference: libc fnmatch(3) over the same 50 patterns,
//                         in order, for the path only (no ancestor checks, not
//                         gitignore semantics): what a naive matcher costs
// Items are paths.
#include <benchmark/benchmark.h>
#include <fnmatch.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "actors/rules/ignore.h"
#include "storage/ignore_files.h"

namespace {

const char* const root_syncignore = R"(# build output
build/
dist/
out/
target/
*.o
*.obj
*.so
*.a
*.dylib
*.class
*.pyc
__pycache__/
*.egg-info/
# dependencies
node_modules/
vendor/
.venv/
# editors and OS
.idea/
.vscode/
*.swp
*~
.DS_Store
Thumbs.db
# logs and temp
*.log
!important.log
logs/
tmp/
*.tmp
# project specific
/coverage
docs/_build/
**/generated/**
src/**/*.pb.cc
*.min.js
.cache/
/secrets.txt
[Dd]ebug/
*.sw[op]
cmake-build-*/
)";

const std::vector<std::string> config_patterns = {".git",   "*.bak", "*.orig", "*.rej",  ".env",
                                                  "*.part", "core",  "*.iml",  "*.lock", "~$*"};

struct fixture {
  std::string root;
  std::vector<std::string> paths;
  std::vector<char> is_dir;

  fixture() {
    std::string tmpl = "/tmp/syncer-bench-ignore-XXXXXX";
    root = ::mkdtemp(tmpl.data()) ? tmpl : "/tmp";
    std::ofstream(root + "/.syncignore") << root_syncignore;

    // A source tree with the usual clutter, deterministic.
    std::mt19937 rng(42);
    auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
    const std::vector<std::string> tops = {"src", "src", "src", "src", "lib", "lib", "tests", "tests", "docs",
                                           "include", "assets", "scripts", "tools", "src", "lib", "tests", "build", "node_modules"};
    const std::vector<std::string> dirs = {"core", "net", "ui", "util", "model", "io", "detail", "impl", "v2",
                                           "internal", "api", "storage", "render", "common"};
    const std::vector<std::string> clutter = {"generated", "tmp", "__pycache__", "logs", "Debug", ".cache"};
    const std::vector<std::string> stems = {"main", "server", "client", "config", "parser", "index", "utils",
                                            "reader", "writer", "test_io", "schema", "README", "important"};
    const std::vector<std::string> exts = {".cpp", ".cpp", ".cpp", ".h", ".h", ".h", ".c", ".py", ".py", ".js",
                                           ".md", ".txt", ".json", ".yaml", ""};
    const std::vector<std::string> junk = {".o", ".log", ".pyc", ".min.js", ".tmp", ".bak", ".swp", ".pb.cc", "~"};
    // Folders first (about 5,000), then files spread over them: ~20 per folder.
    std::vector<std::string> folders;
    while (folders.size() < 5000) {
      std::string p = pick(tops);
      int depth = static_cast<int>(rng() % 5);
      for (int i = 0; i < depth; ++i) p += "/" + (rng() % 40 == 0 ? pick(clutter) : pick(dirs));
      folders.push_back(p);
    }
    while (paths.size() < 100000) {
      const std::string& folder = folders[rng() % folders.size()];
      if (rng() % 20 == 0) {
        paths.push_back(folder);
        is_dir.push_back(1);
        continue;
      }
      paths.push_back(folder + "/" + pick(stems) + std::to_string(rng() % 50) +
                      (rng() % 12 == 0 ? pick(junk) : pick(exts)));
      is_dir.push_back(0);
    }
  }
  ~fixture() {
    std::error_code ec;
    if (root != "/tmp") std::filesystem::remove_all(root, ec);
  }
};

fixture& data() {
  static fixture f;
  return f;
}

void BM_IgnoreMatch(benchmark::State& state) {
  auto& f = data();
  const auto n = static_cast<std::size_t>(state.range(0));
  syncer::ignore_matcher matcher(syncer::ignore_files_in(f.root), config_patterns);
  std::size_t ignored = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) ignored += matcher.is_ignored(f.paths[i], f.is_dir[i]);
  }
  benchmark::DoNotOptimize(ignored);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["ignored_pct"] = 100.0 * static_cast<double>(ignored) /
                                  static_cast<double>(state.iterations() * n);
}
BENCHMARK(BM_IgnoreMatch)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_IgnoreMatchCold(benchmark::State& state) {
  auto& f = data();
  const auto n = static_cast<std::size_t>(state.range(0));
  syncer::ignore_matcher matcher(syncer::ignore_files_in(f.root), config_patterns);
  std::size_t ignored = 0;
  for (auto _ : state) {
    matcher.invalidate();
    for (std::size_t i = 0; i < n; ++i) ignored += matcher.is_ignored(f.paths[i], f.is_dir[i]);
  }
  benchmark::DoNotOptimize(ignored);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_IgnoreMatchCold)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_IgnoreRulesOnly(benchmark::State& state) {
  auto& f = data();
  const auto n = static_cast<std::size_t>(state.range(0));
  auto rules = syncer::ignore_rules::compile(std::string(root_syncignore), "", ".syncignore");
  auto config = syncer::ignore_rules::compile(config_patterns, "", "config");
  std::size_t matched = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      std::string_view path = f.paths[i];
      auto slash = path.rfind('/');
      auto base = slash == std::string_view::npos ? path : path.substr(slash + 1);
      const auto* p = rules.last_match(path, base, f.is_dir[i]);
      if (!p) p = config.last_match(path, base, f.is_dir[i]);
      matched += p != nullptr;
    }
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_IgnoreRulesOnly)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_IgnoreFnmatchRef(benchmark::State& state) {
  auto& f = data();
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::string> patterns;
  {
    std::string text = root_syncignore;
    std::size_t pos = 0;
    for (std::size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      std::string line = text.substr(pos, nl - pos);
      if (line.empty() || line[0] == '#') continue;
      if (line.back() == '/') line.pop_back();
      patterns.push_back(line);
    }
    patterns.insert(patterns.end(), config_patterns.begin(), config_patterns.end());
  }
  std::size_t matched = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::string& path = f.paths[i];
      const char* base = path.c_str() + (path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
      for (auto it = patterns.rbegin(); it != patterns.rend(); ++it) {
        bool anchored = it->find('/') != std::string::npos;
        if (::fnmatch(it->c_str(), anchored ? path.c_str() : base, FNM_PATHNAME) == 0) {
          ++matched;
          break;
        }
      }
    }
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_IgnoreFnmatchRef)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
