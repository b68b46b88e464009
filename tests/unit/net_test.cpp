// The hub's HTTP + WebSocket edge on a real socket (127.0.0.1, ephemeral
// port) in front of the real hub actors, SQLite file and object store.
// A tiny blocking Beast client plays the other side. These tests stay
// focused on the edge's own duties (routing, streaming, Range, limits,
// auth, path checks, WebSocket); the REST contract as a whole is covered
// by tests/e2e/test_rest_api.py against the syncer binary.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/all.hpp>

#include "actors/client_registry.h"
#include "actors/conflict_resolver.h"
#include "actors/file_store.h"
#include "net/http_server.h"
#include "net/json.h"
#include "storage/sha256.h"
#include "temp_dir.h"

using namespace syncer;
namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

struct reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

// One request on a fresh connection; blocking (this is the test thread,
// not one of the server's I/O threads).
reply request(uint16_t port, http::verb method, const std::string& target, const std::string& body = "",
              const header_list& headers = {}) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.body() = body;
  if (!body.empty() || method == http::verb::post || method == http::verb::put) req.prepare_payload();
  for (const auto& [name, value] : headers) {
    if (name == "Transfer-Encoding") req.chunked(true);  // replaces Content-Length
    else req.set(name, value);
  }
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(socket, buffer, parser);
  reply out;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = parser.get().body();
  for (const auto& field : parser.get()) out.headers[std::string(field.name_string())] = std::string(field.value());
  return out;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen());
  return s;
}

// "client_id":"abc" -> abc
std::string json_string_field(const std::string& body, const std::string& key) {
  auto at = body.find("\"" + key + "\":\"");
  if (at == std::string::npos) return "";
  at += key.size() + 4;
  return body.substr(at, body.find('"', at) - at);
}

// A WebSocket client whose reads give up after a bounded wait.
class ws_client {
 public:
  ws_client() : ws_(io_) {}

  // True when the server switched protocols.
  bool connect(uint16_t port, const std::string& target, const header_list& headers = {}) {
    ws_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    beast::error_code ec;
    ws_.handshake("127.0.0.1", target, ec);
    return !ec;
  }

  void send(const std::string& text) { ws_.write(asio::buffer(text)); }

  std::optional<std::string> read(std::chrono::milliseconds wait = 5s) {
    beast::flat_buffer buffer;
    bool done = false;
    beast::error_code ec;
    ws_.async_read(buffer, [&](beast::error_code e, size_t) {
      done = true;
      ec = e;
    });
    io_.restart();
    io_.run_for(wait);
    if (!done) {
      beast::error_code ignored;
      ws_.next_layer().cancel(ignored);
      io_.restart();
      io_.run_for(1s);
      return std::nullopt;
    }
    if (ec) return std::nullopt;
    return beast::buffers_to_string(buffer.data());
  }

 private:
  asio::io_context io_;
  websocket::stream<tcp::socket> ws_;
};

