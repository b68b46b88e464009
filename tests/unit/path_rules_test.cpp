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

TEST(PathRules, ConflictCopyOfAHostileClientNameStaysOneComponent) {
  // The reported exploit: a client named "x/../../../escaped/evil" lost a
  // conflict; its copy must stay beside the file, as one valid path.
  auto copy = conflict_copy_path("f1.txt", "20261201-200639", "x/../../../escaped/evil");
  EXPECT_EQ(copy, "f1.sync-conflict-20261201-200639-x_.._.._.._escaped_evil.txt");
  auto normal = normalize_sync_path(copy, nullptr);
  ASSERT_TRUE(normal);
  EXPECT_EQ(*normal, copy);
  EXPECT_EQ(conflict_copy_path("a", "20261201-200639", ".."), "a.sync-conflict-20261201-200639-_");
  EXPECT_EQ(conflict_copy_path("a", "20261201-200639", std::string("b\\c\n", 4)),
            "a.sync-conflict-20261201-200639-b_c_");
}

TEST(PathRules, ConflictCopyNamesStayWithin255Bytes) {
  struct row {
    std::string path, client;
  };
  std::string long_client(128, 'c');
  std::string long_stem(240, 's');
  std::string utf8_stem;
  for (int i = 0; i < 120; ++i) utf8_stem += "\xc3\xbc";  // 240 bytes of 'ü'
  for (const auto& r : std::vector<row>{{"dir/" + long_stem + ".txt", "pc"},
                                         {"dir/short.txt", long_client},
                                         {long_stem + ".txt", long_client},
                                         {utf8_stem + ".md", "laptop"},
                                         {"x." + std::string(250, 'e'), "pc"},
                                         {std::string(255, 'n'), long_client}}) {
    auto copy = conflict_copy_path(r.path, "20261201-200639", r.client);
    auto name = copy.substr(copy.rfind('/') == std::string::npos ? 0 : copy.rfind('/') + 1);
    EXPECT_LE(name.size(), 255u) << copy;
    EXPECT_NE(name.find(".sync-conflict-20261201-200639-"), std::string::npos) << copy;
    std::string error;
    EXPECT_TRUE(normalize_sync_path(copy, &error)) << copy << ": " << error;  // valid UTF-8 too
    EXPECT_TRUE(is_conflict_copy(copy));
  }
  // A short name is left whole.
  EXPECT_EQ(conflict_copy_path("dir/short.txt", "20261201-200639", long_client).size(),
            std::string("dir/short.sync-conflict-20261201-200639-.txt").size() + 128);
}

TEST(PathRules, ClientNames) {
  for (std::string good : {std::string("laptop"), std::string("my pc"), std::string("Bürorechner"), std::string(".hidden"), std::string(128, 'n')})
    EXPECT_FALSE(client_name_error(good)) << good;
  for (std::string bad : {std::string(), std::string("."), std::string(".."), std::string("x/../../../escaped/evil"),
                          std::string("a/b"), std::string("a\\b"), std::string("a\0b", 3), std::string("tab\there"),
                          std::string(129, 'n'), std::string("\xff\xfe")})
    EXPECT_TRUE(client_name_error(bad)) << bad;
}

TEST(PathRules, Sha256Hex) {
  EXPECT_TRUE(is_sha256_hex(std::string(64, 'a')));
  EXPECT_TRUE(is_sha256_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(64, 'A')));
  EXPECT_FALSE(is_sha256_hex("../../../../tmp/x"));
  EXPECT_FALSE(is_sha256_hex(std::string(60, 'a') + "/../"));
}

TEST(PathRules, HubPathsAndDepth) {
  EXPECT_FALSE(hub_path_error("a/b.txt"));
  EXPECT_TRUE(hub_path_error("a/./b.txt"));  // normalizable, but not what a hub sends
  EXPECT_TRUE(hub_path_error(".syncer/index.db"));
  EXPECT_TRUE(hub_path_error("/etc/passwd"));
  EXPECT_EQ(path_depth("a"), 0u);
  EXPECT_EQ(path_depth("a/b/c"), 2u);
}
