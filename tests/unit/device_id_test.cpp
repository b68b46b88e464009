#include <gtest/gtest.h>

#include "actors/rules/device_binding.h"
#include "actors/rules/device_id.h"

using namespace syncer;

namespace {
fingerprint counting() {
  fingerprint fp{};
  for (size_t i = 0; i < fp.size(); ++i) fp[i] = static_cast<uint8_t>(i);
  return fp;
}
version_vector vv(std::initializer_list<std::pair<const char*, uint64_t>> items) {
  version_vector v;
  for (auto& [id, c] : items) v.set(id, c);
  return v;
}
}  // namespace

// Expected values from an independent implementation (Python base64 + Luhn mod 32).
TEST(DeviceId, FormatsFingerprints) {
  struct row {
    fingerprint fp;
    const char* id;
    const char* client;
  };
  fingerprint ones;
  ones.fill(0xff);
  for (const auto& r : {row{fingerprint{}, "AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA", "AAAAAAAAAAAAAAAA"},
                        row{counting(), "AAAQEAY-EAUDAO5-CAJBIFQ-YDIOB4X-IBCEQTC-QKRMFYM-YDENBWH-A5DYPQS",
                            "AAAQEAYEAUDAOCAJ"},
                        row{ones, "7777777-777777N-7777777-777777N-7777777-777777N-7777777-77777QL",
                            "7777777777777777"}}) {
    auto id = device_id_from_fingerprint(r.fp);
    EXPECT_EQ(id, r.id);
    EXPECT_EQ(device_client_id(id), r.client);
    std::string error;
    EXPECT_EQ(parse_device_id(id, &error).value_or(""), id) << error;
  }
}

TEST(DeviceId, ParsesWhatPeopleType) {
  const std::string id = "AAAQEAY-EAUDAO5-CAJBIFQ-YDIOB4X-IBCEQTC-QKRMFYM-YDENBWH-A5DYPQS";
  for (const char* typed : {"aaaqeay-eaudao5-cajbifq-ydiob4x-ibceqtc-qkrmfym-ydenbwh-a5dypqs",
                            "AAAQEAYEAUDAO5CAJBIFQYDIOB4XIBCEQTCQKRMFYMYDENBWHA5DYPQS",
                            "AAAQEAY EAUDA05 CAJB1FQ YD1OB4X IBCEQTC QKRMFYM YDENBWH A5DYPQS"}) {
    std::string error;
    EXPECT_EQ(parse_device_id(typed, &error).value_or("?"), id) << typed << ": " << error;
  }
}

TEST(DeviceId, RefusesTyposAndJunk) {
  const std::string id = "AAAQEAY-EAUDAO5-CAJBIFQ-YDIOB4X-IBCEQTC-QKRMFYM-YDENBWH-A5DYPQS";
  // Every single-character substitution is caught by a check character.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  for (size_t i = 0; i < id.size(); ++i) {
    if (id[i] == '-') continue;
    for (char c : alphabet) {
      if (c == id[i]) continue;
      auto typo = id;
      typo[i] = c;
      std::string error;
      EXPECT_FALSE(parse_device_id(typo, &error)) << typo;
    }
  }
  for (const char* bad : {"", "AAAQEAY", "AAAQEAY-EAUDAO5-CAJBIFQ-YDIOB4X-IBCEQTC-QKRMFYM-YDENBWH-A5DYPQSA",
                          "AAAQEAY-EAUDAO5-CAJBIFQ-YDIOB4X-IBCEQTC-QKRMFYM-YDENBWH-A5DYPQ9",
                          "AAAQEAY/EAUDAO5-CAJBIFQ-YDIOB4X-IBCEQTC-QKRMFYM-YDENBWH-A5DYPQS"}) {
    std::string error;
    EXPECT_FALSE(parse_device_id(bad, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
  EXPECT_EQ(device_client_id("not an id"), "");
}

TEST(DeviceBinding, OnlyTheOwnCounterMayAdvance) {
  struct row {
    std::optional<version_vector> current;
    version_vector proposed;
    bool ok;
  };
  for (const auto& r : {
           row{std::nullopt, vv({{"me", 1}}), true},                     // a new path
           row{std::nullopt, vv({{"other", 9}, {"me", 1}}), true},       // unknown path: no history to forge
           row{vv({{"other", 3}}), vv({{"other", 3}, {"me", 1}}), true},  // an edit of what the hub holds
           row{vv({{"other", 5}}), vv({{"other", 3}, {"me", 1}}), true},  // stale base: a conflict, not a forgery
           row{vv({{"me", 2}}), vv({{"me", 7}}), true},                   // own counter jumps: allowed
           row{vv({{"other", 3}}), vv({{"other", 4}, {"me", 1}}), false}, // advances another's counter
           row{vv({{"me", 1}}), vv({{"me", 2}, {"third", 1}}), false},    // invents another's counter
       }) {
    auto err = foreign_counter_error(r.current, r.proposed, "me");
    EXPECT_EQ(!err.has_value(), r.ok) << r.proposed.to_string();
  }
}

TEST(DeviceBinding, ClientIdClaims) {
  EXPECT_FALSE(client_id_claim_error("", "me"));
  EXPECT_FALSE(client_id_claim_error("me", "me"));
  EXPECT_TRUE(client_id_claim_error("other", "me"));
}
