#include "net/tls/tls_context.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "actors/rules/device_id.h"

namespace syncer::edge {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_tls_context(bool server, const std::string& cert_file, const std::string& key_file,
                                               std::string* error) {
  try {
    auto ctx = std::make_shared<ssl::context>(server ? ssl::context::tls_server : ssl::context::tls_client);
    // TLS 1.3 only: forward secrecy and AEAD ciphers always, the
    // certificates encrypted, nothing to configure or get wrong.
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
    ctx->use_certificate_chain_file(cert_file);
    ctx->use_private_key_file(key_file, ssl::context::pem);
    // Ask for the peer's certificate, accept any (self-signed): the
    // fingerprint is checked by the caller after the handshake. The hub
    // does not demand one, so `curl -k https://hub/health` still works;
    // every other endpoint does (http_session).
    ctx->set_verify_mode(ssl::verify_peer);
    ctx->set_verify_callback([](bool, ssl::verify_context&) { return true; });
    if (server) SSL_CTX_set_session_id_context(ctx->native_handle(), reinterpret_cast<const unsigned char*>("syncer"), 6);
    return ctx;
  } catch (const std::exception& e) {
    *error = std::string("cannot use the certificate ") + cert_file + " and key " + key_file + ": " + e.what();
    return nullptr;
  }
}

std::string peer_device_id(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return {};
  fingerprint fp{};
  unsigned int n = 0;
  bool ok = X509_digest(cert, EVP_sha256(), fp.data(), &n) == 1 && n == fp.size();
  X509_free(cert);
  return ok ? device_id_from_fingerprint(fp) : std::string();
}

}  // namespace syncer::edge
