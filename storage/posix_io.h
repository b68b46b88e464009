// Whole reads and writes over POSIX descriptors, retried across short
// transfers and EINTR, so no caller writes that loop again. Each returns 0
// or the errno of the failure (EIO for a file shorter than asked).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace syncer {

// Writes all of `bytes` at the descriptor's offset.
int write_all(int fd, std::string_view bytes);

// Reads exactly `size` bytes at `offset` into `out`.
int pread_exact(int fd, void* out, size_t size, off_t offset);

// Creates (or truncates) `file` with mode 0644, writes `bytes`, closes it.
int write_whole_file(const std::string& file, std::string_view bytes);

}  // namespace syncer
