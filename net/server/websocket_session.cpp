#include "net/server/websocket_session.h"

#include <algorithm>
#include <mutex>

#include <boost/asio/post.hpp>
#include <caf/all.hpp>

#include "actors/log.h"
#include "net/json.h"

namespace syncer::edge {

void ws_session::shut() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    beast::get_lowest_layer(self->ws_).socket().close(ec);
  });
}

void ws_session::start(http::request<http::empty_body> req) {
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

bool ws_session::over_queue_limit() {
  if (queued_bytes_ <= max_queued_bytes) return false;
  log::warn("websocket", "client " + client_id_ + " does not keep up (" + std::to_string(queued_bytes_ >> 20) +
                             " MiB of events queued); disconnecting it: it reconciles when it comes back");
  queue_.clear();
  queued_bytes_ = 0;
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().close(ec);
  return true;
}

void ws_session::deliver(std::string text, bool is_event) {
  queued_bytes_ += text.size();
  queue_.push_back({std::move(text), is_event});
  if (over_queue_limit()) return;
  if (!writing_) write_next();
}

void ws_session::deliver_many(std::vector<std::string>& texts) {
  for (auto& text : texts) {
    queued_bytes_ += text.size();
    queue_.push_back({std::move(text), true});
  }
  if (over_queue_limit()) return;
  if (!writing_ && !queue_.empty()) write_next();
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) return;
  // The sink actor forwards registry events into this strand.
  std::weak_ptr<ws_session> weak = shared_from_this();
  auto exec = ws_.get_executor();
  sink_ = server_->system.spawn([weak, exec](session_sink_actor::pointer self) -> session_sink_actor::behavior_type {
    return {
        [weak, exec](hub_event_atom, const hub_event& ev) {
          auto text = json::event_json(ev);
          asio::post(exec, [weak, text]() mutable {
            if (auto s = weak.lock()) s->deliver(std::move(text), true);
          });
        },
        [weak, exec](hub_event_atom, const std::vector<hub_event>& events) {
          auto texts = std::make_shared<std::vector<std::string>>();
          texts->reserve(events.size());
          for (const auto& ev : events) texts->push_back(json::event_json(ev));
          asio::post(exec, [weak, texts]() {
            if (auto s = weak.lock()) s->deliver_many(*texts);
          });
        },
    };
  });
  {
    std::lock_guard<std::mutex> lock(server_->sinks_mutex);
    server_->sinks.push_back(caf::actor_cast<caf::actor>(sink_));
  }
  caf::anon_send(registry_, attach_atom::value, client_id_, sink_);
  read_next();
}

void ws_session::read_next() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
}

void ws_session::on_read(beast::error_code ec) {
  if (ec) return finish();
  auto text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  std::string error;
  auto ev = json::parse_event(text, &error);
  if (ev && ev->type == "ping")
    deliver("{\"type\":\"pong\"}");
  else
    deliver(json::error_body(ev ? "unknown message type '" + ev->type + "'" : error));
  read_next();
}

void ws_session::write_next() {
  writing_ = true;
  if (batch_ && queue_.size() > 1 && queue_[0].second && queue_[1].second) {
    std::vector<std::string> texts;
    size_t bytes = 0;
    while (!queue_.empty() && queue_.front().second && bytes < max_batch_message_bytes) {
      bytes += queue_.front().first.size();
      queued_bytes_ -= std::min(queued_bytes_, queue_.front().first.size());
      texts.push_back(std::move(queue_.front().first));
      queue_.pop_front();
    }
    current_ = json::event_batch_json(texts);
  } else {
    queued_bytes_ -= std::min(queued_bytes_, queue_.front().first.size());
    current_ = std::move(queue_.front().first);
    queue_.pop_front();
  }
  ws_.text(true);
  ws_.async_write(asio::buffer(current_), [self = shared_from_this()](beast::error_code ec, size_t) {
    self->writing_ = false;
    if (ec) return self->finish();
    if (!self->queue_.empty()) self->write_next();
  });
}

void ws_session::finish() {
  if (finished_) return;
  finished_ = true;
  if (sink_) {
    caf::anon_send(registry_, detach_atom::value, client_id_, sink_);
    caf::anon_send_exit(sink_, caf::exit_reason::user_shutdown);
    std::lock_guard<std::mutex> lock(server_->sinks_mutex);
    auto& list = server_->sinks;
    list.erase(std::remove(list.begin(), list.end(), caf::actor_cast<caf::actor>(sink_)), list.end());
  }
}

ws_session::~ws_session() { finish(); }

}  // namespace syncer::edge
