#include "actors/prefetcher.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <caf/all.hpp>

#include "actors/log.h"
#include "actors/rules/path_rules.h"

namespace syncer {
namespace {

struct prefetcher_state {
  std::string root;
  std::unique_ptr<hub_api> hub;
  int64_t files = 0, bytes = 0, gone = 0, failures = 0;
  std::string current;
  std::string last_error;
};

// Verified prefetches nobody took within 10 minutes (the download was
// not needed after all: a conflict, a newer version, an ignored path) are
// removed, so .syncer/tmp/ does not keep whole copies of big files.
void drop_stale_prefetches(const std::string& tmp_dir) {
  std::error_code ec;
  auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& ent : std::filesystem::directory_iterator(tmp_dir, ec)) {
    auto name = ent.path().filename().string();
    if (name.size() < 9 || name.compare(name.size() - 9, 9, ".verified") != 0) continue;
    std::error_code time_ec;
    auto written = ent.last_write_time(time_ec);
    if (!time_ec && now - written > std::chrono::minutes(10)) std::filesystem::remove(ent.path(), time_ec);
  }
}

download_result prefetch(prefetcher_state& st, const file_entry& e) {
  download_result r;
  r.entry = e;
  if (!is_sha256_hex(e.sha256)) {  // temp names are made from it
    r.outcome = download_result::failed;
    r.error = "refused sha256: not 64 lowercase hex digits";
    return r;
  }
  std::string tmp_dir = st.root + "/.syncer/tmp";
  std::error_code ec;
  std::filesystem::create_directories(tmp_dir, ec);
  drop_stale_prefetches(tmp_dir);
  auto done = verified_prefetch_path(st.root, e.sha256);
  struct stat have {};
  if (::stat(done.c_str(), &have) == 0 && static_cast<uint64_t>(have.st_size) == e.size) return r;
  auto part = tmp_dir + "/prefetch-" + e.sha256 + ".part";
  ::unlink(part.c_str());
  std::string sha;
  auto reply = st.hub->prefetch(e.sha256, part, &sha);
  if (!reply.ok() || sha != e.sha256) {
    ::unlink(part.c_str());
    if (reply.kind == error_kind::not_found || reply.kind == error_kind::unsupported) {
      ++st.gone;  // already committed, or nothing to stream: the download takes over
      r.outcome = download_result::gone;
      return r;
    }
    ++st.failures;
    r.outcome = download_result::failed;
    r.error = reply.ok() ? "the streamed bytes do not hash to the announced sha256" : reply.error;
    st.last_error = e.path + ": " + r.error;
    log::debug("prefetcher", st.last_error);
    return r;
  }
  if (::rename(part.c_str(), done.c_str()) != 0) {
    ++st.failures;
    r.outcome = download_result::failed;
    r.error = std::string("cannot keep the prefetched file: ") + std::strerror(errno);
    st.last_error = e.path + ": " + r.error;
    ::unlink(part.c_str());
    return r;
  }
  ++st.files;
  st.bytes += static_cast<int64_t>(e.size);
  log::debug("prefetcher", e.path + ": " + std::to_string(e.size) + " bytes fetched while they were uploaded");
  return r;
}

}  // namespace

std::string verified_prefetch_path(const std::string& root, const std::string& sha256) {
  return root + "/.syncer/tmp/" + sha256 + ".verified";
}

prefetcher_actor spawn_prefetcher(caf::actor_system& sys, std::string root, hub_api_factory hub) {
  auto behavior = [](prefetcher_actor::stateful_pointer<prefetcher_state> self, std::string root,
                     hub_api_factory hub) -> prefetcher_actor::behavior_type {
    self->state.root = std::move(root);
    self->state.hub = hub();
    return {
        [self](prefetch_atom, const file_entry& entry) {
          self->state.current = entry.path;
          auto r = prefetch(self->state, entry);
          self->state.current.clear();
          return r;
        },
        [self](inspect_atom) {
          auto& s = self->state;
          actor_state st;
          st.name = "prefetcher";
          st.counters["queue"] = static_cast<int64_t>(self->mailbox().size());
          st.counters["prefetched_files"] = s.files;
          st.counters["prefetched_bytes"] = s.bytes;
          st.counters["missed"] = s.gone;
          st.counters["failures"] = s.failures;
          st.info["in_flight"] = s.current;
          st.info["last_error"] = s.last_error;
          return st;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior, std::move(root), std::move(hub));
}

}  // namespace syncer
