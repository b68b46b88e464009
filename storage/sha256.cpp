#include "storage/sha256.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <cryptopp/sha.h>

namespace syncer {

struct sha256_stream::impl {
  CryptoPP::SHA256 hash;
};

sha256_stream::sha256_stream() : impl_(std::make_unique<impl>()) {}
sha256_stream::~sha256_stream() = default;

void sha256_stream::update(const void* data, size_t size) {
  impl_->hash.Update(static_cast<const CryptoPP::byte*>(data), size);
}

std::string sha256_stream::hex_digest() {
  CryptoPP::byte digest[CryptoPP::SHA256::DIGESTSIZE];
  impl_->hash.Final(digest);
  static const char* hex = "0123456789abcdef";
  std::string out(2 * sizeof digest, '0');
  for (size_t i = 0; i < sizeof digest; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  return out;
}

std::optional<file_digest> sha256_file(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (error) *error = "cannot read " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  auto out = sha256_fd(fd, error);
  if (!out && error) *error = "cannot read " + path + ": " + *error;
  ::close(fd);
  return out;
}

std::optional<file_digest> sha256_fd(int fd, std::string* error) {
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  constexpr size_t block = 1 << 20;
  thread_local std::vector<unsigned char> buffer(block);
  sha256_stream hash;
  file_digest out;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), block);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (error) *error = std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    hash.update(buffer.data(), static_cast<size_t>(n));
    out.size += static_cast<uint64_t>(n);
  }
  out.sha256 = hash.hex_digest();
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  sha256_stream hash;
  hash.update(bytes.data(), bytes.size());
  return hash.hex_digest();
}

}  // namespace syncer
