#include "net/server/tls_accept.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/write.hpp>

#include "actors/log.h"
#include "net/json.h"
#include "net/server/http_session.h"
#include "net/tls/edge_stream.h"
#include "net/tls/tls_context.h"

namespace syncer::edge {

namespace ssl = boost::asio::ssl;

void start_tls_session(server_ptr server, tcp::socket&& socket, std::shared_ptr<void> slot) {
  auto tls = std::make_unique<tls_stream>(beast::tcp_stream(std::move(socket)), *server->tls);
  auto* raw = tls.get();
  beast::get_lowest_layer(*raw).expires_after(std::chrono::seconds(10));
  raw->async_handshake(
      ssl::stream_base::server,
      [server, slot = std::move(slot), tls = std::move(tls)](beast::error_code ec) mutable {
        if (server->stopping) return;
        if (ec) {
          ++server->tls_handshake_failures;
          // OpenSSL recognises an HTTP request where a ClientHello belongs.
          bool plain_http = ec.category() == boost::asio::error::get_ssl_category() &&
                            ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST;
          log::debug("http", "TLS handshake failed: " + ec.message());
          if (!plain_http) return;  // the stream (and socket) go with this handler
          auto body = json::error_body("this hub speaks TLS only (https, with a device certificate): set tls: on in "
                                       "the client's config, or server_id from `syncer id` on the hub");
          auto answer = std::make_shared<std::string>("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                                                      "Connection: close\r\nContent-Length: " +
                                                      std::to_string(body.size()) + "\r\n\r\n" + body);
          std::shared_ptr<tls_stream> keep(std::move(tls));  // written beneath the TLS layer
          auto& tcp = beast::get_lowest_layer(*keep);
          tcp.expires_after(std::chrono::seconds(2));
          boost::asio::async_write(tcp, boost::asio::buffer(*answer), [keep, answer](beast::error_code, size_t) {
            beast::error_code ignored;
            beast::get_lowest_layer(*keep).socket().shutdown(tcp::socket::shutdown_send, ignored);
          });
          return;
        }
        beast::get_lowest_layer(*tls).expires_never();
        auto device = peer_device_id(tls->native_handle());
        auto session = std::make_shared<http_session>(server, edge_stream(std::move(tls)), false);
        session->device_id = std::move(device);
        session->slot = std::move(slot);
        session->run();
      });
}

}  // namespace syncer::edge
