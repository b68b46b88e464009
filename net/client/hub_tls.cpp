#include "net/client/hub_tls.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>

#include "actors/log.h"
#include "actors/rules/device_id.h"
#include "net/tls/tls_context.h"

namespace syncer::edge {

namespace {
std::mutex mutex;  // the context cache and the record file
}

std::shared_ptr<boost::asio::ssl::context> client_tls_context(const hub_address& a, std::string* error) {
  static std::map<std::string, std::shared_ptr<boost::asio::ssl::context>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& ctx = cache[a.cert_file + "\n" + a.key_file];
  if (!ctx) ctx = make_tls_context(false, a.cert_file, a.key_file, error);
  return ctx;
}

bool check_hub_identity(SSL* ssl, const hub_address& a, std::string* error) {
  auto seen = peer_device_id(ssl);
  std::string where = a.host + ":" + std::to_string(a.port);
  if (seen.empty()) {
    *error = "the hub at " + where + " presented no certificate";
    return false;
  }
  if (!a.server_id.empty()) {
    if (seen == a.server_id) return true;
    *error = "the hub at " + where + " presents device ID " + seen + ", but server_id in the config pins " +
             a.server_id + ": if the hub's identity was replaced on purpose, check `syncer id` on the hub and update "
             "server_id; otherwise something else is answering at that address (refusing it)";
    return false;
  }
  if (a.hub_id_file.empty()) return true;
  std::lock_guard<std::mutex> lock(mutex);
  std::ifstream in(a.hub_id_file);
  std::string recorded;
  if (in >> recorded) {
    if (recorded == seen) return true;
    *error = "the hub at " + where + " presents device ID " + seen + ", but this client first met the hub " + recorded +
             " (recorded in " + a.hub_id_file + "): if the hub was reinstalled on purpose, check `syncer id` on it, "
             "then delete that file or set server_id; otherwise something else is answering at that address "
             "(refusing it)";
    return false;
  }
  int fd = ::open(a.hub_id_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    std::string line = seen + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ok = ::fsync(fd) == 0 && ok;
    ::close(fd);
    if (!ok) {
      ::unlink(a.hub_id_file.c_str());
      *error = "cannot record the hub's device ID in " + a.hub_id_file;
      return false;
    }
  }
  log::info("client", "trusting the hub at " + where + " on first use: device ID " + seen + " (recorded in " +
                          a.hub_id_file + "; pin it with server_id)");
  return true;
}

}  // namespace syncer::edge
