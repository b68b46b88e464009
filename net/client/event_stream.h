// The client's WebSocket to WS /ws/{client_id}, on its own thread. It
// reconnects by itself with exponential backoff (100 ms doubling to 5 s)
// and detects a dead hub with WebSocket keep-alive pings. The callbacks
// run on the stream's thread; the client node turns them into actor
// messages.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/hub_api.h"
#include "actors/messages.h"

namespace syncer {

class event_stream {
 public:
  struct callbacks {
    std::function<void()> on_connected;
    // The events of one WebSocket message, in order (the stream asks the
    // hub for batches: many events arrive in one message while a client's
    // batch of changes is being announced).
    std::function<void(std::vector<hub_event>)> on_events;
    std::function<void(const std::string&)> on_disconnected;
  };

  event_stream(hub_address address, std::string client_id, callbacks cb);
  ~event_stream();
  event_stream(const event_stream&) = delete;
  event_stream& operator=(const event_stream&) = delete;

  void start();
  // Closes the socket and joins the thread promptly.
  void stop();
  bool connected() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace syncer
