// Internal to net/server/*.cpp: one WebSocket session of the hub
// (WS /ws/{client_id}, docs/api.md), taken over from an HTTP session after
// the client id was checked. Contract: while it is open, a session-sink
// actor attached to the client-registry forwards hub events into this
// session's strand, where they are sent in order (several at once as one
// {"type":"batch"} message when the client asked for ?batch=1); "ping" is
// answered "pong", anything else with an error message. On close the sink
// is detached and ended. Pulls in Beast.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "actors/client_registry.h"
#include "net/server/listener.h"
#include "net/tls/edge_stream.h"

namespace syncer::edge {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

class ws_session : public connection, public std::enable_shared_from_this<ws_session> {
 public:
  // `batch`: the client asked for ?batch=1, so what is queued while a
  // write is under way leaves as one {"type":"batch"} message (one send,
  // one read and one parse on the client instead of one per file).
  ws_session(server_ptr server, edge_stream&& stream, std::string client_id, bool batch)
      : server_(std::move(server)),
        registry_(server_->hub->registry),
        ws_(std::move(stream)),
        client_id_(std::move(client_id)),
        batch_(batch) {}

  void shut() override;
  void start(http::request<http::empty_body> req);

  // `is_event`: may share a batch message; answers to the client (pong,
  // errors) always go alone.
  void deliver(std::string text, bool is_event = false);
  void deliver_many(std::vector<std::string>& texts);

  ~ws_session();

 private:
  void on_accept(beast::error_code ec);
  void read_next();
  void on_read(beast::error_code ec);
  void write_next();
  void finish();

  static constexpr size_t max_batch_message_bytes = 1u << 20;

  server_ptr server_;
  client_registry_actor registry_;
  websocket::stream<edge_stream> ws_;  // plain or TLS
  std::string client_id_;
  beast::flat_buffer buffer_;
  std::deque<std::pair<std::string, bool>> queue_;  // text, is an event
  std::string current_;  // the message being written
  bool writing_ = false;
  // Bytes queued and not yet written: a consumer that falls this far
  // behind is disconnected (it reconciles with POST /sync when it comes
  // back) instead of growing the hub's memory without end.
  size_t queued_bytes_ = 0;
  static constexpr size_t max_queued_bytes = 64u << 20;
  bool over_queue_limit();
  bool batch_ = false;
  session_sink_actor sink_;
  bool finished_ = false;
};

}  // namespace syncer::edge
