// Block lists and the numbers of the X-Delta-* headers
// (storage/block_delta.h): parse_decimal (X-Delta-Size, X-Delta-Block-Size,
// block indexes), parse_block_list (X-Delta-Literal, the "literal" field of
// GET /delta) and parse_checksums_hex (GET /blocks).
//
// Input: NUL-separated fields
//   0: block list text ("0-3,17")
//   1: file size in bytes, decimal (the block count follows from it and the
//      block size); values past 16 GiB are clamped so that one input
//      cannot ask for a list of billions of blocks (the hub refuses sizes
//      over max_upload_bytes before it parses the list)
//   2: block size, decimal (4096..16 MiB as the hub accepts; else 128 KiB)
//   3: checksum hex (16 hex digits per block)
//
// Properties checked besides "no crash, no sanitizer report":
//   - parse_decimal accepts exactly 1-19 ASCII digits, with their value;
//   - a parsed block list is strictly increasing, below the count, and
//     format_block_list/parse_block_list round-trip it;
//   - the literal bytes of a list never exceed the file size;
//   - checksums_hex(parse_checksums_hex(x)) == x, and changed_blocks of a
//     list against itself is empty.
#include <charconv>
#include <string>

#include "storage/block_delta.h"
#include "tests/fuzz/fuzz_util.h"

using namespace syncer;

namespace {

void check_decimal(std::string_view text) {
  uint64_t value = 12345;
  bool ok = parse_decimal(text, &value);
  bool digits_only = !text.empty() && text.size() <= 19 && text.find_first_not_of("0123456789") == std::string_view::npos;
  FUZZ_CHECK(ok == digits_only);
  if (!ok) {
    FUZZ_CHECK(value == 12345);  // untouched on failure
    return;
  }
  uint64_t expected = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), expected);
  FUZZ_CHECK(ec == std::errc{} && end == text.data() + text.size() && expected == value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fields = fuzz::split_fields(fuzz::as_text(data, size), 4);
  for (size_t i = 0; i < 3; ++i) check_decimal(fields[i]);

  uint64_t file_size = 0, block_size = 0;
  if (!parse_decimal(fields[1], &file_size)) file_size = 1 << 20;
  file_size = std::min<uint64_t>(file_size, 16ull << 30);
  if (!parse_decimal(fields[2], &block_size) || block_size < 4096 || block_size > (16u << 20))
    block_size = delta_block_size;
  uint64_t count = block_count(file_size, block_size);

  std::string error;
  auto blocks = parse_block_list(fields[0], count, &error);
  if (blocks) {
    for (size_t i = 0; i < blocks->size(); ++i) {
      FUZZ_CHECK((*blocks)[i] < count);
      if (i) FUZZ_CHECK((*blocks)[i] > (*blocks)[i - 1]);
    }
    auto text = format_block_list(*blocks);
    std::string error2;
    auto again = parse_block_list(text, count, &error2);
    FUZZ_CHECK(again && *again == *blocks);
    FUZZ_CHECK(format_block_list(*again) == text);
    FUZZ_CHECK(literal_bytes(*blocks, file_size, block_size) <= file_size);
  } else {
    FUZZ_CHECK(!error.empty());
  }

  auto sums = parse_checksums_hex(fields[3]);
  if (sums) {
    FUZZ_CHECK(sums->size() * 16 == fields[3].size());
    FUZZ_CHECK(checksums_hex(*sums) == fields[3]);
    // Against itself nothing changed; against an empty base everything did.
    FUZZ_CHECK(changed_blocks(*sums, *sums).empty());
    auto all = changed_blocks(*sums, {});
    FUZZ_CHECK(all.size() == sums->size());
    for (size_t i = 0; i < all.size(); ++i) FUZZ_CHECK(all[i] == i);
  }
  return 0;
}
