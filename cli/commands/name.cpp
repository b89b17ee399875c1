// drover name list|show|promote|release|reserve: the collective's service names as the
// provisioners hold them (provisioner/control.hpp: names, name_show, name_promote,
// name_release, name_reserve). Asked like `drover provision`: every provisioner, or one
// with --provisioner. The changing commands take --dry-run, which shows the changes the
// provisioner would make and makes none.
#include "cli/commands/commands.hpp"
#include "cli/commands/name_text.hpp"
#include "cli/output.hpp"
#include "core/naming/names.hpp"

namespace drover::cli {
namespace {

struct NameFlags {
  std::string provisioner;  // --provisioner: address one directly
  std::string service;      // list --service
  std::string name;         // show/release/reserve NAME, promote NODE
  std::string node;         // reserve --node
  std::size_t limit = 0;    // show --limit; 0: the provisioner's default
  bool dryRun = false;
};

Json argsFor(const std::string& action, const NameFlags& flags) {
  Json args = Json::object();
  if (action == "names") {
    if (!flags.service.empty()) args["service"] = flags.service;
    return args;
  }
  args[action == "name_promote" ? "node" : "name"] = flags.name;
  if (action == "name_show") {
    if (flags.limit > 0) args["limit"] = flags.limit;
    return args;
  }
  if (action == "name_reserve" && !flags.node.empty()) args["node"] = flags.node;
  args["dry_run"] = flags.dryRun;
  return args;
}

void printList(const rpc::NodeReply& reply) {
  const Json& d = reply.data;
  const Json names = d.value("names", Json::array());
  std::string domain = d.value("domain", "");
  std::printf("provisioner %s: %zu name(s), domain %s, hosts version %s\n", reply.sender.c_str(),
              names.size(), domain.empty() ? "(none)" : domain.c_str(),
              d.contains("hosts_version") ? d["hosts_version"].dump().c_str() : "-");
  std::printf("%s", holdingsTable(names).c_str());
}

void printShow(const rpc::NodeReply& reply, const std::string& name) {
  const Json& d = reply.data;
  std::printf("%s on provisioner %s\n", name.c_str(), reply.sender.c_str());
  const Json holding = d.value("holding", Json());
  std::printf("%s", holding.is_object() ? holdingText(holding).c_str() : "held by no node now\n");
  const Json history = d.value("history", Json::array());
  std::printf("\nhistory (%zu, oldest first):\n%s", history.size(), historyTable(history).c_str());
}

void printChanges(const rpc::NodeReply& reply, bool dryRun) {
  const Json changes = reply.data.value("changes", Json::array());
  for (const auto& change : changes) std::printf("%s\n", changeLine(change, dryRun).c_str());
  if (changes.empty()) std::printf("nothing to change\n");
  if (dryRun) std::printf("(dry run: %s changed nothing)\n", reply.sender.c_str());
}

void printReply(const rpc::NodeReply& reply, const std::string& action, const NameFlags& flags) {
  if (action == "names") return printList(reply);
  if (action == "name_show") return printShow(reply, flags.name);
  printChanges(reply, flags.dryRun);
}

int runName(Context& context, const NameFlags& flags, const std::string& action) {
  rpc::CallResult result =
      askProvisioners(context, flags.provisioner, action, argsFor(action, flags));
  return showProvisionerReplies(
      context, result, [&](const rpc::NodeReply& reply) { printReply(reply, action, flags); });
}

// Checks a value with a naming rule (core/naming/names.hpp), before anything is sent.
CLI::Validator namingCheck(std::string (*check)(std::string_view)) {
  return CLI::Validator([check](std::string& value) { return check(value); }, "");
}

std::string serviceName(std::string_view name) {
  if (naming::parseName(name)) return "";
  return "'" + std::string(name) +
         "' is no service name (<service>-master, <service>-slave-N or <service>-N)";
}

struct Sub {
  const char* name;
  const char* action;
  const char* help;
};

// The positional argument and flags of one subcommand.
void addArguments(CLI::App* sub, const std::string& action, NameFlags& flags) {
  if (action == "names") {
    sub->add_option("--service", flags.service, "Only the names of this service")
        ->check(namingCheck(naming::checkService));
    return;
  }
  if (action == "name_promote") {
    sub->add_option("NODE", flags.name, "The slave to promote: its identity or its name")
        ->required()
        ->check(identityCheck());
  } else if (action == "name_reserve") {
    sub->add_option("NAME", flags.name, "The name to hold, as db-slave-3 or web-7")
        ->required()
        ->check(namingCheck(serviceName));
    sub->add_option("--node", flags.node, "The identity of the node the name waits for")
        ->check(identityCheck());
  } else {
    sub->add_option("NAME", flags.name, "A name, an alias or a node identity")
        ->required()
        ->check(identityCheck());
  }
  if (action == "name_show") {
    sub->add_option("--limit", flags.limit, "Show at most the newest N history rows")
        ->check(CLI::Range(1, 10000));
    return;
  }
  sub->add_flag("--dry-run", flags.dryRun, "Show the changes that would be made; make none");
}

}  // namespace

void addName(Context& context, Command& chosen) {
  static NameFlags flags;
  CLI::App* command = context.app().add_subcommand(
      "name", "Service names: list, show NAME, promote NODE, release NAME, reserve NAME");
  command->require_subcommand(1);
  command->footer(
      "Every provisioner answers (--provisioner ID asks one). promote, release and reserve\n"
      "need an admin certificate; with --dry-run they print the changes they would make\n"
      "and make none. --json prints the provisioners' replies as they come.");
  static const Sub kSubs[] = {
      {"list", "names", "Every name held or reserved: node, address, aliases, since, live"},
      {"show", "name_show", "One name (or alias, or node): who holds it, and its history"},
      {"promote", "name_promote",
       "Make a slave its service's master; a live old master takes a slave name (admin)"},
      {"release", "name_release", "Free a name (and its node's aliases) now (admin)"},
      {"reserve", "name_reserve", "Hold a name for a node that is coming (admin)"},
  };
  for (const Sub& s : kSubs) {
    CLI::App* sub = command->add_subcommand(s.name, s.help);
    sub->add_option("--provisioner", flags.provisioner, "Ask only this provisioner (its identity)")
        ->check(identityCheck());
    context.addOutputFlags(*sub);
    addArguments(sub, s.action, flags);
    std::string action = s.action;
    sub->callback([&context, &chosen, action] {
      chosen = [&context, action] { return runName(context, flags, action); };
    });
  }
}

}  // namespace drover::cli
