// Internal to net/server/*.cpp: how the edge asks an actor without
// blocking an I/O thread. Contract: `ok(result)` or `fail(message)` runs
// exactly once, on `exec` (the session's strand), through a short-lived
// actor; the request times out after 300 s.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <caf/all.hpp>

namespace syncer::edge {

// Calls `ok(result)` on the session's strand with the answer of `handle`
// to `xs...`, through a short-lived actor (Asio threads never block).
template <class Result, class Executor, class Handle, class... Ts>
void ask(caf::actor_system& sys, Executor exec, Handle handle, std::function<void(Result&)> ok,
         std::function<void(const std::string&)> fail, Ts... xs) {
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(handle, std::chrono::seconds(300), xs...)
        .then([=](Result& r) { boost::asio::post(exec, [ok, r = std::move(r)]() mutable { ok(r); }); },
              [=](caf::error& err) {
                auto msg = self->system().render(err);
                boost::asio::post(exec, [fail, msg] { fail(msg); });
              });
  });
}

}  // namespace syncer::edge
