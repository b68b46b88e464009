// The device side of the hub's edge (BRIEF §9). On a TLS sync port: the
// gate every request but /health passes (the connection's device must be
// accepted; /register is where a device pairs), the binding of client ids
// to devices, and POST /register of a device. On the local admin
// endpoint: GET /devices and POST /devices/accept|remove?device=ID_OR_NAME
// for `syncer devices`.
#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "actors/rules/device_binding.h"
#include "actors/rules/device_id.h"
#include "net/json.h"
#include "net/server/ask.h"
#include "net/server/http_session.h"

namespace syncer::edge {

namespace {

std::string device_json(const device_row& d) {
  return "{\"id\":" + json::quote(d.id) + ",\"name\":" + json::quote(d.name) + ",\"state\":" + json::quote(d.state) +
         ",\"client_id\":" + json::quote(device_client_id(d.id)) + ",\"first_seen_ns\":" +
         std::to_string(d.first_seen_ns) + ",\"last_seen_ns\":" + std::to_string(d.last_seen_ns) +
         ",\"address\":" + json::quote(d.address) + "}";
}

std::string waiting_message(const std::string& id) {
  return "device " + id + " is waiting for approval: run 'syncer devices accept " + id + "' on the hub";
}

}  // namespace

std::string http_session::own_client_id() const { return device_client_id(device_id); }

void http_session::bind_to_device(incoming_change* c) const {
  if (!stream_.is_tls()) return;
  c->entry.origin = own_client_id();
  c->bound_client = own_client_id();
}

void http_session::gate_device() {
  if (device_id.empty())
    return reject(403, "this hub accepts only devices that present their certificate (TLS client certificate "
                       "missing)");
  auto generation = server_->device_generation.load();
  if (device_ && device_generation_ == generation) return on_device_state();
  auto self = shared_from_this();
  ask<device_row>(server_->system, stream_.get_executor(), server_->hub->devices,
                  std::function<void(device_row&)>([self, generation](device_row& row) {
                    self->device_ = row;
                    self->device_generation_ = generation;
                    self->on_device_state();
                  }),
                  hub_did_not_answer(), device_check_atom::value, device_id, address_);
}

void http_session::on_device_state() {
  const auto& state = device_->state;
  // /register is where a device pairs (API key, auto_accept) or learns it waits.
  bool registering = path_ == "/register" && method_ == http::verb::post;
  if (state == "removed")
    return reject(403, "device " + device_id + " was removed from this hub: run 'syncer devices accept " + device_id +
                           "' on the hub to let it in again");
  if (state != "accepted" && !registering) return reject(403, waiting_message(device_id));
  auto& req = header_parser_->get();
  auto claimed = std::string(req["X-Client-Id"]);
  if (auto why = client_id_claim_error(claimed, own_client_id())) return reject(403, *why);
  dispatch();
}

void http_session::register_device(const std::string& name) {
  auto self = shared_from_this();
  // A valid API key pairs the device (it crossed the wire inside TLS).
  bool key_ok = has_valid_key(std::string(string_parser_->get()[http::field::authorization]));
  ask<device_row>(
      server_->system, stream_.get_executor(), server_->hub->devices,
      std::function<void(device_row&)>([self, name](device_row& row) {
        self->device_ = row;
        if (row.state == "accepted") ++self->server_->device_generation;  // other connections ask again
        if (row.state != "accepted") return self->reject(403, waiting_message(row.id), false);
        ask<client_record>(self->server_->system, self->stream_.get_executor(), self->server_->hub->store,
                           std::function<void(client_record&)>([self](client_record& r) {
                             self->send_json(200, "{\"client_id\":" + json::quote(r.id) + "}");
                           }),
                           self->hub_did_not_answer(), register_atom::value, name, self->own_client_id());
      }),
      hub_did_not_answer(), device_pair_atom::value, device_id, name, key_ok);
}

void http_session::on_devices() {
  auto self = shared_from_this();
  if (!server_->hub || !server_->hub->devices) return reject(404, "this node keeps no devices");
  if (path_ == "/devices") {
    if (method_ != http::verb::get) return reject(405, "use GET");
    return ask<std::vector<device_row>>(server_->system, stream_.get_executor(), server_->hub->devices,
                                        std::function<void(std::vector<device_row>&)>([self](auto& rows) {
                                          std::string out = "{\"devices\":[";
                                          for (size_t i = 0; i < rows.size(); ++i)
                                            out += (i ? "," : "") + device_json(rows[i]);
                                          self->send_json(200, out + "]}");
                                        }),
                                        hub_did_not_answer(), device_list_atom::value);
  }
  bool accept = path_ == "/devices/accept", remove = path_ == "/devices/remove";
  if (!accept && !remove) return reject(404, "no such endpoint: " + path_);
  if (method_ != http::verb::post) return reject(405, "use POST");
  auto what = query_.count("device") ? query_["device"] : "";
  if (what.empty() || what.size() > 256) return reject(400, "give the device as ?device=ID_OR_NAME");
  auto done = std::function<void(device_answer&)>([self, remove](device_answer& a) {
    if (!a.ok) return self->reject(404, a.error, false);
    ++self->server_->device_generation;
    if (remove) self->server_->close_device(a.device.id);  // its open connections end now
    self->send_json(200, device_json(a.device));
  });
  if (accept)
    return ask<device_answer>(server_->system, stream_.get_executor(), server_->hub->devices, done,
                              hub_did_not_answer(), device_accept_atom::value, what);
  return ask<device_answer>(server_->system, stream_.get_executor(), server_->hub->devices, done, hub_did_not_answer(),
                            device_remove_atom::value, what);
}

}  // namespace syncer::edge
