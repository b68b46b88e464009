#include <gtest/gtest.h>

#include "actors/rules/path_rules.h"

using namespace syncer;

namespace {
std::optional<std::string> decode_and_normalize(const std::string& raw) {
  auto decoded = percent_decode(raw);
  if (!decoded) return std::nullopt;
  std::string error;
  return normalize_sync_path(*decoded, &error);
}
}  // namespace

TEST(PathRules, HostilePathsAreRejected) {
  const char* hostile[] = {
      "",        "/etc/passwd", "../x",        "a/../../x",   "a/..",         "..",
      "a\\b",    "..\\x",       "%2e%2e/x",    "%2E%2E%2Fx",  "a/%2e%2e/%2e%2e/x", "%2fetc/passwd",
      "a%00b",   "a%5cb",       "%",           "%zz",         "%2",           "a/\x01b",
      "\xff\xfe", "C:/x",        "/",           ".",           "./.",          "a/%2e%2e",
  };
  for (const char* raw : hostile) EXPECT_FALSE(decode_and_normalize(raw)) << "accepted: " << raw;
}

TEST(PathRules, NormalPathsAreKeptAndNormalised) {
  EXPECT_EQ(*decode_and_normalize("a/b.txt"), "a/b.txt");
  EXPECT_EQ(*decode_and_normalize("a//b/./c/"), "a/b/c");
  EXPECT_EQ(*decode_and_normalize("caf%C3%A9%20d%C3%A9j%C3%A0/na%C3%AFve%20file.txt"),
            "café déjà/naïve file.txt");
  EXPECT_EQ(*decode_and_normalize("..hidden/x..y"), "..hidden/x..y");
}

TEST(PathRules, ErrorsSaySomething) {
  std::string error;
  EXPECT_FALSE(normalize_sync_path("../x", &error));
  EXPECT_NE(error.find(".."), std::string::npos);
}

TEST(PathRules, PercentEncodeRoundTrips) {
  std::string p = "dir with space/ü+%#?.txt";
  auto enc = percent_encode_path(p);
  EXPECT_EQ(enc.find(' '), std::string::npos);
  EXPECT_EQ(*percent_decode(enc), p);
}

TEST(PathRules, InternalFolderIsRecognised) {
  EXPECT_TRUE(is_internal_path(".syncer"));
  EXPECT_TRUE(is_internal_path(".syncer/index.db"));
  EXPECT_FALSE(is_internal_path(".syncerx"));
  EXPECT_FALSE(is_internal_path("a/.syncer"));
}

TEST(PathRules, ConflictCopyNames) {
  EXPECT_EQ(conflict_copy_path("docs/report.txt", "20261124-223000", "laptop"),
            "docs/report.sync-conflict-20261124-223000-laptop.txt");
  EXPECT_EQ(conflict_copy_path(".bashrc", "20261124-223000", "pc"), ".bashrc.sync-conflict-20261124-223000-pc");
  EXPECT_EQ(conflict_copy_path("Makefile", "20261124-223000", "pc"), "Makefile.sync-conflict-20261124-223000-pc");
  EXPECT_EQ(conflict_copy_path("a.tar.gz", "20261124-223000", "pc"), "a.tar.sync-conflict-20261124-223000-pc.gz");
  EXPECT_TRUE(is_conflict_copy("x/a.sync-conflict-20261124-223000-pc.gz"));
  EXPECT_FALSE(is_conflict_copy("x/a.gz"));
}
