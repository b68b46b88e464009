// syncer: one binary, several commands (BRIEF §1).
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace {

const char* usage = R"(syncer — keep folders identical on a local network

usage: syncer <command> [options]

commands:
  node          run a hub (--role server) or a client (--role client)
  init          write a client config.yaml and create its sync folder
  status        what this client knows: hub reachable, files, pending work
  inspect       live state of every actor of a running node
  check-ignore  which paths the ignore rules exclude (like git check-ignore)
  conflicts     conflict copies still on disk
  deletions     local deletions held by the mass-delete guard (--accept | --restore)
  history       every retained version of a file or folder (--deleted: the trash)
  restore       bring a version back, everywhere or into a local path (--to)
  gc            run the hub's janitor now (retention)
  id            this node's device ID (its certificate's fingerprint)
  devices       on the hub: list, accept or remove devices

Run `syncer <command> --help` for the options of a command.
)";

}  // namespace

int main(int argc, char** argv) {
  // glibc gives every thread that allocates its own arena (up to 8 per
  // core); with a dozen actor and I/O threads passing batches of MiBs
  // around, freed memory then sits in many arenas and the RSS doubles.
  // Two arenas keep it close to what is actually live.
  mallopt(M_ARENA_MAX, 2);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(usage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("syncer %s\n", SYNCER_VERSION);
    return 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "node") return syncer::command_node(args);
    if (command == "init") return syncer::command_init(args);
    if (command == "status") return syncer::command_status(args);
    if (command == "inspect") return syncer::command_inspect(args);
    if (command == "check-ignore") return syncer::command_check_ignore(args);
    if (command == "conflicts") return syncer::command_conflicts(args);
    if (command == "deletions") return syncer::command_deletions(args);
    if (command == "history") return syncer::command_history(args);
    if (command == "restore") return syncer::command_restore(args);
    if (command == "gc") return syncer::command_gc(args);
    if (command == "id") return syncer::command_id(args);
    if (command == "devices") return syncer::command_devices(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "syncer %s: %s\n", command.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "syncer: unknown command '%s' (run `syncer --help` for the list)\n", command.c_str());
  return 2;
}
