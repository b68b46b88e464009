#include "actors/watcher.h"

#include <dirent.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <map>
#include <set>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/log.h"
#include "actors/rules/local_safety.h"
#include "actors/rules/path_rules.h"

namespace syncer {
namespace {

using clock_type = std::chrono::steady_clock;

// Content changes come from IN_CLOSE_WRITE and also IN_MODIFY: truncate(2)
// and writers that never close send only the latter. A file still open
// for writing is not published (the folder-model waits for the close, at
// most publish_policy::max_wait) and its further events fold into one
// scheduled look, so a big copy costs no hash per write().
constexpr uint32_t watch_mask = IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW;

struct watcher_state {
  watcher_config config;
  change_sink_actor sink;
  int fd = -1;
  std::unordered_map<int, std::string> dir_of_wd;  // wd -> relative folder ("" = root)
  std::set<std::string> pending;
  clock_type::time_point first_event, last_event;
  // A .syncignore changed: once the write settled, refresh the rules and
  // walk the tree again to watch newly un-ignored folders.
  std::optional<clock_type::time_point> rewalk_at;
  int64_t events = 0, batches = 0, overflows = 0, watch_failures = 0, skipped_dirs = 0, watches_recovered = 0;
  // Folders whose watch could not be added (unreadable, the inotify
  // limit): tried again with back-off; once watched, everything in them is
  // reported, so what changed meanwhile is seen.
  struct unwatched_folder {
    clock_type::time_point retry_at;
    int attempts = 0;
  };
  std::map<std::string, unwatched_folder> unwatched;
  bool rescan_wanted = false;
  std::vector<std::pair<std::string, std::string>> reported;  // watch failures and recoveries for the sink  // a watch came back: what was deleted or moved away meanwhile needs a full look
  std::string last_error;

  ~watcher_state() {
    if (fd >= 0) ::close(fd);
  }

  std::string full(const std::string& rel) const { return rel.empty() ? config.root : config.root + "/" + rel; }

