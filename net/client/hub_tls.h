// Internal to net/client/*.cpp: a client's TLS to its hub (BRIEF §9).
// One TLS 1.3 context per certificate (shared by every connection of the
// process), and the check that the hub is the one this client trusts:
// the pinned server_id, or else the ID recorded the first time a hub was
// met (trust on first use, as ssh does with host keys). A different hub
// is refused with a sentence that says what to check. Pulls in Asio SSL.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "actors/hub_api.h"

namespace syncer::edge {

// The status a refused hub identity is answered with (no HTTP status:
// nginx uses 495 for "SSL certificate error"); callers stop retrying.
constexpr int hub_identity_refused = 495;

std::shared_ptr<boost::asio::ssl::context> client_tls_context(const hub_address& a, std::string* error);

// After the handshake: true when the peer is the hub `a` trusts.
bool check_hub_identity(SSL* ssl, const hub_address& a, std::string* error);

}  // namespace syncer::edge