// The status of a refused upgrade (Beast's client does not report it).
int upgrade_status(uint16_t port, const std::string& target, header_list headers = {}) {
  headers.insert(headers.end(), {{"Connection", "Upgrade"},
                                 {"Upgrade", "websocket"},
                                 {"Sec-WebSocket-Version", "13"},
                                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  return request(port, http::verb::get, target, "", headers).status;
}

struct hub_edge : ::testing::Test {
  temp_dir dir{"syncer-net-test"};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  conflict_resolver_actor resolver;
  client_registry_actor registry;
  file_store_actor store;
  object_io_actor objects;
  std::unique_ptr<http_server> server;
  uint16_t port = 0;

  // Starts the hub edge; `tweak` adjusts limits and keys first.
  void start(std::function<void(hub_edge_config&)> tweak = {}) {
    fs::create_directories(dir.path / "tmp");
    sys = std::make_unique<caf::actor_system>(cfg);
    resolver = spawn_conflict_resolver(*sys);
    registry = spawn_client_registry(*sys);
    store = spawn_file_store(*sys, file_store_config{dir.path.string()}, resolver, registry);
    objects = spawn_object_io(*sys, object_io_config{dir.path.string()});
    server = std::make_unique<http_server>(*sys);
    server->set_inspect_targets("server", {{"client-registry", caf::actor_cast<caf::actor>(registry)},
                                           {"conflict-resolver", caf::actor_cast<caf::actor>(resolver)},
                                           {"file-store", caf::actor_cast<caf::actor>(store)}});
    hub_edge_config edge;
    edge.store = store;
    edge.registry = registry;
    edge.objects = objects;
    edge.upload_temp_dir = (dir.path / "tmp").string();
    edge.objects_dir = (dir.path / "objects").string();
    if (tweak) tweak(edge);
    server->enable_hub(edge);
    std::string error;
    auto bound = server->start("127.0.0.1", 0, 2, &error);
    ASSERT_TRUE(bound) << error;
    port = *bound;
  }

  void TearDown() override {
    if (server) server->stop();
    if (!sys) return;
    for (auto h : {caf::actor_cast<caf::actor>(store), caf::actor_cast<caf::actor>(resolver),
                   caf::actor_cast<caf::actor>(registry), caf::actor_cast<caf::actor>(objects)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sys->await_all_actors_done();
  }

  std::string register_client(const std::string& name, const header_list& headers = {}) {
    auto r = request(port, http::verb::post, "/register", "{\"client_name\":\"" + name + "\"}", headers);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_string_field(r.body, "client_id");
  }

  reply upload(const std::string& encoded_path, const std::string& bytes, const header_list& headers = {}) {
    return request(port, http::verb::post, "/upload?path=" + encoded_path, bytes, headers);
  }

  bool temp_dir_empty() { return fs::is_empty(dir.path / "tmp"); }
};

}  // namespace

TEST_F(hub_edge, HealthRegisterAndBadRequestsKeepServing) {
  start();
  auto health = request(port, http::verb::get, "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"status\":\"ok\""), std::string::npos);
  auto id = register_client("laptop");
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(register_client("laptop"), id) << "the same name must get the same id";
  EXPECT_NE(register_client("desktop"), id);

  auto malformed = request(port, http::verb::post, "/register", "{\"client_name\":");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(request(port, http::verb::post, "/register", "{\"client_name\":5}").status, 400);
  EXPECT_EQ(request(port, http::verb::get, "/register").status, 405);
  EXPECT_EQ(request(port, http::verb::get, "/no/such/endpoint").status, 404);
  EXPECT_EQ(request(port, http::verb::post, "/upload?path=x", "x", {{"X-Mtime", "yesterday"}}).status, 400);
  EXPECT_EQ(request(port, http::verb::post, "/upload?path=x", "x", {{"X-Version", "a:"}}).status, 400);
  EXPECT_TRUE(temp_dir_empty());
  EXPECT_EQ(request(port, http::verb::get, "/health").status, 200);

  auto inspect = request(port, http::verb::get, "/inspect");
  EXPECT_EQ(inspect.status, 200);
  for (auto name : {"\"node\":\"server\"", "client-registry", "conflict-resolver", "file-store"})
    EXPECT_NE(inspect.body.find(name), std::string::npos) << name;
}

TEST_F(hub_edge, UploadDownloadRoundTripWithRange) {
  start();
  auto id = register_client("laptop");
  const auto bytes = random_bytes(300000, 7);  // several socket reads and file blocks
  auto up = upload("docs/a%20b.bin", bytes, {{"X-Client-Id", id}, {"X-Mtime", "1700000000000000001"}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_NE(up.body.find("\"path\":\"docs/a b.bin\""), std::string::npos) << up.body;
  EXPECT_EQ(json_string_field(up.body, "sha256"), sha256_hex(bytes));
  EXPECT_NE(up.body.find("\"version\":{\"" + id + "\":1}"), std::string::npos) << up.body;
  EXPECT_TRUE(temp_dir_empty());

  auto whole = request(port, http::verb::get, "/download/docs/a%20b.bin");
  ASSERT_EQ(whole.status, 200);
  EXPECT_TRUE(whole.body == bytes);
  EXPECT_EQ(whole.headers["ETag"], "\"" + sha256_hex(bytes) + "\"");
  EXPECT_EQ(whole.headers["X-Sha256"], sha256_hex(bytes));
  EXPECT_EQ(whole.headers["X-Mtime"], "1700000000000000001");
  EXPECT_EQ(whole.headers["X-Version"], id + ":1");

  auto middle = request(port, http::verb::get, "/download/docs/a%20b.bin", "", {{"Range", "bytes=1000-270999"}});
  ASSERT_EQ(middle.status, 206);
  EXPECT_TRUE(middle.body == bytes.substr(1000, 270000));
  EXPECT_EQ(middle.headers["Content-Range"], "bytes 1000-270999/300000");
  auto tail = request(port, http::verb::get, "/download/docs/a%20b.bin", "", {{"Range", "bytes=-10"}});
  ASSERT_EQ(tail.status, 206);
  EXPECT_TRUE(tail.body == bytes.substr(bytes.size() - 10));
  auto from = request(port, http::verb::get, "/download/docs/a%20b.bin", "", {{"Range", "bytes=299990-"}});
  ASSERT_EQ(from.status, 206);
  EXPECT_TRUE(from.body == bytes.substr(299990));
  auto beyond = request(port, http::verb::get, "/download/docs/a%20b.bin", "", {{"Range", "bytes=300000-"}});
  EXPECT_EQ(beyond.status, 416);
  EXPECT_EQ(beyond.headers["Content-Range"], "bytes */300000");
  EXPECT_EQ(request(port, http::verb::get, "/download/docs/unknown.bin").status, 404);

  // After a deletion the file is gone for downloads.
  auto del = request(port, http::verb::delete_, "/files/docs/a%20b.bin", "", {{"X-Client-Id", id}});
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(request(port, http::verb::get, "/download/docs/a%20b.bin").status, 404);
  EXPECT_EQ(request(port, http::verb::delete_, "/files/never-there").status, 404);
}

TEST_F(hub_edge, ExpectContinueIsAnsweredBeforeTheBody) {
  start();
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  std::string head =
      "POST /upload?path=e.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  asio::write(socket, asio::buffer(head));
  asio::streambuf buf;
  bool got_interim = false;
  asio::async_read_until(socket, buf, "\r\n\r\n", [&](beast::error_code ec, size_t) { got_interim = !ec; });
  io.run_for(5s);  // bounded: a server that waits for the body never answers
  ASSERT_TRUE(got_interim) << "no interim answer before the body";
  std::string interim(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << interim;
  buf.consume(buf.size());
  asio::write(socket, asio::buffer(std::string("hello")));
  beast::flat_buffer fb;
  http::response<http::string_body> res;
  http::read(socket, fb, res);
  EXPECT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(json_string_field(res.body(), "sha256"), sha256_hex("hello"));
}

TEST_F(hub_edge, PathsEscapingTheRootAre400AndTouchNothing) {
  start();
  for (auto target : {"/upload?path=..%2Fescape", "/upload?path=%2Fabs", "/upload?path=a%2F..%2F..%2Fescape",
                      "/upload?path=a%00b", "/upload?path=a%5Cb", "/upload?path=bad%zz", "/upload?path=.syncer%2Fx",
                      "/upload"}) {
    auto r = request(port, http::verb::post, target, "payload");
    EXPECT_EQ(r.status, 400) << target << " " << r.body;
  }
  for (auto target : {"/download/..%2Fmeta.db", "/download/%2E%2E/meta.db", "/download/a/../../meta.db"})
    EXPECT_EQ(request(port, http::verb::get, target).status, 400) << target;
  EXPECT_EQ(request(port, http::verb::put, "/dirs/..%2Fx").status, 400);
  EXPECT_EQ(request(port, http::verb::delete_, "/files/%2E%2E").status, 400);
  auto sync = request(port, http::verb::post, "/sync",
                      R"({"client_id":"x","files":[{"path":"../up","sha256":"","size":0,"mtime":1,)"
                      R"("version":{},"deleted":false,"type":"file"}]})");
  EXPECT_EQ(sync.status, 400) << sync.body;
  EXPECT_FALSE(fs::exists(dir.path.parent_path() / "escape"));
  EXPECT_FALSE(fs::exists(dir.path / "escape"));
  EXPECT_TRUE(temp_dir_empty());
  auto files = request(port, http::verb::get, "/files?deleted=1");
  EXPECT_EQ(files.body, "{\"files\":[]}");
}

TEST_F(hub_edge, ApiKeysGuardEverythingButHealth) {
  start([](hub_edge_config& c) { c.api_keys = {"secret", "other"}; });
  EXPECT_EQ(request(port, http::verb::get, "/health").status, 200);
  EXPECT_EQ(request(port, http::verb::get, "/files").status, 401);
  EXPECT_EQ(request(port, http::verb::get, "/inspect").status, 401);
  EXPECT_EQ(request(port, http::verb::get, "/files", "", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(request(port, http::verb::get, "/files", "", {{"Authorization", "secret"}}).status, 401);
  EXPECT_EQ(request(port, http::verb::post, "/register", "{\"client_name\":\"a\"}").status, 401);
  EXPECT_EQ(request(port, http::verb::get, "/files", "", {{"Authorization", "Bearer other"}}).status, 200);
  auto id = register_client("a", {{"Authorization", "Bearer secret"}});
  EXPECT_EQ(upgrade_status(port, "/ws/" + id), 401);
  EXPECT_EQ(upgrade_status(port, "/ws/" + id, {{"Authorization", "Bearer wrong"}}), 401);
  ws_client with_key;
  EXPECT_TRUE(with_key.connect(port, "/ws/" + id, {{"Authorization", "Bearer secret"}}));
}

TEST_F(hub_edge, BodiesOverTheLimitsAre413) {
  start([](hub_edge_config& c) {
    c.max_upload_bytes = 1000;
    c.max_json_bytes = 100;
  });
  EXPECT_EQ(upload("over", std::string(1001, 'x')).status, 413);
  EXPECT_EQ(upload("chunked-over", std::string(1001, 'x'), {{"Transfer-Encoding", "chunked"}}).status, 413);
  EXPECT_TRUE(temp_dir_empty()) << "a refused upload leaves no temp file";
  // Refused before its body was read, a large upload still gets its 413
  // (the server drains a while instead of resetting the connection).
  EXPECT_EQ(upload("much-over", std::string(8 << 20, 'x')).status, 413);
  EXPECT_EQ(upload("at-limit", std::string(1000, 'x')).status, 200);
  auto big_json = request(port, http::verb::post, "/register", "{\"client_name\":\"" + std::string(200, 'n') + "\"}");
  EXPECT_EQ(big_json.status, 413);
  EXPECT_EQ(request(port, http::verb::get, "/health").status, 200);
}

TEST_F(hub_edge, WebSocketPingPongAndEventsSkipTheOrigin) {
  start();
  auto alice = register_client("alice");
  auto bob = register_client("bob");
  EXPECT_EQ(upgrade_status(port, "/ws/0123456789ab"), 404) << "an unknown id is refused before the upgrade";
  EXPECT_EQ(upgrade_status(port, "/ws/bad%20id"), 400);

  ws_client alice_ws, bob_ws;
  ASSERT_TRUE(alice_ws.connect(port, "/ws/" + alice));
  ASSERT_TRUE(bob_ws.connect(port, "/ws/" + bob));
  // A pong proves the session is attached to the registry (attach is sent
  // before the session reads its first message).
  for (auto* ws : {&alice_ws, &bob_ws}) {
    ws->send("{\"type\":\"ping\"}");
    EXPECT_EQ(ws->read().value_or("no answer"), "{\"type\":\"pong\"}");
  }

  ASSERT_EQ(upload("from-alice.txt", "a", {{"X-Client-Id", alice}}).status, 200);
  auto event = bob_ws.read();
  ASSERT_TRUE(event) << "bob gets alice's change";
  EXPECT_NE(event->find("\"type\":\"file_changed\""), std::string::npos) << *event;
  EXPECT_NE(event->find("\"path\":\"from-alice.txt\""), std::string::npos) << *event;
  EXPECT_NE(event->find("\"origin\":\"" + alice + "\""), std::string::npos) << *event;

  // Events reach a session in order: if alice had got her own change, it
  // would arrive before bob's.
  ASSERT_EQ(upload("from-bob.txt", "b", {{"X-Client-Id", bob}}).status, 200);
  auto first_for_alice = alice_ws.read();
  ASSERT_TRUE(first_for_alice);
  EXPECT_NE(first_for_alice->find("\"path\":\"from-bob.txt\""), std::string::npos) << *first_for_alice;

  ASSERT_EQ(request(port, http::verb::delete_, "/files/from-bob.txt", "", {{"X-Client-Id", bob}}).status, 200);
  auto deleted = alice_ws.read();
  ASSERT_TRUE(deleted);
  EXPECT_NE(deleted->find("\"type\":\"file_deleted\""), std::string::npos) << *deleted;
}

TEST(admin_edge, ServesOnlyHealthAndInspect) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto resolver = spawn_conflict_resolver(sys);
  {
    http_server admin(sys);
    admin.set_inspect_targets("client", {{"conflict-resolver", caf::actor_cast<caf::actor>(resolver)}});
    std::string error;
    auto port = admin.start_admin("127.0.0.1", 0, &error);
    ASSERT_TRUE(port) << error;
    EXPECT_EQ(request(*port, http::verb::get, "/health").status, 200);
    auto inspect = request(*port, http::verb::get, "/inspect");
    EXPECT_EQ(inspect.status, 200);
    EXPECT_NE(inspect.body.find("\"node\":\"client\""), std::string::npos) << inspect.body;
    EXPECT_NE(inspect.body.find("conflict-resolver"), std::string::npos) << inspect.body;
    EXPECT_EQ(request(*port, http::verb::get, "/files").status, 404);
    EXPECT_EQ(request(*port, http::verb::post, "/upload?path=x", "x").status, 404);
    admin.stop();
  }
  caf::anon_send_exit(resolver, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
}

namespace {

batch_change change_of(batch_change::op_kind op, const std::string& path, const std::string& content = "",
                       const std::string& version = "") {
  batch_change c;
  c.op = op;
  c.meta.path = path;
  c.meta.size = content.size();
  c.meta.sha256 = op == batch_change::upload || op == batch_change::link ? sha256_hex(content) : "";
  c.meta.mtime_ns = 1700000000000000000;
  if (!version.empty()) c.meta.version = *version_vector::parse(version);
  if (op == batch_change::upload) c.content = content;
  return c;
}

// The wire form of POST /batch: the manifest line, then every upload's bytes.
std::string batch_body(const std::vector<batch_change>& changes) {
  auto body = json::batch_manifest_json(changes) + "\n";
  for (const auto& c : changes)
    if (c.op == batch_change::upload) body += c.content;
  return body;
}

}  // namespace

TEST_F(hub_edge, BatchCommitsChangesInOrderAndObjectsComeBackInOneAnswer) {
  start();
  auto id = register_client("laptop");
  const auto big = random_bytes(200000, 11);
  auto first = request(port, http::verb::post, "/batch",
                       batch_body({change_of(batch_change::mkdir, "docs"),
                                   change_of(batch_change::upload, "docs/a.txt", "hello"),
                                   change_of(batch_change::upload, "docs/big.bin", big),
                                   change_of(batch_change::upload, "empty.txt", ""),
                                   change_of(batch_change::link, "copy.bin", "never uploaded")}),
                       {{"X-Client-Id", id}});
  ASSERT_EQ(first.status, 200) << first.body;
  std::string error;
  auto results = json::parse_batch_results(first.body, &error);
  ASSERT_TRUE(results) << error;
  ASSERT_EQ(results->size(), 5u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ((*results)[i].reply.kind, error_kind::ok) << i << " " << first.body;
    EXPECT_EQ((*results)[i].change.kind, "fast_forward") << i;
    EXPECT_EQ((*results)[i].change.entry.version.get(id), 1u) << i;
  }
  EXPECT_TRUE((*results)[0].change.entry.is_dir);
  EXPECT_EQ((*results)[2].change.entry.sha256, sha256_hex(big));
  EXPECT_EQ((*results)[4].reply.kind, error_kind::not_found) << "a link to unknown content is refused, the rest is kept";
  EXPECT_TRUE(temp_dir_empty());

  // The second batch links to content the hub now has, deletes, and
  // carries an edit concurrent with the hub's version (a conflict).
  auto second = request(port, http::verb::post, "/batch",
                        batch_body({change_of(batch_change::link, "copy.bin", big),
                                    change_of(batch_change::remove, "docs/a.txt", "", id + ":2"),
                                    change_of(batch_change::upload, "docs/big.bin", "older", "someone:1")}),
                        {{"X-Client-Id", id}});
  ASSERT_EQ(second.status, 200) << second.body;
  results = json::parse_batch_results(second.body, &error);
  ASSERT_TRUE(results) << error;
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0].reply.kind, error_kind::ok);
  EXPECT_EQ((*results)[0].change.entry.sha256, sha256_hex(big));
  EXPECT_EQ((*results)[1].reply.kind, error_kind::ok);
  EXPECT_TRUE((*results)[1].change.entry.deleted);
  EXPECT_EQ((*results)[2].change.kind, "conflict") << "concurrent versions keep both";
  EXPECT_TRUE(temp_dir_empty());

  auto copy = request(port, http::verb::get, "/download/copy.bin");
  ASSERT_EQ(copy.status, 200);
  EXPECT_TRUE(copy.body == big);
  EXPECT_EQ(request(port, http::verb::get, "/download/docs/a.txt").status, 404);

  // Many objects in one answer: sizes first, then the bytes in order;
  // unknown content is null.
  const std::string unknown(64, 'a');
  auto objects = request(port, http::verb::post, "/objects",
                         "{\"sha256\":[\"" + sha256_hex(big) + "\",\"" + unknown + "\",\"" + sha256_hex("hello") + "\"]}");
  ASSERT_EQ(objects.status, 200) << objects.body;
  auto newline = objects.body.find('\n');
  ASSERT_NE(newline, std::string::npos);
  auto sizes = json::parse_objects_sizes(objects.body.substr(0, newline), &error);
  ASSERT_TRUE(sizes) << error;
  ASSERT_EQ(sizes->size(), 3u);
  EXPECT_EQ((*sizes)[0], std::optional<uint64_t>(big.size()));
  EXPECT_FALSE((*sizes)[1]);
  EXPECT_EQ((*sizes)[2], std::optional<uint64_t>(5));
  EXPECT_TRUE(objects.body.substr(newline + 1) == big + "hello");
}

// A session opened with ?batch=1 gets a batch's events as few messages
// (one send and one parse instead of one per file); a plain session still
// gets one event per message. Both in the same order.
TEST_F(hub_edge, BatchedWebSocketSessionsGetTheSameEventsInFewerMessages) {
  start();
  auto alice = register_client("alice");
  auto bob = register_client("bob");
  ws_client plain, batched;
  ASSERT_TRUE(plain.connect(port, "/ws/" + bob));
  ASSERT_TRUE(batched.connect(port, "/ws/" + bob + "?batch=1"));
  for (auto* ws : {&plain, &batched}) {  // attached once a pong comes back
    ws->send("{\"type\":\"ping\"}");
    ASSERT_EQ(ws->read().value_or("no answer"), "{\"type\":\"pong\"}");
  }
  std::vector<batch_change> changes;
  for (int i = 0; i < 50; ++i) changes.push_back(change_of(batch_change::upload, "f" + std::to_string(i), "x" + std::to_string(i)));
  ASSERT_EQ(request(port, http::verb::post, "/batch", batch_body(changes), {{"X-Client-Id", alice}}).status, 200);

  std::vector<std::string> plain_paths, batched_paths;
  while (plain_paths.size() < 50) {
    auto text = plain.read();
    ASSERT_TRUE(text) << "plain session got " << plain_paths.size() << " events";
    std::string error;
    auto ev = json::parse_event(*text, &error);
    ASSERT_TRUE(ev) << error;
    EXPECT_EQ(ev->type, "file_changed");
    plain_paths.push_back(ev->entry.path);
  }
  int messages = 0;
  while (batched_paths.size() < 50) {
    auto text = batched.read();
    ASSERT_TRUE(text) << "batched session got " << batched_paths.size() << " events";
    ++messages;
    std::string error;
    auto events = json::parse_events(*text, &error);
    ASSERT_TRUE(events) << error;
    for (const auto& ev : *events) {
      EXPECT_EQ(ev.type, "file_changed");
      batched_paths.push_back(ev.entry.path);
    }
  }
  EXPECT_EQ(batched_paths, plain_paths);
  EXPECT_LT(messages, 50) << "the batch's events were queued together and should share messages";

  // Objects come back from the recent batches in memory and from disk
  // (a single upload is not kept) in one answer, in order.
  ASSERT_EQ(upload("single.txt", "on disk only", {{"X-Client-Id", alice}}).status, 200);
  auto objects = request(port, http::verb::post, "/objects",
                         "{\"sha256\":[\"" + sha256_hex("x7") + "\",\"" + sha256_hex("on disk only") + "\",\"" +
                             sha256_hex("x42") + "\"]}");
  ASSERT_EQ(objects.status, 200) << objects.body;
  auto newline = objects.body.find('\n');
  ASSERT_NE(newline, std::string::npos);
  EXPECT_EQ(objects.body.substr(newline + 1), "x7on disk onlyx42");
  std::string error;
  auto sizes = json::parse_objects_sizes(objects.body.substr(0, newline), &error);
  ASSERT_TRUE(sizes) << error;
  EXPECT_EQ(*sizes, (std::vector<std::optional<uint64_t>>{2, 12, 3}));
}

TEST_F(hub_edge, BadBatchesAre400AndLeaveNothingBehind) {
  start();
  auto id = register_client("laptop");
  auto ok_change = change_of(batch_change::upload, "a.txt", "abc");
  auto manifest = json::batch_manifest_json({ok_change});
  struct bad_case {
    const char* why;
    std::string body;
  };
  std::vector<bad_case> cases = {
      {"no manifest line", manifest},
      {"not JSON", "{\"changes\":[\n"},
      {"body shorter than the manifest says", manifest + "\nab"},
      {"body longer than the manifest says", manifest + "\nabcd"},
      {"unknown op", "{\"changes\":[{\"op\":\"chmod\",\"path\":\"a\"}]}\n"},
      {"path escaping the root", batch_body({ok_change, change_of(batch_change::upload, "../x", "abc")})},
      {"internal path", batch_body({change_of(batch_change::upload, ".syncer/index.db", "abc")})},
      {"link without sha256", "{\"changes\":[{\"op\":\"link\",\"path\":\"a\"}]}\n"},
  };
  for (const auto& c : cases) {
    auto r = request(port, http::verb::post, "/batch", c.body, {{"X-Client-Id", id}});
    EXPECT_EQ(r.status, 400) << c.why << ": " << r.body;
    EXPECT_NE(r.body.find("\"error\""), std::string::npos) << c.why;
    EXPECT_TRUE(temp_dir_empty()) << c.why;
  }
  EXPECT_EQ(request(port, http::verb::get, "/batch").status, 405);
  EXPECT_EQ(request(port, http::verb::post, "/objects", "{\"sha256\":[\"../../etc/passwd\"]}").status, 400);
  EXPECT_EQ(request(port, http::verb::post, "/objects", "{}").status, 400);

  // Bytes that do not hash to what the sender announced: that change is
  // refused (422), the others in the batch are taken.
  auto lying = ok_change;
  lying.meta.path = "b.txt";
  lying.meta.sha256 = sha256_hex("something else");
  auto r = request(port, http::verb::post, "/batch", batch_body({ok_change, lying}), {{"X-Client-Id", id}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::string error;
  auto results = json::parse_batch_results(r.body, &error);
  ASSERT_TRUE(results) << error;
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].reply.kind, error_kind::ok);
  EXPECT_EQ((*results)[1].reply.kind, error_kind::changed_while_reading);
  EXPECT_TRUE(temp_dir_empty());
  EXPECT_EQ(request(port, http::verb::get, "/download/a.txt").body, "abc");
  EXPECT_EQ(request(port, http::verb::get, "/download/b.txt").status, 404);
  EXPECT_EQ(request(port, http::verb::get, "/health").status, 200);
}

TEST_F(hub_edge, IncrementalSyncPlansOnlyChangesSinceAndRefusesForeignSyncPoints) {
  start();
  auto id = register_client("laptop");
  ASSERT_EQ(upload("a.txt", "one", {{"X-Client-Id", id}}).status, 200);
  ASSERT_EQ(upload("b.txt", "two", {{"X-Client-Id", id}}).status, 200);
  std::string error;
  auto full = request(port, http::verb::post, "/sync", "{\"files\":[]}");
  ASSERT_EQ(full.status, 200) << full.body;
  auto plan = json::parse_sync_plan(full.body, &error);
  ASSERT_TRUE(plan) << error;
  EXPECT_FALSE(plan->incremental);
  EXPECT_EQ(plan->download.size(), 2u);
  ASSERT_FALSE(plan->hub_id.empty());
  auto point = plan->sequence;

  ASSERT_EQ(upload("c.txt", "three", {{"X-Client-Id", id}}).status, 200);
  ASSERT_EQ(request(port, http::verb::delete_, "/files/a.txt", "", {{"X-Client-Id", id}}).status, 200);
  auto body = "{\"since\":" + std::to_string(point) + ",\"hub_id\":\"" + plan->hub_id + "\",\"files\":[]}";
  auto inc = json::parse_sync_plan(request(port, http::verb::post, "/sync", body).body, &error);
  ASSERT_TRUE(inc) << error;
  EXPECT_TRUE(inc->incremental);
  ASSERT_EQ(inc->download.size(), 1u) << "only what changed since the sync point";
  EXPECT_EQ(inc->download[0].path, "c.txt");
  ASSERT_EQ(inc->remove.size(), 1u) << "a tombstone of a path the client did not list is passed on";
  EXPECT_EQ(inc->remove[0].path, "a.txt");
  EXPECT_EQ(inc->sequence, point + 2);

  for (auto foreign : {std::string("{\"since\":1,\"hub_id\":\"another-hub\",\"files\":[]}"),
                       std::string("{\"since\":999999,\"hub_id\":\"") + plan->hub_id + "\",\"files\":[]}"}) {
    auto r = json::parse_sync_plan(request(port, http::verb::post, "/sync", foreign).body, &error);
    ASSERT_TRUE(r) << error;
    EXPECT_FALSE(r->incremental) << foreign;
    EXPECT_TRUE(r->download.empty() && r->remove.empty()) << "the client must send everything first";
  }
  EXPECT_EQ(request(port, http::verb::post, "/sync", "{\"since\":1,\"files\":[]}").status, 400);
}