  // Watches `rel` and every folder below it; every entry found is reported
  // as changed when `report` (a folder moved in or created with content),
  // or, with `report_new`, when its folder was not watched before (a folder
  // un-ignored by a rules change: files made before its watch existed).
  void watch_tree(const std::string& rel, bool report, bool report_new = false) {
    if (!rel.empty() && (is_internal_path(rel) || (config.skip_dir && config.skip_dir(rel)))) {
      ++skipped_dirs;
      log::debug("watcher", "not watching ignored folder " + rel);
      return;
    }
    // IN_DONT_FOLLOW | IN_ONLYDIR: a link in the folder is never watched through.
    int wd = inotify_add_watch(fd, full(rel).c_str(), watch_mask);
    if (wd < 0) {
      ++watch_failures;
      int err = errno;
      last_error = "cannot watch " + full(rel) + ": " + std::strerror(err) +
                   (err == ENOSPC ? " (the inotify watch limit, fs.inotify.max_user_watches, is reached; "
                                    "the folder is rescanned instead)"
                                  : "");
      if (err == ENOENT || err == ENOTDIR) {  // gone meanwhile: nothing to watch
        unwatched.erase(rel);
        return;
      }
      auto& retry = unwatched[rel];
      ++retry.attempts;
      retry.retry_at = clock_type::now() + std::chrono::milliseconds(backoff_policy{}.delay_ms(retry.attempts));
      if (retry.attempts == 1) {
        log::warn("watcher", last_error);
        reported.emplace_back(rel, err == ENOSPC ? "not watched: the inotify watch limit is reached (raise "
                                                   "fs.inotify.max_user_watches); changes are found by rescans"
                                                 : std::string("not watched: ") + std::strerror(err));
      }
      // The folder-model looks at it now: an unreadable folder becomes a
      // reported problem; the periodic rescan covers what a missing watch
      // misses.
      if (!rel.empty()) note(rel);
      return;
    }
    if (unwatched.erase(rel)) {
      ++watches_recovered;
      report = true;          // what it holds may have changed while it was not watched
      rescan_wanted = true;   // and what left it meanwhile is only found by comparing with the index
      log::info("watcher", "watching " + (rel.empty() ? std::string("/") : rel) + " again");
      reported.emplace_back(rel, std::string());
      note(rel);
    }
    auto known = dir_of_wd.find(wd);
    bool newly_watched = known == dir_of_wd.end() || known->second != rel;
    dir_of_wd[wd] = rel;  // a folder moved within the tree keeps its wd
    if (newly_watched) log::debug("watcher", "watching " + (rel.empty() ? "/" : rel));
    if (report_new && newly_watched) report = true;
    DIR* dir = ::opendir(full(rel).c_str());
    if (!dir) return;
    while (auto* ent = ::readdir(dir)) {
      std::string name = ent->d_name;
      if (name == "." || name == "..") continue;
      std::string child = rel.empty() ? name : rel + "/" + name;
      if (is_internal_path(child)) continue;
      if (report) note(child);
      bool is_dir = ent->d_type == DT_DIR;
      if (ent->d_type == DT_UNKNOWN) {
        struct stat st {};
        is_dir = ::lstat(full(child).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      }
      if (is_dir) watch_tree(child, report, report_new);
    }
    ::closedir(dir);
  }

  void forget_tree(const std::string& rel) {
    for (auto it = dir_of_wd.begin(); it != dir_of_wd.end();) {
      const auto& d = it->second;
      if (d == rel || (d.size() > rel.size() && d.compare(0, rel.size(), rel) == 0 && d[rel.size()] == '/')) {
        inotify_rm_watch(fd, it->first);
        it = dir_of_wd.erase(it);
      } else {
        ++it;
      }
    }
  }

  void note(const std::string& rel) {
    auto now = clock_type::now();
    if (pending.empty()) first_event = now;
    last_event = now;
    pending.insert(rel);
  }
};

void handle_event(watcher_state& st, const inotify_event* ev, bool* overflow) {
  ++st.events;
  if (ev->mask & IN_Q_OVERFLOW) {
    *overflow = true;
    return;
  }
  auto it = st.dir_of_wd.find(ev->wd);
  if (it == st.dir_of_wd.end()) return;
  if (ev->mask & IN_IGNORED) {
    st.dir_of_wd.erase(it);
    return;
  }
  if (ev->len == 0) return;  // events about the watched folder itself
  std::string name = ev->name;
  std::string rel = it->second.empty() ? name : it->second + "/" + name;
  if (is_internal_path(rel)) return;
  st.note(rel);
  if (name == ".syncignore") st.rewalk_at = clock_type::now() + std::chrono::milliseconds(20);
  if (ev->mask & IN_ISDIR) {
    if (ev->mask & (IN_CREATE | IN_MOVED_TO)) st.watch_tree(rel, true);
    if (ev->mask & IN_MOVED_FROM) st.forget_tree(rel);
  }
}

}  // namespace

watcher_actor spawn_watcher(caf::actor_system& sys, watcher_config config, change_sink_actor sink) {
  auto behavior = [](watcher_actor::stateful_pointer<watcher_state> self, watcher_config config,
                     change_sink_actor sink) -> watcher_actor::behavior_type {
    auto& st = self->state;
    st.config = std::move(config);
    st.sink = std::move(sink);
    st.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (st.fd < 0) {
      st.last_error = std::string("inotify unavailable: ") + std::strerror(errno);
      log::error("watcher", st.last_error);
    } else {
      st.watch_tree("", false);
      log::info("watcher", "watching " + std::to_string(st.dir_of_wd.size()) + " folders under " + st.config.root);
    }
    self->send(self, poll_atom::value);
    return {
        [self](poll_atom) {
          auto& st = self->state;
          if (st.fd < 0) return;
          // Short poll: inspect and exit messages wait for it to end (an
          // inspect of the node waits for every actor). 10 ms costs about
          // 0.1% of a core while idle; 50 ms made `syncer inspect` and
          // everything polling it up to 50 ms late.
          int timeout_ms = st.pending.empty() ? 10 : std::max(1, st.config.quiet_ms / 2);
          pollfd pfd{st.fd, POLLIN, 0};
          bool overflow = false;
          if (::poll(&pfd, 1, timeout_ms) > 0) {
            alignas(inotify_event) char buf[64 * 1024];
            for (;;) {
              ssize_t n = ::read(st.fd, buf, sizeof buf);
              if (n <= 0) break;
              for (char* p = buf; p < buf + n;) {
                auto* ev = reinterpret_cast<inotify_event*>(p);
                handle_event(st, ev, &overflow);
                p += sizeof(inotify_event) + ev->len;
              }
            }
          }
          if (overflow) {
            ++st.overflows;
            log::warn("watcher", "inotify queue overflowed; asking for a full rescan");
            st.pending.clear();
            // Watches survive an overflow, but folders created meanwhile
            // may be unwatched: walk the tree again.
            st.watch_tree("", false);
            self->send(st.sink, rescan_atom::value);
          }
          auto now = clock_type::now();
          using std::chrono::milliseconds;
          if (!st.unwatched.empty()) {
            std::vector<std::string> due;
            for (const auto& [rel, retry] : st.unwatched)
              if (now >= retry.retry_at) due.push_back(rel);
            for (const auto& rel : due) st.watch_tree(rel, false);
          }
          for (auto& [rel, reason] : st.reported) self->send(st.sink, watch_atom::value, rel, reason);
          st.reported.clear();
          if (st.rescan_wanted) {
            st.rescan_wanted = false;
            self->send(st.sink, rescan_atom::value);
          }
          if (st.rewalk_at && now >= *st.rewalk_at) {
            st.rewalk_at.reset();
            if (st.config.ignore_rules_changed) st.config.ignore_rules_changed();
            st.watch_tree("", false, true);
          }
          if (!st.pending.empty() && (now - st.last_event >= milliseconds(st.config.quiet_ms) ||
                                      now - st.first_event >= milliseconds(st.config.max_delay_ms))) {
            std::vector<std::string> batch(st.pending.begin(), st.pending.end());
            st.pending.clear();
            ++st.batches;
            self->send(st.sink, changed_atom::value, std::move(batch));
          }
          self->send(self, poll_atom::value);
        },
        [self](inspect_atom) {
          auto& s = self->state;
          actor_state out;
          out.name = "watcher";
          out.counters["watched_folders"] = static_cast<int64_t>(s.dir_of_wd.size());
          out.counters["pending_paths"] = static_cast<int64_t>(s.pending.size());
          out.counters["events"] = s.events;
          out.counters["batches"] = s.batches;
          out.counters["overflows"] = s.overflows;
          out.counters["skipped_folders"] = s.skipped_dirs;
          out.counters["watch_failures"] = s.watch_failures;
          out.counters["unwatched_folders"] = static_cast<int64_t>(s.unwatched.size());
          out.counters["watches_recovered"] = s.watches_recovered;
          out.info["root"] = s.config.root;
          out.info["last_error"] = s.last_error;
          return out;
        },
    };
  };
  return sys.spawn<caf::detached>(behavior, std::move(config), std::move(sink));
}

}  // namespace syncer
