// A small, strict command-line parser: every command declares its options
// (with or without a value); anything else is a usage error.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace syncer {

struct option_spec {
  std::string name;  // "--config" or "-v"
  bool takes_value = false;
  std::string help;
};

struct parsed_args {
  std::map<std::string, std::string> values;  // options with a value
  std::set<std::string> flags;                // options without a value
  std::vector<std::string> positional;

  bool has(const std::string& name) const { return values.count(name) || flags.count(name); }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
};

// nullopt + error on an unknown option or a missing value.
std::optional<parsed_args> parse_args(const std::vector<std::string>& args, const std::vector<option_spec>& specs,
                                      bool allow_positional, std::string* error);

std::string format_options(const std::vector<option_spec>& specs);

}  // namespace syncer
