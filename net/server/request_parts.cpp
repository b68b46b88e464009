#include "net/server/request_parts.h"

#include <cctype>

#include "actors/rules/path_rules.h"

namespace syncer::edge {

target_parts split_target(std::string_view target) {
  target_parts out;
  std::string t(target);
  auto q = t.find('?');
  out.path = t.substr(0, q);
  if (q == std::string::npos) return out;
  std::string rest = t.substr(q + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    auto amp = rest.find('&', start);
    if (amp == std::string::npos) amp = rest.size();
    auto item = rest.substr(start, amp - start);
    start = amp + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto key = percent_decode(item.substr(0, eq));
    auto value = percent_decode(eq == std::string::npos ? "" : item.substr(eq + 1));
    if (!key || !value) {
      out.ok = false;
      return out;
    }
    out.query[*key] = *value;
  }
  return out;
}

bool valid_client_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

}  // namespace syncer::edge
