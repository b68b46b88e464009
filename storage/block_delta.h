// Block-level deltas for large files, as Syncthing and rsync users expect:
// when 1 MiB changes inside a 256 MiB file, only the blocks that changed
// travel. Files are cut into fixed-size blocks at fixed offsets (in-place
// edits and appends, the common case for large files: disk images,
// databases, media being written). A new version is described by the
// indexes of its "literal" blocks; every other block is copied from a
// base version the receiver already holds at the same offset.
//
// Block checksums are a fast 64-bit hash (XXH64) used only to FIND the
// changed blocks; correctness never rests on them: the rebuilt file is
// hashed with SHA-256 as it is written and must equal the sha256 the
// sender named, or it is thrown away and the whole file is sent.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/rules/block_list.h"
#include "actors/rules/transfer_policy.h"  // delta_block_size, delta_min_file_size
#include "storage/sha256.h"

namespace syncer {

// XXH64 of `data` (seed 0).
uint64_t block_checksum(const void* data, size_t size);


// Checksums of every block of the file at `path`, read in order. When
// `stop` becomes true the work ends early (nullopt, "stopped").
std::optional<std::vector<uint64_t>> file_block_checksums(const std::string& path, uint64_t block_size,
                                                          std::string* error,
                                                          const std::atomic<bool>* stop = nullptr);

// Blocks of the file `to` whose bytes differ from the file `from` at the
// same offset (or lie past its end), by direct comparison: the hub holds
// both versions and needs no checksums.
std::optional<std::vector<uint64_t>> differing_blocks(const std::string& from, const std::string& to,
                                                      uint64_t block_size, std::string* error);

// Writes a new version of a file from a base file plus the bytes of its
// literal blocks, which arrive in order through put(); every other block
// is copied from the base at the same offset. Everything written is
// hashed on the way, so the caller checks the SHA-256 without reading
// the result again.
class delta_writer {
 public:
  delta_writer() = default;
  ~delta_writer();
  delta_writer(const delta_writer&) = delete;
  delta_writer& operator=(const delta_writer&) = delete;

  // Opens `base_path` for reading and creates (truncates) `out_path`.
  bool open(const std::string& base_path, const std::string& out_path, uint64_t size, uint64_t block_size,
            std::vector<uint64_t> literal_blocks, std::string* error);
  // The next bytes of the literal blocks, in order.
  bool put(const void* data, size_t size, std::string* error);
  // Copies the base blocks after the last literal one; fails if literal
  // bytes are missing or the base is shorter than the blocks it must give.
  bool finish(std::string* error);
  // SHA-256 of everything written (after finish()).
  std::string sha256() { return hash_.hex_digest(); }
  uint64_t literal_bytes_expected() const { return literal_total_; }
  uint64_t literal_bytes_received() const { return literal_received_; }

 private:
  bool copy_base_until(uint64_t end, std::string* error);
  bool write_out(const char* data, size_t size, std::string* error);

  int base_fd_ = -1;
  int out_fd_ = -1;
  uint64_t size_ = 0, block_size_ = 0, pos_ = 0;
  std::vector<uint64_t> literal_;
  size_t next_literal_ = 0;
  uint64_t left_in_block_ = 0;
  uint64_t literal_total_ = 0, literal_received_ = 0;
  sha256_stream hash_;
  std::vector<char> buffer_;
};

}  // namespace syncer
