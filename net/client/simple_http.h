// One blocking HTTP/1.1 request on a fresh connection, for the CLI
// (`syncer inspect`, `status`, `conflicts`). Not for the sync path, which
// uses hub_client's keep-alive connections. With `tls` (tls set), the
// request goes over TLS 1.3 with that address's certificate and hub check.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/hub_api.h"

namespace syncer {

struct simple_response {
  int status = 0;     // 0: no answer (error says why)
  std::string body;
  std::string error;
};

simple_response http_request(const std::string& host, uint16_t port, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers, int timeout_ms,
                             const hub_address* tls = nullptr);

}  // namespace syncer
