#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "storage/block_delta.h"
#include "storage/sha256.h"

using namespace syncer;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }
std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// The literal bytes of `blocks` in `content`, in order.
std::string literal_payload(const std::string& content, const std::vector<uint64_t>& blocks, uint64_t bs) {
  std::string out;
  for (auto b : blocks) out += content.substr(b * bs, bs);
  return out;
}

}  // namespace

TEST(BlockChecksum, MatchesXxh64ReferenceValues) {
  // XXH64 with seed 0, from the xxHash specification's test values.
  EXPECT_EQ(block_checksum("", 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(block_checksum("a", 1), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(block_checksum("abc", 3), 0x44BC2CF5AD770999ULL);
}

TEST(BlockChecksum, DiffersForOneChangedByteAnywhere) {
  auto block = random_bytes(delta_block_size, 1);
  auto base = block_checksum(block.data(), block.size());
  for (size_t at : {size_t{0}, size_t{31}, size_t{32}, block.size() / 2, block.size() - 1}) {
    auto changed = block;
    changed[at] ^= 1;
    EXPECT_NE(block_checksum(changed.data(), changed.size()), base) << at;
  }
}

TEST(BlockList, FormatsRangesAndParsesThemBack) {
  std::vector<uint64_t> blocks{0, 1, 2, 3, 17, 20, 21};
  EXPECT_EQ(format_block_list(blocks), "0-3,17,20-21");
  std::string error;
  auto parsed = parse_block_list("0-3,17,20-21", 22, &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(*parsed, blocks);
  EXPECT_EQ(format_block_list({}), "");
  EXPECT_TRUE(parse_block_list("", 5, &error)->empty());
}

TEST(BlockList, RefusesMalformedOutOfOrderAndOutOfRangeLists) {
  std::string error;
  for (const char* bad : {"x", "1,", ",1", "3-1", "1-", "-1", "2,1", "1,1", "1-3,3", "5", "0-5", "1 2"}) {
    error.clear();
    EXPECT_FALSE(parse_block_list(bad, 5, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(ChecksumsHex, RoundTripsAndRefusesBadText) {
  std::vector<uint64_t> sums{0, 1, 0xEF46DB3751D8E999ULL, ~uint64_t{0}};
  auto hex = checksums_hex(sums);
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(*parse_checksums_hex(hex), sums);
  EXPECT_FALSE(parse_checksums_hex("abc"));
  EXPECT_FALSE(parse_checksums_hex("000000000000000G"));
}

TEST(BlockDelta, FindsTheChangedBlocksOfAnInPlaceEditAndAnAppend) {
  temp_dir dir;
  const uint64_t bs = 4096;
  auto base = random_bytes(10 * bs + 100, 2);  // 11 blocks, the last short
  auto now = base;
  now[3 * bs + 5] ^= 0x55;          // block 3
  now[7 * bs] ^= 0x55;              // block 7
  now += random_bytes(2 * bs, 3);   // block 10 grows, 11 and 12 are new
  write_file(dir.path / "base", base);
  write_file(dir.path / "now", now);
  std::string error;
  auto base_sums = file_block_checksums((dir.path / "base").string(), bs, &error);
  auto now_sums = file_block_checksums((dir.path / "now").string(), bs, &error);
  ASSERT_TRUE(base_sums && now_sums) << error;
  EXPECT_EQ(base_sums->size(), 11u);
  EXPECT_EQ(now_sums->size(), 13u);
  std::vector<uint64_t> want{3, 7, 10, 11, 12};
  EXPECT_EQ(changed_blocks(*now_sums, *base_sums), want);
  auto direct = differing_blocks((dir.path / "base").string(), (dir.path / "now").string(), bs, &error);
  ASSERT_TRUE(direct) << error;
  EXPECT_EQ(*direct, want);
  EXPECT_EQ(literal_bytes(want, now.size(), bs), 5 * bs - (13 * bs - now.size()));
}

TEST(BlockDelta, RebuildsTheNewVersionFromBaseAndLiteralBlocks) {
  temp_dir dir;
  const uint64_t bs = 4096;
  auto base = random_bytes(20 * bs, 4);
  auto now = base;
  for (size_t i = 5 * bs + 10; i < 9 * bs; ++i) now[i] = 'x';  // blocks 5-8
  now.resize(now.size() - bs / 2);                             // truncated: block 19 is short
  write_file(dir.path / "base", base);
  std::string error;
  auto literal = differing_blocks((dir.path / "base").string(), (write_file(dir.path / "now", now), dir.path / "now").string(),
                                  bs, &error);
  ASSERT_TRUE(literal) << error;
  // The short last block is a prefix of the base's block 19: copied, not sent.
  EXPECT_EQ(format_block_list(*literal), "5-8");
  auto payload = literal_payload(now, *literal, bs);

  delta_writer w;
  ASSERT_TRUE(w.open((dir.path / "base").string(), (dir.path / "out").string(), now.size(), bs, *literal, &error))
      << error;
  EXPECT_EQ(w.literal_bytes_expected(), payload.size());
  // Arrives in odd-sized pieces, as network reads do.
  for (size_t at = 0; at < payload.size(); at += 777)
    ASSERT_TRUE(w.put(payload.data() + at, std::min<size_t>(777, payload.size() - at), &error)) << error;
  ASSERT_TRUE(w.finish(&error)) << error;
  EXPECT_EQ(w.sha256(), sha256_hex(now));
  EXPECT_EQ(read_file(dir.path / "out"), now);
}

TEST(BlockDelta, RefusesMissingOrExtraBytesAndAShortBase) {
  temp_dir dir;
  const uint64_t bs = 1024;
  auto base = random_bytes(4 * bs, 5);
  write_file(dir.path / "base", base);
  auto out = (dir.path / "out").string();
  std::string error;
  {
    delta_writer w;  // block 1 promised, half of it sent
    ASSERT_TRUE(w.open((dir.path / "base").string(), out, 4 * bs, bs, {1}, &error));
    ASSERT_TRUE(w.put(base.data(), bs / 2, &error));
    EXPECT_FALSE(w.finish(&error));
    EXPECT_NE(error.find("cut short"), std::string::npos) << error;
  }
  {
    delta_writer w;  // more bytes than block 1 holds
    ASSERT_TRUE(w.open((dir.path / "base").string(), out, 4 * bs, bs, {1}, &error));
    EXPECT_FALSE(w.put(base.data(), bs + 1, &error));
  }
  {
    delta_writer w;  // a 6-block file whose blocks 4-5 are not sent: the base has only 4
    ASSERT_TRUE(w.open((dir.path / "base").string(), out, 6 * bs, bs, {0}, &error));
    ASSERT_TRUE(w.put(base.data(), bs, &error));
    EXPECT_FALSE(w.finish(&error));
    EXPECT_NE(error.find("shorter"), std::string::npos) << error;
  }
  {
    delta_writer w;
    EXPECT_FALSE(w.open((dir.path / "missing").string(), out, bs, bs, {}, &error));
  }
}

TEST(BlockDelta, ChecksumsStopWhenAsked) {
  temp_dir dir;
  write_file(dir.path / "f", random_bytes(64 * 1024, 6));
  std::atomic<bool> stop{true};
  std::string error;
  EXPECT_FALSE(file_block_checksums((dir.path / "f").string(), 4096, &error, &stop));
  EXPECT_EQ(error, "stopped");
  stop = false;
  auto sums = file_block_checksums((dir.path / "f").string(), 4096, &error, &stop);
  ASSERT_TRUE(sums) << error;
  EXPECT_EQ(sums->size(), 16u);
}
