// The client index: upserting N rows in one transaction (what an initial
// scan of N files costs in SQLite), on a real file.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "storage/client_index.h"

namespace {

void BM_ClientIndexUpsert(benchmark::State& state) {
  char tmpl[] = "/tmp/syncer-bench-index-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string error;
  auto index = syncer::client_index::open(dir + "/index.db", &error);
  std::vector<syncer::file_entry> rows(static_cast<size_t>(state.range(0)));
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].path = "tree/d" + std::to_string(i % 200) + "/f" + std::to_string(i);
    rows[i].sha256 = std::string(64, 'a');
    rows[i].size = i;
    rows[i].version.set("me", 1);
  }
  uint64_t round = 0;
  for (auto _ : state) {
    for (auto& r : rows) r.mtime_ns = static_cast<int64_t>(++round);
    index->put(rows);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  index.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace

BENCHMARK(BM_ClientIndexUpsert)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);
