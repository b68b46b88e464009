#include "storage/block_delta.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace syncer {
namespace {

constexpr uint64_t prime1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t prime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t prime3 = 0x165667B19E3779F9ULL;
constexpr uint64_t prime4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t prime5 = 0x27D4EB2F165667C5ULL;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t read64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);  // x86-64 and arm64 Debian: little-endian
  return v;
}
inline uint32_t read32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t round64(uint64_t acc, uint64_t input) {
  acc += input * prime2;
  acc = rotl(acc, 31);
  return acc * prime1;
}
inline uint64_t merge_round(uint64_t acc, uint64_t val) {
  acc ^= round64(0, val);
  return acc * prime1 + prime4;
}

// Reads up to `size` bytes at `offset`; short only at end of file.
ssize_t read_at(int fd, char* out, size_t size, uint64_t offset) {
  size_t done = 0;
  while (done < size) {
    auto n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

uint64_t block_checksum(const void* data, size_t size) {
  auto p = static_cast<const unsigned char*>(data);
  const auto end = p + size;
  uint64_t h;
  if (size >= 32) {
    uint64_t v1 = prime1 + prime2, v2 = prime2, v3 = 0, v4 = 0 - prime1;
    const auto limit = end - 32;
    do {
      v1 = round64(v1, read64(p));
      v2 = round64(v2, read64(p + 8));
      v3 = round64(v3, read64(p + 16));
      v4 = round64(v4, read64(p + 24));
      p += 32;
    } while (p <= limit);
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge_round(h, v1);
    h = merge_round(h, v2);
    h = merge_round(h, v3);
    h = merge_round(h, v4);
  } else {
    h = prime5;
  }
  h += static_cast<uint64_t>(size);
  while (p + 8 <= end) {
    h ^= round64(0, read64(p));
    h = rotl(h, 27) * prime1 + prime4;
    p += 8;
  }
  if (p + 4 <= end) {
    h ^= static_cast<uint64_t>(read32(p)) * prime1;
    h = rotl(h, 23) * prime2 + prime3;
    p += 4;
  }
  while (p < end) {
    h ^= (*p) * prime5;
    h = rotl(h, 11) * prime1;
    ++p;
  }
  h ^= h >> 33;
  h *= prime2;
  h ^= h >> 29;
  h *= prime3;
  h ^= h >> 32;
  return h;
}

std::optional<std::vector<uint64_t>> file_block_checksums(const std::string& path, uint64_t block_size,
                                                          std::string* error, const std::atomic<bool>* stop) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = errno_text("cannot open " + path);
    return std::nullopt;
  }
  std::vector<uint64_t> sums;
  std::vector<char> block(block_size);
  uint64_t offset = 0;
  while (true) {
    if (stop && stop->load(std::memory_order_relaxed)) {
      *error = "stopped";
      ::close(fd);
      return std::nullopt;
    }
    auto n = read_at(fd, block.data(), block.size(), offset);
    if (n < 0) {
      *error = errno_text("cannot read " + path);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    sums.push_back(block_checksum(block.data(), static_cast<size_t>(n)));
    offset += static_cast<uint64_t>(n);
    if (static_cast<uint64_t>(n) < block_size) break;
  }
  ::close(fd);
  return sums;
}

std::optional<std::vector<uint64_t>> differing_blocks(const std::string& from, const std::string& to,
                                                      uint64_t block_size, std::string* error) {
  int a = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (a < 0) {
    *error = errno_text("cannot open " + from);
    return std::nullopt;
  }
  int b = ::open(to.c_str(), O_RDONLY | O_CLOEXEC);
  if (b < 0) {
    *error = errno_text("cannot open " + to);
    ::close(a);
    return std::nullopt;
  }
  std::vector<uint64_t> out;
  std::vector<char> x(block_size), y(block_size);
  uint64_t offset = 0;
  bool ok = true;
  for (uint64_t i = 0;; ++i, offset += block_size) {
    auto m = read_at(b, y.data(), y.size(), offset);
    auto n = read_at(a, x.data(), x.size(), offset);
    if (m < 0 || n < 0) {
      *error = errno_text("cannot read an object");
      ok = false;
      break;
    }
    if (m == 0) break;
    // A base block shorter than the new one cannot supply it (the base
    // ends inside it); the receiver takes whole blocks only.
    if (n < m || std::memcmp(x.data(), y.data(), static_cast<size_t>(m)) != 0) out.push_back(i);
    if (static_cast<uint64_t>(m) < block_size) break;
  }
  ::close(a);
  ::close(b);
  if (!ok) return std::nullopt;
  return out;
}

delta_writer::~delta_writer() {
  if (base_fd_ >= 0) ::close(base_fd_);
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool delta_writer::open(const std::string& base_path, const std::string& out_path, uint64_t size, uint64_t block_size,
                        std::vector<uint64_t> literal_blocks, std::string* error) {
  if (block_size == 0) {
    *error = "block size must be positive";
    return false;
  }
  base_fd_ = ::open(base_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (base_fd_ < 0) {
    *error = errno_text("cannot open the base version " + base_path);
    return false;
  }
  out_fd_ = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd_ < 0) {
    *error = errno_text("cannot create " + out_path);
    return false;
  }
  size_ = size;
  block_size_ = block_size;
  literal_ = std::move(literal_blocks);
  literal_total_ = literal_bytes(literal_, size_, block_size_);
  buffer_.resize(static_cast<size_t>(std::min<uint64_t>(256 * 1024, std::max<uint64_t>(block_size, 64 * 1024))));
  return true;
}

bool delta_writer::write_out(const char* data, size_t size, std::string* error) {
  size_t done = 0;
  while (done < size) {
    auto n = ::write(out_fd_, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = errno_text("cannot write the new version");
      return false;
    }
    done += static_cast<size_t>(n);
  }
  hash_.update(data, size);
  pos_ += size;
  return true;
}

bool delta_writer::copy_base_until(uint64_t end, std::string* error) {
  while (pos_ < end) {
    auto want = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), end - pos_));
    auto n = read_at(base_fd_, buffer_.data(), want, pos_);
    if (n < 0) {
      *error = errno_text("cannot read the base version");
      return false;
    }
    if (static_cast<size_t>(n) < want) {
      *error = "the base version is shorter than the blocks taken from it";
      return false;
    }
    if (!write_out(buffer_.data(), want, error)) return false;
  }
  return true;
}

