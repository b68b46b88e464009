#include "storage/posix_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace syncer {

int write_all(int fd, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

int pread_exact(int fd, void* out, size_t size, off_t offset) {
  size_t done = 0;
  auto* p = static_cast<char*>(out);
  while (done < size) {
    auto n = ::pread(fd, p + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;  // shorter than asked
    done += static_cast<size_t>(n);
  }
  return 0;
}

int write_whole_file(const std::string& file, std::string_view bytes) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  int err = write_all(fd, bytes);
  if (::close(fd) != 0 && err == 0) err = errno;
  return err;
}

}  // namespace syncer
