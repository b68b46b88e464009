// The hub's metadata writes: put_files() of one batch (one transaction:
// upsert into files + append to versions + the sequence in meta), on a real
// file in /tmp. Batch 1 is what the hub pays per file when it commits one
// at a time; batch 1,000 is the cost per file when commits are batched.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "storage/server_db.h"

namespace {

void BM_ServerDbPutFiles(benchmark::State& state) {
  char tmpl[] = "/tmp/syncer-bench-serverdb-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string error;
  auto db = syncer::server_db::open(dir + "/meta.db", &error);
  if (!db) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::vector<syncer::file_entry> batch(static_cast<size_t>(state.range(0)));
  uint64_t round = 0;
  for (auto _ : state) {
    ++round;
    // Each round writes new versions of distinct paths, as a burst of new
    // files would; the versions table grows like the hub's does.
    for (size_t i = 0; i < batch.size(); ++i) {
      auto& e = batch[i];
      e.path = "tree/d" + std::to_string(i % 100) + "/f" + std::to_string(round) + "-" + std::to_string(i);
      e.sha256 = std::string(64, "0123456789abcdef"[round % 16]);
      e.size = i;
      e.mtime_ns = static_cast<int64_t>(round);
      e.version = syncer::version_vector{};
      e.version.set("a1b2c3d4e5f6", round);
      e.origin = "a1b2c3d4e5f6";
    }
    db->put_files(batch);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  db.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace

BENCHMARK(BM_ServerDbPutFiles)->Arg(1)->Arg(1000)->Unit(benchmark::kMicrosecond);
