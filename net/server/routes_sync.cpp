// The hub's sync routes: POST /register, POST /sync, GET /files,
// GET /conflicts, and GET /inspect (both roles). Each asks file-store
// (or every inspect target) and answers its JSON (docs/api.md).
#include <memory>
#include <vector>

#include <boost/asio/post.hpp>
#include <caf/all.hpp>

#include "actors/rules/path_rules.h"
#include "net/json.h"
#include "net/server/ask.h"
#include "net/server/http_session.h"
#include "net/server/request_parts.h"

namespace syncer::edge {

// POST /register {"client_name"} -> {"client_id"}.
void http_session::on_register() {
  auto& req = string_parser_->get();
  auto self = shared_from_this();
  std::string error;
  if (method_ != http::verb::post) return reject(405, "use POST");
  auto name = json::parse_register_request(req.body(), &error);
  if (!name) return reject(400, error);
  // The name ends up inside file names (conflict copies): one path
  // component's rules, or nothing is recorded.
  if (auto why = client_name_error(*name)) return reject(400, "invalid client_name: " + *why);
  if (stream_.is_tls()) return register_device(*name);  // the id comes from the certificate
  return ask<client_record>(server_->system, stream_.get_executor(), server_->hub->store,
                            std::function<void(client_record&)>([self](client_record& r) {
                              self->send_json(200, "{\"client_id\":" + json::quote(r.id) + "}");
                            }),
                            hub_did_not_answer(), register_atom::value, *name);
}

// POST /sync: the client's entries (all, or the changed ones since a sequence) -> sync_plan.
void http_session::on_sync() {
  auto& req = string_parser_->get();
  auto self = shared_from_this();
  std::string error;
  if (method_ != http::verb::post) return reject(405, "use POST");
  auto request = json::parse_sync_request_since(req.body(), &error);
  if (!request) return reject(400, error);
  auto* entries = &request->files;
  for (auto& e : *entries) {
    auto normal = normalize_sync_path(e.path, &error);
    if (!normal) return reject(400, "invalid path '" + e.path + "': " + error);
    e.path = *normal;
  }
  // The client has applied everything up to `since`: its sync point, on
  // which tombstone expiry waits (docs/history.md).
  if (request->since && valid_client_id(request->client_id))
    caf::anon_send(server_->hub->store, synced_atom::value, request->client_id, request->hub_id, *request->since);
  if (request->since)
    return ask<sync_plan>(server_->system, stream_.get_executor(), server_->hub->store,
                          std::function<void(sync_plan&)>(
                              [self](sync_plan& plan) { self->send_json(200, json::sync_plan_json(plan)); }),
                          hub_did_not_answer(), sync_atom::value, std::move(*entries), *request->since,
                          request->hub_id);
  return ask<sync_plan>(server_->system, stream_.get_executor(), server_->hub->store,
                        std::function<void(sync_plan&)>(
                            [self](sync_plan& plan) { self->send_json(200, json::sync_plan_json(plan)); }),
                        hub_did_not_answer(), sync_atom::value, std::move(*entries));
}

// GET /files[?deleted=1]: every entry of the hub.
void http_session::on_list_files() {
  auto self = shared_from_this();
  if (method_ != http::verb::get) return reject(405, "use GET");
  bool deleted = query_.count("deleted") && query_["deleted"] != "0" && query_["deleted"] != "false";
  return ask<std::vector<file_entry>>(server_->system, stream_.get_executor(), server_->hub->store,
                                      std::function<void(std::vector<file_entry>&)>([self](auto& files) {
                                        self->send_json(200, json::entries_json(files, "files"));
                                      }),
                                      hub_did_not_answer(), list_atom::value, deleted);
}

// GET /conflicts[?all=1]: the open (or all) conflict records.
void http_session::on_conflicts() {
  auto self = shared_from_this();
  if (method_ != http::verb::get) return reject(405, "use GET");
  bool open_only = !(query_.count("all") && query_["all"] != "0");
  return ask<std::vector<conflict_record>>(
      server_->system, stream_.get_executor(), server_->hub->store,
      std::function<void(std::vector<conflict_record>&)>(
          [self](auto& records) { self->send_json(200, json::conflicts_json(records)); }),
      hub_did_not_answer(), conflicts_atom::value, open_only);
}

void http_session::inspect() {
  auto self = shared_from_this();
  auto exec = stream_.get_executor();
  auto targets = server_->targets;
  auto role = server_->role;
  // One collector actor asks every target; a silent one is reported, not waited for.
  server_->system.spawn([self, exec, targets, role](caf::event_based_actor* actor) {
    auto results = std::make_shared<std::vector<actor_state>>(targets.size());
    auto remaining = std::make_shared<size_t>(targets.size());
    auto finish = [self, exec, results, role] {
      asio::post(exec, [self, results, role] { self->send_json(200, json::actor_states_json(role, *results)); });
    };
    if (targets.empty()) return finish();
    for (size_t i = 0; i < targets.size(); ++i) {
      auto name = targets[i].first;
      actor->request(targets[i].second, std::chrono::seconds(3), inspect_atom::value)
          .then(
              [=](actor_state& st) {
                st.name = name;
                (*results)[i] = std::move(st);
                if (--*remaining == 0) finish();
              },
              [=](caf::error& err) {
                actor_state st;
                st.name = name;
                st.info["error"] = "no answer: " + actor->system().render(err);
                (*results)[i] = std::move(st);
                if (--*remaining == 0) finish();
              });
    }
  });
}

}  // namespace syncer::edge
