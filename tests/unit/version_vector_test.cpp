#include <gtest/gtest.h>

#include "actors/rules/version_vector.h"

using namespace syncer;

namespace {
version_vector vv(std::initializer_list<std::pair<const char*, uint64_t>> items) {
  version_vector v;
  for (auto& [id, c] : items) v.set(id, c);
  return v;
}
}  // namespace

TEST(VersionVector, EmptyVectorsAreEqual) {
  EXPECT_EQ(version_vector{}.compare(version_vector{}), version_order::equal);
}

TEST(VersionVector, OrderedWhenOneDominates) {
  EXPECT_EQ(vv({{"a", 1}}).compare(vv({{"a", 2}})), version_order::before);
  EXPECT_EQ(vv({{"a", 2}}).compare(vv({{"a", 1}})), version_order::after);
  EXPECT_EQ(vv({{"a", 1}}).compare(vv({{"a", 1}, {"b", 1}})), version_order::before);
  EXPECT_EQ(version_vector{}.compare(vv({{"a", 1}})), version_order::before);
}

TEST(VersionVector, ConcurrentWhenNeitherSawTheOther) {
  EXPECT_EQ(vv({{"a", 2}, {"b", 1}}).compare(vv({{"a", 1}, {"b", 2}})), version_order::concurrent);
  EXPECT_EQ(vv({{"a", 1}}).compare(vv({{"b", 1}})), version_order::concurrent);
}

TEST(VersionVector, MergeDominatesBoth) {
  auto a = vv({{"a", 3}, {"b", 1}});
  auto b = vv({{"b", 4}, {"c", 2}});
  auto m = a;
  m.merge(b);
  EXPECT_EQ(m, vv({{"a", 3}, {"b", 4}, {"c", 2}}));
  EXPECT_EQ(a.compare(m), version_order::before);
  EXPECT_EQ(b.compare(m), version_order::before);
}

TEST(VersionVector, IncrementMakesADescendant) {
  auto a = vv({{"a", 3}});
  auto b = a;
  b.increment("b");
  EXPECT_EQ(b.compare(a), version_order::after);
  EXPECT_EQ(b.get("b"), 1u);
}

TEST(VersionVector, TextRoundTrip) {
  auto a = vv({{"zz", 7}, {"a1", 3}});
  EXPECT_EQ(a.to_string(), "a1:3,zz:7");
  auto parsed = version_vector::parse(a.to_string());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, a);
  EXPECT_TRUE(version_vector::parse("")->empty());
}

TEST(VersionVector, ParseRejectsGarbage) {
  for (const char* bad : {"a", "a:", ":1", "a:x", "a:1,", "a:-1", "a:1:2x", "a b:1"})
    EXPECT_FALSE(version_vector::parse(bad)) << bad;
}

TEST(VersionVector, ZeroCountersAreNotStored) {
  auto a = vv({{"a", 0}});
  EXPECT_TRUE(a.empty());
}
