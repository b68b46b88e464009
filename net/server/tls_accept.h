// Internal to net/server/*.cpp: the start of a connection to a TLS sync
// port. The TLS 1.3 handshake (10 s at most), then an http_session over
// the TLS stream that knows the peer's device ID (from its certificate;
// empty when it sent none). A peer that speaks plain HTTP to the port is
// answered one plain "400: this hub speaks TLS only" and closed, so a
// misconfigured client says why instead of "connection reset".
#pragma once

#include <memory>

#include "net/server/listener.h"

namespace syncer::edge {

void start_tls_session(server_ptr server, tcp::socket&& socket, std::shared_ptr<void> slot);

}  // namespace syncer::edge
