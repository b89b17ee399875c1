// drover: the admin CLI. Parses flags, loads client.yaml, runs one subcommand, and
// maps failures to the exit codes listed in --help.
#include <cstdio>
#include <string_view>

#include "cli/commands/commands.hpp"

int main(int argc, char** argv) {
  using namespace drover::cli;
  Context context;
  Command chosen;
  addPing(context, chosen);
  addFind(context, chosen);
  addRpc(context, chosen);
  addFacts(context, chosen);
  addInventory(context, chosen);
  addPlugin(context, chosen);
  addDdl(context, chosen);
  addCert(context, chosen);
  addProvision(context, chosen);
  addNotify(context, chosen);
  addName(context, chosen);
  addDeploy(context, chosen);
  if (argc >= 2 && std::string_view(argv[1]) == "__complete") {
    return runCompletion(context, std::vector<std::string>(argv + 2, argv + argc));
  }
  try {
    context.app().parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (context.app().exit(e) == 0) return kExitOk;
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && usesFilterFlag(argc, argv)) {
      std::fprintf(stderr,
                   "(-F, -C, -A, -I, -S and -W take one value each: repeat the flag for "
                   "more, as in -I web1 -I web2)\n");
    }
    return kExitUsage;
  }
  try {
    context.finishConfig();
    return chosen();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "drover: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover: %s\n", e.what());
    return kExitNoBroker;
  }
}
