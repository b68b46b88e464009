// syncer_floor: the least work syncer's design can do for an initial sync,
// measured on this machine, so "how close can syncer get to rsync?" is a
// measurement and not an estimate (docs/benchmarks.md, "The design floor").
//
// Three processes on loopback, as syncer runs them, but with everything that
// is not required by the design taken away: no actors, no HTTP, no JSON, no
// SQLite, no scan of the destination, no sync plan. What is left is what
// BRIEF §6 and the never-lose rules require of any implementation:
//   client A  walks the folder, reads each file once, SHA-256 while sending
//             (the content's name: a real client needs it before it can ask
//             the hub whether the content is new, so this is optimistic);
//   hub       receives, SHA-256 (a client may not poison the
//             content-addressed store), writes the object temp -> rename,
//             syncfs per 512 files / fdatasync per large file, and forwards
//             the bytes to B as they arrive (cut-through: optimistic again);
//   client B  receives, SHA-256 (a damaged object never reaches a folder),
//             writes into a temp file, renames it into place.
// Options remove parts so their cost can be read off: --no-hash-a,
// --no-hash-hub, --no-hash-b, --direct (A sends to B itself: one hop, one
// write, i.e. rsync's shape with SHA-256 added).
//
// Prints one JSON line: {"seconds", "cpu_seconds", "files", "dirs", "bytes"}.
// Exit 0 on success; non-zero with one sentence on stderr otherwise.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "storage/sha256.h"

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "syncer_floor: %s: %s\n", what.c_str(), std::strerror(errno));
  std::_Exit(1);
}

constexpr size_t kBuffer = 256 * 1024;   // as syncer's reads and writes
constexpr size_t kSyncEvery = 512;       // files per syncfs, as syncer's batches
constexpr uint64_t kLargeFile = 1 << 20; // fdatasync of its own from here

struct options {
  std::string src, work;
  bool hash_a = true, hash_hub = true, hash_b = true, direct = false;
};

// Buffered writer: small records coalesce into 256 KiB sends, large spans go
// straight to the socket.
class sender {
 public:
  explicit sender(int fd) : fd_(fd) { buf_.reserve(kBuffer); }
  void put(const void* data, size_t size) {
    if (buf_.size() + size > kBuffer) flush();
    if (size >= kBuffer) {
      write_all(static_cast<const char*>(data), size);
      return;
    }
    buf_.insert(buf_.end(), static_cast<const char*>(data), static_cast<const char*>(data) + size);
  }
  void put_u32(uint32_t v) { put(&v, sizeof v); }
  void put_u64(uint64_t v) { put(&v, sizeof v); }
  void flush() {
    write_all(buf_.data(), buf_.size());
    buf_.clear();
  }

 private:
  void write_all(const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        die("send");
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  int fd_;
  std::vector<char> buf_;
};

// Buffered reader: exact reads for headers, spans for file bytes.
class receiver {
 public:
  explicit receiver(int fd) : fd_(fd), buf_(kBuffer) {}
  void get(void* out, size_t size) {
    char* p = static_cast<char*>(out);
    while (size > 0) {
      if (pos_ == end_) fill();
      size_t n = std::min(size, end_ - pos_);
      std::memcpy(p, buf_.data() + pos_, n);
      pos_ += n;
      p += n;
      size -= n;
    }
  }
  uint32_t get_u32() { uint32_t v; get(&v, sizeof v); return v; }
  uint64_t get_u64() { uint64_t v; get(&v, sizeof v); return v; }
  // Up to `max` bytes already received (receiving more first if none are).
  std::pair<const char*, size_t> span(size_t max) {
    if (pos_ == end_) fill();
    size_t n = std::min(max, end_ - pos_);
    const char* p = buf_.data() + pos_;
    pos_ += n;
    return {p, n};
  }

 private:
  void fill() {
    pos_ = end_ = 0;
    for (;;) {
      ssize_t r = ::recv(fd_, buf_.data(), buf_.size(), 0);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) die("recv");
      if (r == 0) {
        errno = EPIPE;
        die("connection closed early");
      }
      end_ = static_cast<size_t>(r);
      return;
    }
  }
  int fd_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
};