bool delta_writer::put(const void* data, size_t size, std::string* error) {
  auto p = static_cast<const char*>(data);
  while (size > 0) {
    if (left_in_block_ == 0) {
      if (next_literal_ >= literal_.size()) {
        *error = "more bytes than the listed blocks hold";
        return false;
      }
      uint64_t start = literal_[next_literal_++] * block_size_;
      if (start >= size_) {
        *error = "a listed block is past the end of the file";
        return false;
      }
      if (!copy_base_until(start, error)) return false;
      left_in_block_ = std::min(block_size_, size_ - start);
    }
    auto take = static_cast<size_t>(std::min<uint64_t>(size, left_in_block_));
    if (!write_out(p, take, error)) return false;
    p += take;
    size -= take;
    left_in_block_ -= take;
    literal_received_ += take;
  }
  return true;
}

bool delta_writer::finish(std::string* error) {
  if (left_in_block_ > 0 || next_literal_ < literal_.size()) {
    *error = "the delta is cut short: " + std::to_string(literal_received_) + " of " +
             std::to_string(literal_total_) + " literal bytes arrived";
    return false;
  }
  if (!copy_base_until(size_, error)) return false;
  if (::close(out_fd_) != 0) {
    out_fd_ = -1;
    *error = errno_text("cannot close the new version");
    return false;
  }
  out_fd_ = -1;
  return true;
}

}  // namespace syncer
