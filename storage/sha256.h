// Streaming SHA-256 (Crypto++): files are hashed in fixed-size blocks,
// never loaded whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace syncer {

class sha256_stream {
 public:
  sha256_stream();
  ~sha256_stream();
  sha256_stream(const sha256_stream&) = delete;
  sha256_stream& operator=(const sha256_stream&) = delete;

  void update(const void* data, size_t size);
  // Lowercase hex digest; resets the stream.
  std::string hex_digest();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

struct file_digest {
  std::string sha256;
  uint64_t size = 0;
};

// Hashes a whole file in 1 MiB blocks. nullopt + `error` when unreadable.
std::optional<file_digest> sha256_file(const std::string& path, std::string* error);

// Hashes what is left to read of an open file (from its current offset);
// the descriptor stays open. `error` gets strerror on a read failure.
std::optional<file_digest> sha256_fd(int fd, std::string* error);

// SHA-256 of a byte string (tests, small bodies).
std::string sha256_hex(std::string_view bytes);

}  // namespace syncer
