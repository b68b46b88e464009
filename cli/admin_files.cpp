#include "cli/admin_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

namespace syncer {

std::string read_admin_token(const std::string& data_dir) {
  std::ifstream in(data_dir + "/admin.token");
  std::string token;
  in >> token;
  return token;
}

std::string admin_token(const std::string& data_dir, std::string* error) {
  auto token = read_admin_token(data_dir);
  if (!token.empty()) return token;
  std::random_device rd;  // the kernel's random source
  static const char* hex = "0123456789abcdef";
  for (int i = 0; i < 64; ++i) token += hex[rd() % 16];
  std::string file = data_dir + "/admin.token";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  std::string line = token + "\n";
  if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::close(fd) != 0) {
    *error = "cannot write " + file + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return {};
  }
  return token;
}

void write_admin_port(const std::string& data_dir, uint16_t port) {
  std::ofstream(data_dir + "/admin.port", std::ios::trunc) << port << "\n";
}

void remove_admin_port(const std::string& data_dir) { std::remove((data_dir + "/admin.port").c_str()); }

std::optional<uint16_t> read_admin_port(const std::string& data_dir) {
  std::ifstream f(data_dir + "/admin.port");
  int port = 0;
  if (!(f >> port) || port <= 0 || port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

}  // namespace syncer
