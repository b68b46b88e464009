// The domain kinds <-> HTTP statuses table, both ways: what the hub's edge
// answers for each kind, and what the hub client reads back.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "actors/rules/outcome.h"
#include "net/status_map.h"

namespace syncer {
namespace {

struct row {
  error_kind kind;
  int status;
};

// Every kind the hub sends, and its status on the wire.
const row table[] = {
    {error_kind::ok, 200},
    {error_kind::invalid, 400},
    {error_kind::unauthorized, 401},
    {error_kind::refused, 403},
    {error_kind::not_found, 404},
    {error_kind::stale, 409},
    {error_kind::not_worth_it, 412},
    {error_kind::too_large, 413},
    {error_kind::range_not_satisfiable, 416},
    {error_kind::changed_while_reading, 422},
    {error_kind::failed, 500},
    {error_kind::unsupported, 501},
    {error_kind::unavailable, 503},
    {error_kind::storage_full, 507},
};

TEST(StatusMap, EveryKindTheHubSendsHasOneStatusAndComesBack) {
  for (const auto& r : table) {
    EXPECT_EQ(http_status_of(r.kind), r.status) << to_string(r.kind);
    EXPECT_EQ(error_kind_of_http(r.status), r.kind) << r.status;
  }
}

TEST(StatusMap, NoAnswerIsUnreachableAndTheEdgeNeverSendsZero) {
  EXPECT_EQ(error_kind_of_http(0), error_kind::unreachable);
  EXPECT_EQ(http_status_of(error_kind::unreachable), 503);
}

TEST(StatusMap, OtherStatusesMapToTheNearestKind) {
  EXPECT_EQ(error_kind_of_http(201), error_kind::ok);
  EXPECT_EQ(error_kind_of_http(206), error_kind::ok);
  EXPECT_EQ(error_kind_of_http(405), error_kind::invalid);
  EXPECT_EQ(error_kind_of_http(418), error_kind::invalid);
  EXPECT_EQ(error_kind_of_http(502), error_kind::unavailable);
  EXPECT_EQ(error_kind_of_http(504), error_kind::unavailable);
  EXPECT_EQ(error_kind_of_http(599), error_kind::failed);
  EXPECT_EQ(error_kind_of_http(302), error_kind::invalid);  // syncer never redirects
}

TEST(Outcome, NamesAndTransience) {
  EXPECT_STREQ(to_string(error_kind::storage_full), "storage_full");
  EXPECT_STREQ(to_string(error_kind::changed_while_reading), "changed_while_reading");
  EXPECT_TRUE(is_transient(error_kind::unreachable));
  EXPECT_TRUE(is_transient(error_kind::unavailable));
  EXPECT_TRUE(is_transient(error_kind::storage_full));
  EXPECT_FALSE(is_transient(error_kind::stale));
  EXPECT_FALSE(is_transient(error_kind::invalid));
  EXPECT_EQ(outcome::failure(error_kind::not_found, "no such file: a").describe(), "not_found: no such file: a");
  EXPECT_EQ(outcome::success().describe(), "ok");
  EXPECT_TRUE(outcome{}.ok());
}

TEST(Outcome, StorageErrorsThatMeanFull) {
  EXPECT_EQ(storage_error_kind(ENOSPC), error_kind::storage_full);
  EXPECT_EQ(storage_error_kind(EDQUOT), error_kind::storage_full);
  EXPECT_EQ(storage_error_kind(EIO), error_kind::failed);
  EXPECT_EQ(storage_error_kind("cannot write x: " + std::string(std::strerror(ENOSPC))), error_kind::storage_full);
  EXPECT_EQ(storage_error_kind(std::string("database or disk is full")), error_kind::storage_full);
  EXPECT_EQ(storage_error_kind(std::string("cannot open: ") + std::strerror(EACCES)), error_kind::failed);
  EXPECT_EQ(http_status_of(storage_error_kind(ENOSPC)), 507);
}

}  // namespace
}  // namespace syncer
