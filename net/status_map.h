// The one translation between syncer's domain results (actors/rules/
// outcome.h) and HTTP statuses. The hub's edge answers with
// http_status_of(kind); the hub client reads an answer's status back with
// error_kind_of_http(status). The two are inverse on every kind the hub
// sends, which is every kind but `unreachable` (table-tested in
// tests/unit/status_map_test.cpp); statuses syncer
// never sends map to the nearest kind (any other 4xx = invalid, any other
// 5xx = failed). Status 0 means "no answer" (unreachable).
#pragma once

#include "actors/rules/outcome.h"

namespace syncer {

int http_status_of(error_kind kind);
error_kind error_kind_of_http(int status);

}  // namespace syncer
