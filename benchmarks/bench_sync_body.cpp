// Parsing a POST /sync body of N entries (simdjson) and planning it
// against the hub's list: the cost of one reconciliation, without I/O.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "actors/rules/sync_rules.h"
#include "net/json.h"

namespace {

std::vector<syncer::file_entry> make_entries(size_t n, const char* client) {
  std::vector<syncer::file_entry> out(n);
  for (size_t i = 0; i < n; ++i) {
    auto& e = out[i];
    e.path = "project/src/module" + std::to_string(i % 100) + "/file_" + std::to_string(i) + ".cpp";
    e.sha256 = std::string(64, "0123456789abcdef"[i % 16]);
    e.size = 1000 + i;
    e.mtime_ns = 1732480000000000000 + static_cast<int64_t>(i);
    e.version.set(client, 1 + i % 3);
  }
  return out;
}

void BM_ParseSyncBody(benchmark::State& state) {
  auto entries = make_entries(static_cast<size_t>(state.range(0)), "c5e1a9f03b2d");
  std::string body = "{\"client_id\":\"c5e1a9f03b2d\",\"files\":[";
  for (size_t i = 0; i < entries.size(); ++i) body += (i ? "," : "") + syncer::json::entry_json(entries[i]);
  body += "]}";
  for (auto _ : state) {
    std::string error;
    auto parsed = syncer::json::parse_sync_request(body, &error);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

void BM_PlanSync(benchmark::State& state) {
  auto client = make_entries(static_cast<size_t>(state.range(0)), "a");
  auto hub = make_entries(static_cast<size_t>(state.range(0)), "a");
  for (size_t i = 0; i < hub.size(); i += 10) hub[i].version.set("b", 1);  // 10% newer on the hub
  for (auto _ : state) benchmark::DoNotOptimize(syncer::plan_sync(client, hub));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

}  // namespace

BENCHMARK(BM_ParseSyncBody)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlanSync)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);
