#include "net/status_map.h"

namespace syncer {

int http_status_of(error_kind kind) {
  switch (kind) {
    case error_kind::ok: return 200;
    case error_kind::invalid: return 400;
    case error_kind::unauthorized: return 401;
    case error_kind::refused: return 403;
    case error_kind::not_found: return 404;
    case error_kind::stale: return 409;
    case error_kind::not_worth_it: return 412;
    case error_kind::too_large: return 413;
    case error_kind::range_not_satisfiable: return 416;
    case error_kind::changed_while_reading: return 422;
    case error_kind::failed: return 500;
    case error_kind::unsupported: return 501;
    case error_kind::unavailable: return 503;
    case error_kind::storage_full: return 507;
    case error_kind::unreachable: return 503;  // a hub actor never "is away"; the nearest answer
  }
  return 500;
}

error_kind error_kind_of_http(int status) {
  if (status == 0) return error_kind::unreachable;
  if (status >= 200 && status < 300) return error_kind::ok;
  switch (status) {
    case 400: return error_kind::invalid;
    case 401: return error_kind::unauthorized;
    // Not sent by the hub: the hub client's own "not the hub this client
    // trusts" (net/client/hub_tls.h), which no retry will cure.
    case 495: return error_kind::unauthorized;
    case 429: return error_kind::unavailable;  // the failed-auth throttle: later
    case 403: return error_kind::refused;
    case 404: return error_kind::not_found;
    case 409: return error_kind::stale;
    case 412: return error_kind::not_worth_it;
    case 413: return error_kind::too_large;
    case 416: return error_kind::range_not_satisfiable;
    case 422: return error_kind::changed_while_reading;
    case 501: return error_kind::unsupported;
    case 502:
    case 503:
    case 504: return error_kind::unavailable;
    case 507: return error_kind::storage_full;
    default: break;
  }
  if (status >= 500) return error_kind::failed;
  return error_kind::invalid;
}

}  // namespace syncer
