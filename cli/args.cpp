#include "cli/args.h"

namespace syncer {

std::optional<parsed_args> parse_args(const std::vector<std::string>& args, const std::vector<option_spec>& specs,
                                      bool allow_positional, std::string* error) {
  parsed_args out;
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (only_positional || arg.empty() || arg[0] != '-' || arg == "-") {
      if (!allow_positional) {
        *error = "unexpected argument '" + arg + "'";
        return std::nullopt;
      }
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::string value;
    bool inline_value = false;
    auto eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      inline_value = true;
    }
    const option_spec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == arg) spec = &s;
    if (!spec) {
      *error = "unknown option '" + arg + "'";
      return std::nullopt;
    }
    if (spec->takes_value) {
      if (!inline_value) {
        if (i + 1 >= args.size()) {
          *error = "option '" + arg + "' needs a value";
          return std::nullopt;
        }
        value = args[++i];
      }
      out.values[arg] = value;
    } else {
      if (inline_value) {
        *error = "option '" + arg + "' takes no value";
        return std::nullopt;
      }
      out.flags.insert(arg);
    }
  }
  return out;
}

std::string format_options(const std::vector<option_spec>& specs) {
  std::string out;
  for (const auto& s : specs) {
    std::string left = "  " + s.name + (s.takes_value ? " VALUE" : "");
    if (left.size() < 26) left.resize(26, ' ');
    else left += "  ";
    out += left + s.help + "\n";
  }
  return out;
}

}  // namespace syncer
