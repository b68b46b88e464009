// The files through which the CLI finds a running hub's local admin
// endpoint in its data dir: admin.port (while the hub runs) and
// admin.token (a random secret, mode 0600, made once), so that only who
// can read the data dir can accept or remove devices.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace syncer {

// The token of `data_dir`, made when there is none; "" + error on failure.
std::string admin_token(const std::string& data_dir, std::string* error);
// The token without making one ("" when absent).
std::string read_admin_token(const std::string& data_dir);
void write_admin_port(const std::string& data_dir, uint16_t port);
void remove_admin_port(const std::string& data_dir);
std::optional<uint16_t> read_admin_port(const std::string& data_dir);

}  // namespace syncer