void write_all_fd(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

int listen_loopback(uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("bind 127.0.0.1");
  if (::listen(fd, 4) < 0) die("listen");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

int connect_loopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("connect 127.0.0.1");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

int accept_one(int listener) {
  int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) die("accept");
  return fd;
}

// What an unhashed file carries where its SHA-256 would be.
const std::string kNoDigest(64, '0');

// ------------------------------------------------------------- client A

struct walk_stats {
  uint64_t files = 0, dirs = 0, bytes = 0;
};

void send_tree(const options& opt, int dirfd, const std::string& rel, sender& out, walk_stats& stats,
               std::vector<char>& buf) {
  DIR* dir = ::fdopendir(dirfd);
  if (!dir) die("opendir " + rel);
  std::vector<std::string> subdirs;
  while (dirent* e = ::readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    struct stat st;
    if (::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) die("stat");
    std::string path = rel.empty() ? e->d_name : rel + "/" + e->d_name;
    if (S_ISDIR(st.st_mode)) {
      out.put("D", 1);
      out.put_u32(static_cast<uint32_t>(path.size()));
      out.put(path.data(), path.size());
      ++stats.dirs;
      subdirs.push_back(e->d_name);
    } else if (S_ISREG(st.st_mode)) {
      int fd = ::openat(dirfd, e->d_name, O_RDONLY | O_CLOEXEC);
      if (fd < 0) die("open " + path);
      out.put("F", 1);
      out.put_u32(static_cast<uint32_t>(path.size()));
      out.put(path.data(), path.size());
      out.put_u64(static_cast<uint64_t>(st.st_size));
      syncer::sha256_stream hash;
      uint64_t left = static_cast<uint64_t>(st.st_size);
      while (left > 0) {
        ssize_t r = ::read(fd, buf.data(), std::min<uint64_t>(buf.size(), left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) die("read " + path);
        if (opt.hash_a) hash.update(buf.data(), static_cast<size_t>(r));
        out.put(buf.data(), static_cast<size_t>(r));
        left -= static_cast<uint64_t>(r);
      }
      ::close(fd);
      std::string sha = opt.hash_a ? hash.hex_digest() : kNoDigest;
      out.put(sha.data(), 64);
      ++stats.files;
      stats.bytes += static_cast<uint64_t>(st.st_size);
    }
  }
  for (const auto& name : subdirs) {
    int sub = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sub < 0) die("open folder " + name);
    send_tree(opt, sub, rel.empty() ? name : rel + "/" + name, out, stats, buf);
  }
  ::closedir(dir);
}

void run_client_a(const options& opt, uint16_t port) {
  int sock = connect_loopback(port);
  sender out(sock);
  walk_stats stats;
  std::vector<char> buf(kBuffer);
  int root = ::open(opt.src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die("open " + opt.src);
  send_tree(opt, root, "", out, stats, buf);
  out.put("E", 1);
  out.flush();
  char ack;
  receiver(sock).get(&ack, 1);  // the hub has stored everything
  std::printf("%llu %llu %llu\n", static_cast<unsigned long long>(stats.files),
              static_cast<unsigned long long>(stats.dirs), static_cast<unsigned long long>(stats.bytes));
  std::fflush(stdout);
}

// ------------------------------------------------------- hub and client B

// Receives one file's bytes into `fd`, hashing them when `hash_it` and
// passing them on to `forward` when set. Returns the content's name: the
// digest computed here (checked against the sender's, when it sent one) or,
// unhashed, the sender's.
std::string receive_file(receiver& in, int fd, uint64_t size, bool hash_it, sender* forward,
                         const std::string& what) {
  syncer::sha256_stream hash;
  uint64_t left = size;
  while (left > 0) {
    auto [p, n] = in.span(std::min<uint64_t>(left, kBuffer));
    if (hash_it) hash.update(p, n);
    write_all_fd(fd, p, n);
    if (forward) forward->put(p, n);
    left -= n;
  }
  std::string sent(64, '0');
  in.get(sent.data(), 64);
  if (forward) forward->put(sent.data(), 64);
  if (!hash_it) return sent;
  std::string computed = hash.hex_digest();
  if (sent != kNoDigest && computed != sent) {
    errno = EBADMSG;
    die("content of " + what + " does not match its SHA-256");
  }
  return computed;
}

void run_hub(const options& opt, int listener, uint16_t b_port) {
  int from_a = accept_one(listener);
  int to_b = connect_loopback(b_port);
  receiver in(from_a);
  sender out(to_b);
  std::string objects = opt.work + "/hub/objects/", tmp = opt.work + "/hub/tmp/";
  int objects_fd = ::open(objects.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  size_t since_sync = 0, n = 0;
  std::string path;
  for (;;) {
    char type;
    in.get(&type, 1);
    out.put(&type, 1);
    if (type == 'E') break;
    path.resize(in.get_u32());
    in.get(path.data(), path.size());
    out.put_u32(static_cast<uint32_t>(path.size()));
    out.put(path.data(), path.size());
    if (type == 'D') continue;  // a folder is metadata only on the hub
    uint64_t size = in.get_u64();
    out.put_u64(size);
    std::string temp = tmp + std::to_string(n++);
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die("create " + temp);
    // Cut-through: the bytes go on to B as they arrive; the digest is
    // checked before the object is named.
    std::string name = receive_file(in, fd, size, opt.hash_hub, &out, path);
    if (name == kNoDigest) name += std::to_string(n);  // nobody hashed: keep objects apart
    if (size >= kLargeFile) ::fdatasync(fd);
    ::close(fd);
    if (::renameat(AT_FDCWD, temp.c_str(), objects_fd, name.c_str()) < 0) die("rename object");
    if (++since_sync == kSyncEvery) {
      ::syncfs(objects_fd);
      since_sync = 0;
    }
  }
  out.flush();
  ::syncfs(objects_fd);
  ::send(from_a, "k", 1, MSG_NOSIGNAL);
}

// Client B (or, with --direct, the only receiver of A's stream).
void run_client_b(const options& opt, int listener, bool ack_sender) {
  int sock = accept_one(listener);
  receiver in(sock);
  std::string dst = opt.work + "/dst/";
  std::string tmp = dst + ".tmp/";
  if (::mkdir(tmp.c_str(), 0755) < 0 && errno != EEXIST) die("mkdir " + tmp);
  size_t n = 0;
  std::string path;
  for (;;) {
    char type;
    in.get(&type, 1);
    if (type == 'E') break;
    path.resize(in.get_u32());
    in.get(path.data(), path.size());
    std::string full = dst + path;
    if (type == 'D') {
      if (::mkdir(full.c_str(), 0755) < 0 && errno != EEXIST) die("mkdir " + full);
      continue;
    }
    uint64_t size = in.get_u64();
    std::string temp = tmp + std::to_string(n++);
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die("create " + temp);
    receive_file(in, fd, size, opt.hash_b, nullptr, path);
    if (size >= kLargeFile) ::fdatasync(fd);
    ::close(fd);
    if (::rename(temp.c_str(), full.c_str()) < 0) die("rename into " + full);
  }
  int dfd = ::open(dst.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ::syncfs(dfd);
  ::rmdir(tmp.c_str());
  if (ack_sender) ::send(sock, "k", 1, MSG_NOSIGNAL);
}

void make_dirs(const options& opt) {
  for (const char* sub : {"", "/hub", "/hub/objects", "/hub/tmp", "/dst"}) {
    std::string d = opt.work + sub;
    if (::mkdir(d.c_str(), 0755) < 0 && errno != EEXIST) die("mkdir " + d);
  }
}

int usage() {
  std::fprintf(stderr,
               "usage: syncer_floor SRC WORK [--no-hash-a] [--no-hash-hub] [--no-hash-b] [--direct]\n"
               "Copies SRC to WORK/dst through a minimal hub (WORK/hub) on loopback, doing only the\n"
               "work syncer's design requires, and prints the time and CPU seconds as JSON.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-hash-a") opt.hash_a = false;
    else if (a == "--no-hash-hub") opt.hash_hub = false;
    else if (a == "--no-hash-b") opt.hash_b = false;
    else if (a == "--direct") opt.direct = true;
    else if (a == "--help" || a == "-h") return usage(), 0;
    else if (!a.empty() && a[0] == '-') return usage();
    else positional.push_back(a);
  }
  if (positional.size() != 2) return usage();
  opt.src = positional[0];
  opt.work = positional[1];
  make_dirs(opt);

  uint16_t hub_port = 0, b_port = 0;
  int b_listener = listen_loopback(&b_port);
  int hub_listener = opt.direct ? -1 : listen_loopback(&hub_port);
  std::vector<pid_t> children;
  pid_t b = ::fork();
  if (b == 0) {
    run_client_b(opt, b_listener, opt.direct);
    std::_Exit(0);
  }
  children.push_back(b);
  if (!opt.direct) {
    pid_t hub = ::fork();
    if (hub == 0) {
      run_hub(opt, hub_listener, b_port);
      std::_Exit(0);
    }
    children.push_back(hub);
  }
  int pipefd[2];
  if (::pipe(pipefd) < 0) die("pipe");
  auto started = std::chrono::steady_clock::now();
  pid_t a = ::fork();
  if (a == 0) {
    ::dup2(pipefd[1], STDOUT_FILENO);
    run_client_a(opt, opt.direct ? b_port : hub_port);
    std::_Exit(0);
  }
  ::close(pipefd[1]);
  children.push_back(a);
  bool ok = true;
  for (pid_t child : children) {
    int status = 0;
    ::waitpid(child, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char counts[128] = {0};
  ssize_t got = ::read(pipefd[0], counts, sizeof counts - 1);
  (void)got;
  if (!ok) {
    std::fprintf(stderr, "syncer_floor: a process of the copy failed\n");
    return 1;
  }
  rusage ru{};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  unsigned long long files = 0, dirs = 0, bytes = 0;
  std::sscanf(counts, "%llu %llu %llu", &files, &dirs, &bytes);
  std::printf("{\"seconds\": %.4f, \"cpu_seconds\": %.4f, \"files\": %llu, \"dirs\": %llu, \"bytes\": %llu}\n",
              seconds, cpu, files, dirs, bytes);
  return 0;
}
