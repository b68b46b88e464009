// Internal to net/*.cpp: TLS 1.3 contexts of the edge (BRIEF §9) and the
// device ID of the peer of a finished handshake. Both sides present their
// node's self-signed certificate; neither trusts a CA: the handshake
// accepts any certificate, and what the peer is comes from its
// certificate's fingerprint afterwards (the hub: which device; a client:
// the pinned hub). Pulls in Asio SSL.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace syncer::edge {

// nullptr + one sentence in `error` when the files cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(bool server, const std::string& cert_file,
                                                            const std::string& key_file, std::string* error);

// The device ID of the peer's certificate, empty when it sent none.
std::string peer_device_id(SSL* ssl);

}  // namespace syncer::edge
