#include "actors/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace syncer::log {
namespace {

std::atomic<bool> verbose_flag{false};
std::mutex write_mutex;

void write(const char* level, std::string_view who, std::string_view message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto t = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(write_mutex);
  std::fprintf(stderr, "%s.%03dZ %-5s %.*s: %.*s\n", stamp, static_cast<int>(ms), level,
               static_cast<int>(who.size()), who.data(), static_cast<int>(message.size()),
               message.data());
}

}  // namespace

void set_verbose(bool v) { verbose_flag = v; }
bool verbose() { return verbose_flag; }
void info(std::string_view who, std::string_view m) { write("INFO", who, m); }
void warn(std::string_view who, std::string_view m) { write("WARN", who, m); }
void error(std::string_view who, std::string_view m) { write("ERROR", who, m); }
void debug(std::string_view who, std::string_view m) {
  if (verbose_flag) write("DEBUG", who, m);
}

}  // namespace syncer::log
