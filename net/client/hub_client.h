// hub_api over HTTP/1.1 (Beast, blocking, one keep-alive connection per
// instance; a connection the hub closed while idle is re-opened once).
#pragma once

#include <memory>

#include "actors/hub_api.h"

namespace syncer {

std::unique_ptr<hub_api> make_hub_client(const hub_address& address);

}  // namespace syncer
