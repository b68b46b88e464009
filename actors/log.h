// One line per event on stderr: "2026-11-24T22:41:07.123Z INFO  watcher: text".
// Thread-safe; debug lines only with --verbose.
#pragma once

#include <string_view>

namespace syncer::log {

void set_verbose(bool verbose);
bool verbose();

void info(std::string_view who, std::string_view message);
void warn(std::string_view who, std::string_view message);
void error(std::string_view who, std::string_view message);
void debug(std::string_view who, std::string_view message);

}  // namespace syncer::log
