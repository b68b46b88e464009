#include "actors/downloader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <caf/all.hpp>

#include "actors/log.h"
#include "actors/prefetcher.h"
#include "storage/block_delta.h"
#include "storage/file_times.h"
#include "storage/object_store.h"
#include "storage/sha256.h"
#include "storage/sync_root.h"
#include "actors/rules/local_safety.h"
#include "actors/rules/client_decisions.h"
#include "actors/rules/path_rules.h"

namespace syncer {
namespace {

namespace fs = std::filesystem;

struct downloader_state {
  // Every create, replace and delete goes beneath this descriptor, no
  // link followed (storage/sync_root.h).
  std::shared_ptr<sync_root> root;
  std::string root_error;
  std::unique_ptr<hub_api> hub;
  int64_t files = 0, bytes = 0, deltas = 0, delta_bytes = 0, prefetched = 0, folders = 0, removals = 0, local_changes = 0, failures = 0, batches = 0;
  std::string current;
  std::string last_error;
};


// Does the disk still hold what the index says we last synced? Checked
// right before every rename/unlink: a local edit made meanwhile must win
// over the download (it is uploaded instead, and the hub resolves).
bool disk_matches(const sync_root& root, const std::string& rel, const std::optional<file_entry>& expected) {
  struct stat st {};
  int err = root.lstat(rel, &st);
  if (err && !is_gone_errno(err)) return false;  // cannot tell: never overwrite what we cannot see
  bool exists = err == 0;
  if (!expected || expected->deleted) return !exists;
  if (!exists) return false;
  if (expected->is_dir) return S_ISDIR(st.st_mode);
  return S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == expected->size &&
         mtime_ns(st) == expected->mtime_ns;
}

// When a write into .syncer/tmp fails or comes out short, the reason is
// most often a full disk; say so rather than "does not match its sha256".
std::string with_space_reason(const downloader_state& st, uint64_t needed, const std::string& message) {
  struct statvfs vfs {};
  if (!st.root || ::fstatvfs(st.root->fd(), &vfs) != 0) return message;
  uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  if (free_bytes >= needed + (1u << 20)) return message;
  return "the client's disk is full (No space left on device: " + std::to_string(free_bytes) + " bytes free, " +
         std::to_string(needed) + " needed)";
}

download_result fail(downloader_state& st, download_result r, const std::string& message) {
  r.outcome = download_result::failed;
  r.error = message;
  ++st.failures;
  st.last_error = r.entry.path + ": " + message;
  log::warn("downloader", st.last_error);
  return r;
}

// The temp folder .syncer/tmp/ as an open descriptor, and a path string
// for APIs that take one (through /proc/self/fd: no lookup by name).
struct temp_area {
  unique_fd dir;
  std::string path(const std::string& name) const { return dir.proc_path() + "/" + name; }
};

int open_temp_area(const sync_root& root, temp_area* out) {
  if (int err = root.make_dirs(".syncer/tmp")) return err;
  return root.open_dir(".syncer/tmp", &out->dir);
}

// A job the downloader refuses before touching the disk: a path that is
// not a normal sync path (or is inside .syncer/), a file whose sha256 is
// not 64 lowercase hex digits. The folder-model checks the same; this is
// the last line.
std::optional<std::string> refuse(const file_entry& e) {
  if (auto why = hub_entry_error(e)) return "refused: " + *why;
  return std::nullopt;
}

download_result apply_tombstone(downloader_state& st, const download_job& job) {
  download_result r;
  r.entry = job.entry;
  const auto& rel = job.entry.path;
  struct stat disk {};
  int err = st.root->lstat(rel, &disk);
  if (is_gone_errno(err)) return r;  // already gone
  if (err) return fail(st, r, problem_reason(err));
  if (job.entry.is_dir || S_ISDIR(disk.st_mode)) {
    if (!S_ISDIR(disk.st_mode)) {
      r.outcome = download_result::local_changed;
      return r;
    }
    // Only an empty folder goes: files the hub does not know (ignored or
    // not yet uploaded) keep it alive.
    int gone = st.root->rmdir(rel);
    if (gone != 0 && gone != ENOENT) {
      r.outcome = download_result::local_changed;
      return r;
    }
    ++st.removals;
    return r;
  }
  if (!disk_matches(*st.root, rel, job.expected_local)) {
    ++st.local_changes;
    r.outcome = download_result::local_changed;
    return r;
  }
  int removed = st.root->unlink(rel);
  if (removed != 0 && removed != ENOENT) return fail(st, r, problem_reason(removed));
  ++st.removals;
  return r;
}

download_result make_folder(downloader_state& st, const download_job& job) {
  download_result r;
  r.entry = job.entry;
  struct stat disk {};
  if (st.root->lstat(job.entry.path, &disk) == 0 && !S_ISDIR(disk.st_mode)) {
    r.outcome = download_result::local_changed;  // a file took the name
    return r;
  }
  if (int err = st.root->make_dirs(job.entry.path)) return fail(st, r, problem_reason(err));
  ++st.folders;
  return r;
}

download_result fetch_file(downloader_state& st, const download_job& job) {
  download_result r;
  r.entry = job.entry;
  const auto& e = job.entry;
  temp_area tmp_area;
  if (int err = open_temp_area(*st.root, &tmp_area)) return fail(st, r, "cannot open .syncer/tmp: " + problem_reason(err));
  int tmp_dir = tmp_area.dir.get();
  // Named by content so an interrupted download resumes with Range (the
  // sha256 was checked to be hex: the name cannot leave the folder).
  std::string tmp_name = e.sha256 + ".part";
  std::string tmp = tmp_area.path(tmp_name);
  if (e.size == 0) {
    int fd = ::openat(tmp_dir, tmp_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return fail(st, r, std::string("cannot create temp file: ") + std::strerror(errno));
    ::close(fd);
  } else {
    struct stat part {};
    if (::fstatat(tmp_dir, tmp_name.c_str(), &part, AT_SYMLINK_NOFOLLOW) == 0 &&
        static_cast<uint64_t>(part.st_size) >= e.size) {
      // Left by an earlier download of the same content: reuse it when
      // whole and right, else start over (a Range past the end is a 416).
      std::string ignored;
      auto have = static_cast<uint64_t>(part.st_size) == e.size && S_ISREG(part.st_mode) ? sha256_file(tmp, &ignored)
                                                                                       : std::nullopt;
      if (!have || have->sha256 != e.sha256) ::unlinkat(tmp_dir, tmp_name.c_str(), 0);
    }
  }
  std::string received_sha256;  // when the hub's bytes were hashed as they arrived
  // Fetched by the prefetcher while the upload arrived at the hub, and
  // already checked against this sha256 then.
  std::string prefetched = e.sha256 + ".verified";
  struct stat verified {};
  if (e.size > 0 && ::fstatat(tmp_dir, prefetched.c_str(), &verified, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISREG(verified.st_mode) && static_cast<uint64_t>(verified.st_size) == e.size &&
      ::renameat(tmp_dir, prefetched.c_str(), tmp_dir, tmp_name.c_str()) == 0) {
    received_sha256 = e.sha256;
    ++st.prefetched;
  }
  struct stat ready {};
  bool reuse = e.size > 0 && ::fstatat(tmp_dir, tmp_name.c_str(), &ready, AT_SYMLINK_NOFOLLOW) == 0 &&
               static_cast<uint64_t>(ready.st_size) == e.size;
  // Changed in place on the hub, and the disk still holds the version we
  // synced: fetch only the blocks that differ, the rest is copied from
  // the local file. Whatever goes wrong (the local file changed meanwhile,
  // the hub lacks the old object) ends in a whole download.
  const auto& old = job.expected_local;
  struct stat partial {};
  if (e.size >= delta_min_file_size && !reuse && ::fstatat(tmp_dir, tmp_name.c_str(), &partial, AT_SYMLINK_NOFOLLOW) != 0 &&
      old && !old->deleted && !old->is_dir && is_sha256_hex(old->sha256) && old->sha256 != e.sha256 &&
      disk_matches(*st.root, e.path, old)) {
    uint64_t got = 0;
    unique_fd base;
    hub_reply delta;  // unreachable until asked
    if (st.root->open_file(e.path, O_RDONLY, 0, &base) == 0)
      delta = st.hub->download_delta(old->sha256, e.sha256, base.proc_path(), tmp, &received_sha256, &got);
    if (delta.ok() && received_sha256 == e.sha256) {
      reuse = true;
      ++st.deltas;
      st.delta_bytes += static_cast<int64_t>(got);
      log::debug("downloader", e.path + ": fetched " + std::to_string(got) + " of " + std::to_string(e.size) +
                                   " bytes as a delta");
    } else {
      log::debug("downloader", e.path + ": no delta (" + (delta.ok() ? "rebuilt file differs" : delta.error) +
                                   "); downloading the whole file");
      received_sha256.clear();
      ::unlinkat(tmp_dir, tmp_name.c_str(), 0);
    }
  }
  if (e.size > 0 && !reuse) {
    auto reply = st.hub->download_hashed(e.path, e.sha256, tmp, &received_sha256);
    if (reply.kind == error_kind::range_not_satisfiable) ::unlinkat(tmp_dir, tmp_name.c_str(), 0);
    if (reply.kind == error_kind::not_found || reply.kind == error_kind::stale) {
      ::unlinkat(tmp_dir, tmp_name.c_str(), 0);
      r.outcome = download_result::gone;  // the hub moved on; re-plan
      r.error = reply.error;
      return r;
    }
    if (!reply.ok()) return fail(st, r, with_space_reason(st, e.size, reply.error.empty() ? "hub unreachable" : reply.error));
  }
  std::string error;
  std::optional<file_digest> digest;
  if (!received_sha256.empty()) digest = file_digest{received_sha256, e.size};
  else digest = sha256_file(tmp, &error);
  if (!digest) return fail(st, r, error);
  if (digest->sha256 != e.sha256) {
    ::unlinkat(tmp_dir, tmp_name.c_str(), 0);
    return fail(st, r, with_space_reason(st, e.size, "downloaded content does not match its sha256"));
  }
  if (!fsync_path(tmp)) return fail(st, r, with_space_reason(st, e.size, "cannot fsync the temp file"));
  if (e.mtime_ns > 0) {
    struct timespec times[2];
    times[0].tv_sec = e.mtime_ns / 1000000000;
    times[0].tv_nsec = e.mtime_ns % 1000000000;
    times[1] = times[0];
    ::utimensat(tmp_dir, tmp_name.c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
  struct stat written {};
  ::fstatat(tmp_dir, tmp_name.c_str(), &written, AT_SYMLINK_NOFOLLOW);
  if (!disk_matches(*st.root, e.path, job.expected_local)) {
    ++st.local_changes;
    r.outcome = download_result::local_changed;  // keep the .part for later
    return r;
  }
  if (int err = st.root->rename_into(tmp_dir, tmp_name, e.path, true))
    return fail(st, r, "cannot put the file in place: " + problem_reason(err));
  r.entry.mtime_ns = mtime_ns(written);
  ++st.files;
  st.bytes += static_cast<int64_t>(e.size);
  return r;
}

bool write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// Flushes the file system holding the folder `dir_fd` (data and names).
bool sync_file_system(int dir_fd) { return ::syncfs(dir_fd) == 0; }

// The batch form of fetch_file for small files: one POST /objects for
// all of them, every temp file written, then ONE flush for all their
// data (instead of an fsync each), the same per-file check of the
// destination and rename, and one more flush for the new names.
void fetch_small_files(downloader_state& st, const std::vector<download_job>& jobs, const std::vector<size_t>& which,
                       std::vector<download_result>& results) {
  std::vector<std::string> wanted;
  for (auto i : which) wanted.push_back(jobs[i].entry.sha256);
  std::vector<std::optional<std::string>> contents;
  auto reply = st.hub->fetch_objects(wanted, &contents);
  if (reply.kind == error_kind::unsupported) {  // a hub without POST /objects: one by one
    for (auto i : which) results[i] = fetch_file(st, jobs[i]);
    return;
  }
  if (!reply.ok() || contents.size() != which.size()) {
    for (auto i : which) {
      results[i].entry = jobs[i].entry;
      results[i] = fail(st, results[i], reply.error.empty() ? "hub unreachable" : reply.error);
    }
    return;
  }
  temp_area tmp_area;
  if (int err = open_temp_area(*st.root, &tmp_area)) {
    for (auto i : which) {
      results[i].entry = jobs[i].entry;
      results[i] = fail(st, results[i], "cannot open .syncer/tmp: " + problem_reason(err));
    }
    return;
  }
  int tmp_dir = tmp_area.dir.get();
  struct written_file {
    size_t job;
    std::string tmp;
    int64_t mtime_ns;
  };
  std::vector<written_file> written;
  for (size_t k = 0; k < which.size(); ++k) {
    auto i = which[k];
    const auto& e = jobs[i].entry;
    auto& r = results[i];
    r.entry = e;
    if (!contents[k]) {
      r.outcome = download_result::gone;  // the hub moved on; re-plan
      r.error = "the hub no longer has " + e.sha256;
      continue;
    }
    if (contents[k]->size() != e.size || sha256_hex(*contents[k]) != e.sha256) {
      r = fail(st, r, "downloaded content does not match its sha256");
      continue;
    }
    // One temp file per job: a batch may hold the same content for several
    // paths. (Leftovers of a crash are removed when the client starts.)
    std::string tmp = "batch-" + e.sha256 + "-" + std::to_string(k) + ".tmp";
    int fd = ::openat(tmp_dir, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      r = fail(st, r, std::string("cannot create temp file: ") + std::strerror(errno));
      continue;
    }
    bool ok = write_all(fd, *contents[k]);
    if (ok && e.mtime_ns > 0) {
      struct timespec times[2];
      times[0].tv_sec = e.mtime_ns / 1000000000;
      times[0].tv_nsec = e.mtime_ns % 1000000000;
      times[1] = times[0];
      ::futimens(fd, times);
    }
    struct stat after {};
    ok = ok && ::fstat(fd, &after) == 0;
    ::close(fd);
    if (!ok) {
      ::unlinkat(tmp_dir, tmp.c_str(), 0);
      r = fail(st, r, with_space_reason(st, e.size, std::string("cannot write temp file: ") + std::strerror(errno)));
      continue;
    }
    written.push_back({i, tmp, mtime_ns(after)});
  }
  if (written.empty()) return;
  if (!sync_file_system(tmp_dir)) {
    for (const auto& w : written) {
      ::unlinkat(tmp_dir, w.tmp.c_str(), 0);
      results[w.job] = fail(st, results[w.job], "cannot flush the downloaded files");
    }
    return;
  }
  for (const auto& w : written) {
    const auto& job = jobs[w.job];
    auto& r = results[w.job];
    if (!disk_matches(*st.root, job.entry.path, job.expected_local)) {
      ++st.local_changes;
      r.outcome = download_result::local_changed;
      ::unlinkat(tmp_dir, w.tmp.c_str(), 0);
      continue;
    }
    if (int err = st.root->rename_into(tmp_dir, w.tmp, job.entry.path, false)) {
      ::unlinkat(tmp_dir, w.tmp.c_str(), 0);
      r = fail(st, r, "cannot put the file in place: " + problem_reason(err));
      continue;
    }
    r.entry.mtime_ns = w.mtime_ns;
    ++st.files;
    st.bytes += static_cast<int64_t>(job.entry.size);
  }
  // The index records these files after this returns; the names must be
  // on disk first.
  sync_file_system(st.root->fd());
}

// One job, checked first.
download_result run_job(downloader_state& st, const download_job& job) {
  download_result r;
  r.entry = job.entry;
  if (!st.root) return fail(st, r, st.root_error);
  if (auto why = refuse(job.entry)) return fail(st, r, *why);
  return job.entry.deleted ? apply_tombstone(st, job) : job.entry.is_dir ? make_folder(st, job) : fetch_file(st, job);
}

std::vector<download_result> fetch_batch(downloader_state& st, const std::vector<download_job>& jobs) {
  std::vector<download_result> results(jobs.size());
  std::vector<size_t> small;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const auto& e = jobs[i].entry;
    if (!st.root || refuse(e)) {
      results[i] = run_job(st, jobs[i]);
      continue;
    }
    if (!e.deleted && !e.is_dir && e.size > 0 && e.size < max_batched_download_bytes) {
      small.push_back(i);
      continue;
    }
    results[i] = run_job(st, jobs[i]);
  }
  if (small.size() == 1) results[small[0]] = fetch_file(st, jobs[small[0]]);
  else if (!small.empty()) fetch_small_files(st, jobs, small, results);
  return results;
}

}  // namespace

downloader_actor spawn_downloader(caf::actor_system& sys, std::string root, hub_api_factory hub) {
  auto behavior = [](downloader_actor::stateful_pointer<downloader_state> self, std::string root,
                     hub_api_factory hub) -> downloader_actor::behavior_type {
    self->state.root = sync_root::open(root, &self->state.root_error);
    self->state.hub = hub();
    return {
        [self](download_atom, const download_job& job) {
          auto& st = self->state;
          st.current = job.entry.path;
          download_result r = run_job(st, job);
          st.current.clear();
          log::debug("downloader", job.entry.path + " outcome " + std::to_string(r.outcome));
          return r;
        },
        [self](download_atom, const std::vector<download_job>& jobs) {
          auto& st = self->state;
          st.current = "batch of " + std::to_string(jobs.size());
          auto results = fetch_batch(st, jobs);
          st.current.clear();
          ++st.batches;
          return results;
        },
        [self](inspect_atom) {
          auto& s = self->state;
          actor_state st;
          st.name = "downloader";
          st.counters["queue"] = static_cast<int64_t>(self->mailbox().size());
          st.counters["downloaded_files"] = s.files;
          st.counters["downloaded_bytes"] = s.bytes;
          st.counters["delta_downloads"] = s.deltas;
          st.counters["taken_from_prefetch"] = s.prefetched;
          st.counters["delta_bytes_received"] = s.delta_bytes;
          st.counters["folders"] = s.folders;
          st.counters["removals"] = s.removals;
          st.counters["kept_local_changes"] = s.local_changes;
          st.counters["failures"] = s.failures;
          st.counters["batches"] = s.batches;
          st.info["in_flight"] = s.current;
          st.info["last_error"] = s.last_error;
          return st;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior, std::move(root), std::move(hub));
}

}  // namespace syncer
