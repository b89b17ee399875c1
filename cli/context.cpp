#include "cli/context.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "core/filter/filter.hpp"
#include "core/log/log.hpp"
#include "core/util/build_info.hpp"

namespace drover::cli {
namespace {

bool isRegex(const std::string& value) {
  return value.size() >= 2 && value.front() == '/' && value.back() == '/';
}

std::string trim(const std::string& text) {
  auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// "'noop' is an input of puppet#runonce ...": the refusal of a fact filter on an input.
std::string inputAsFact(const std::string& call, const filter::FactUse& use) {
  const std::string name(use.name);
  const bool assignment = use.op == "=" || use.op == "==";
  const std::string asInput = name + "=" + (assignment ? std::string(use.value) : "VALUE");
  return "'" + name + "' is an input of " + call + ", not a fact: to pass it, write " + asInput +
         " after the action, without a flag; to filter on a fact named '" + name +
         "', write fact(" + name + ")" + std::string(use.op) + std::string(use.value);
}

// "'noop=true' is no identity ...", or "" for a name that may be one.
std::string notAnIdentity(const std::string& name) {
  if (name.find('=') == std::string::npos) return "";
  return "'" + name + "' is no identity (identities cannot contain '='; an action input " +
         "goes after the action)";
}

std::vector<std::string> readNodeList(std::istream& in, const std::string& source) {
  std::vector<std::string> nodes;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (auto why = notAnIdentity(line); !why.empty()) {
      throw UsageError("--nodes " + source + ": line " + std::to_string(number) + ": " + why);
    }
    nodes.push_back(line);
  }
  return nodes;
}

}  // namespace

CLI::Validator identityCheck() {
  return CLI::Validator([](std::string& value) { return notAnIdentity(value); }, "");
}

bool usesFilterFlag(int argc, const char* const* argv) {
  static const std::set<std::string, std::less<>> kLong{
      "--wf", "--with-fact",     "--wc",     "--with-class", "--wa", "--with-agent",
      "--wi", "--with-identity", "--select", "--with"};
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (kLong.count(arg.substr(0, arg.find('=')))) return true;
    if (arg.size() >= 2 && arg[0] == '-' && std::string_view("FCAISW").find(arg[1]) != arg.npos) {
      return true;
    }
  }
  return false;
}

Context::Context()
    : app_("drover: ask the nodes of a Drover collective, with discovery filters"),
      overrides_(rpc::ClientConfig::table(), rpc::ClientConfig::kDefaultFile) {
  app_.require_subcommand(1);
  app_.fallthrough();  // global flags such as --timeout may follow the subcommand
  app_.footer(
      "Exit status: 0 all nodes ok; 1 a node failed or did not reply; 2 bad usage, filter,\n"
      "arguments or config; 3 broker unreachable; 4 no node matched.");
  app_.set_version_flag("--version", util::versionText("drover"));
  overrides_.addFlags(app_);
}

void Context::addDiscoveryFlags(CLI::App& command) {
  // One value per use: with CLI11's default a vector option takes every word up to the
  // next flag, and `-I web1 noop=true` swallowed the action's input.
  const auto once = [&command](const std::string& names, std::vector<std::string>& values,
                               const std::string& help) {
    command.add_option(names, values, help)->expected(1)->take_all()->allow_extra_args(false);
  };
  once("-F,--wf,--with-fact", discovery_.facts,
       "Fact filter: fact=value, fact!=v, fact>=n, fact=~/re/ (one per flag; repeat it)");
  once("-C,--wc,--with-class", discovery_.classes, "Class, or /regex/ (one per flag; repeat it)");
  once("-A,--wa,--with-agent", discovery_.agents, "Agent the node hosts (one per flag; repeat it)");
  once("-I,--wi,--with-identity", discovery_.identities,
       "Identity, service name or alias, or /regex/ (one per flag; repeat it)");
  once("-S,--select", discovery_.compound,
       "Compound filter: region=eu and (role=web or role=db) and not class(x)");
  // MCollective's combined filter: its words become -F and -C values.
  once("-W,--with", discovery_.combined,
       "Facts and classes in one, as MCollective's -W: 'region=eu role::web' (a word with an "
       "operator is a fact comparison, a /regex/ or a name a class)");
  command.get_option("-W")->each([this](const std::string& words) { splitCombined(words); });
  command
      .add_option("--dt,--discovery-timeout", discovery_.discoveryTimeout,
                  "Seconds discovery waits at most (MCollective's --dt); default: --timeout")
      ->check(CLI::Range(1, 3600));
  command.add_option("--nodes", discovery_.nodesFile,
                     "Address the nodes listed in FILE (one per line; - for stdin)");
  command.add_option("--limit", discovery_.limit, "Only N nodes, or N% of them, chosen at random");
  command
      .add_option("--dm", discovery_.method,
                  "How a filter finds the nodes: broadcast (every node hears it), registry (a "
                  "provisioner's registry answers, the nodes are then asked directly) or nodes "
                  "(--nodes FILE); default: discovery_method in client.yaml")
      ->check(CLI::IsMember({"broadcast", "registry", "nodes"}));
}

void Context::splitCombined(const std::string& words) {
  std::istringstream in(words);
  for (std::string word; in >> word;) {
    bool regex = word.size() >= 2 && word.front() == '/' && word.back() == '/';
    bool comparison = !regex && word.find_first_of("=<>!~") != std::string::npos;
    (comparison ? discovery_.facts : discovery_.classes).push_back(word);
  }
}

void Context::addBatchFlags(CLI::App& command) {
  command.add_option("--batch", discovery_.batch, "Call N nodes at a time");
  command.add_option("--batch-sleep", discovery_.batchSleep, "Seconds between batches")
      ->check(CLI::NonNegativeNumber);
}

void Context::addOutputFlags(CLI::App& command) {
  command.add_flag("-j,--json", output_.json, "Print results as JSON");
  command.add_flag("-v,--verbose", output_.verbose, "Show every result, and nodes per value");
  command.add_flag("--np,--no-progress", output_.noProgress, "No progress line on the terminal");
}

void Context::finishConfig() {
  try {
    config_ = rpc::ClientConfig::load(overrides_.configFile(), overrides_);
    log::setLevel(config_.logLevel);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
}

std::string Context::filterExpression() const {
  try {
    return filter::combine(discovery_.facts, discovery_.classes, discovery_.agents,
                           discovery_.identities, discovery_.compound, factCheck_);
  } catch (const filter::FilterError& e) {
    throw UsageError(e.what());
  }
}

void Context::refuseInputsAsFacts(const std::string& agent, const ddl::Action& action) {
  std::set<std::string, std::less<>> inputs;
  for (const auto& input : action.inputs) inputs.insert(input.name);
  factCheck_ = [call = agent + "#" + action.name, inputs](const filter::FactUse& use) {
    return inputs.count(use.name) ? inputAsFact(call, use) : std::string();
  };
}

std::optional<std::vector<std::string>> Context::knownNodes() const {
  bool otherFilters = !discovery_.facts.empty() || !discovery_.classes.empty() ||
                      !discovery_.agents.empty() || !discovery_.compound.empty();
  if (!discovery_.nodesFile.empty()) {
    if (otherFilters || !discovery_.identities.empty()) {
      throw UsageError("--nodes cannot be combined with -F, -C, -A, -I or -S");
    }
    if (discovery_.nodesFile == "-") return readNodeList(std::cin, "-");
    std::ifstream in(discovery_.nodesFile);
    if (!in) throw UsageError("--nodes: cannot read " + discovery_.nodesFile);
    return readNodeList(in, discovery_.nodesFile);
  }
  if (!exactIdentitiesOnly()) return std::nullopt;
  filterExpression();  // still reject malformed identities before sending
  return discovery_.identities;
}

std::string Context::discoveryMethod() const {
  const std::string& flag = discovery_.method;
  if (!discovery_.nodesFile.empty()) {
    if (!flag.empty() && flag != "nodes") {
      throw UsageError(
          "--nodes is discovery from a list (--dm nodes); it cannot be combined "
          "with --dm " +
          flag);
    }
    return "nodes";
  }
  if (flag == "nodes") throw UsageError("--dm nodes needs --nodes FILE (or - for stdin)");
  return flag.empty() ? config_.discoveryMethod : flag;
}

bool Context::exactIdentitiesOnly() const {
  bool otherFilters = !discovery_.facts.empty() || !discovery_.classes.empty() ||
                      !discovery_.agents.empty() || !discovery_.compound.empty() ||
                      !discovery_.nodesFile.empty();
  if (discovery_.identities.empty() || otherFilters) return false;
  return std::none_of(discovery_.identities.begin(), discovery_.identities.end(), isRegex);
}

rpc::Client& Context::client() {
  if (!client_) {
    bus::ConnectionOptions options;
    options.curve = config_.bus.curve();
    std::shared_ptr<const rpc::ClientSecurity> security;
    if (config_.securityEnabled) {
      try {
        security = rpc::ClientSecurity::fromFiles(config_.caFile, config_.crlFile, config_.certFile,
                                                  config_.keyFile);
      } catch (const std::exception& e) {
        throw UsageError(std::string(e.what()) +
                         "\n  (security.* in client.yaml; `drover cert issue NAME.admin` "
                         "makes a certificate)");
      }
    }
    client_ = std::make_unique<rpc::Client>(zmq_, config_.bus.endpoints(), config_.identity,
                                            config_.mainCollective, std::chrono::milliseconds(5000),
                                            options, std::move(security));
  }
  return *client_;
}

const ddl::Repository& Context::ddls() {
  if (!ddls_) {
    ddls_ = std::make_unique<ddl::Repository>(
        std::vector<std::filesystem::path>(config_.ddlDirs.begin(), config_.ddlDirs.end()));
    for (const auto& error : ddls_->errors()) {
      log::get("drover.cli")->warn("skipping DDL: {}", error.message);
    }
  }
  return *ddls_;
}

std::chrono::milliseconds Context::timeout(std::chrono::milliseconds atLeast) const {
  // An explicit --timeout is the operator's word; otherwise an rpc waits at least as
  // long as its agent may run.
  const CLI::Option* flag = app_.get_option_no_throw("--timeout");
  if (flag != nullptr && flag->count() > 0) return config_.timeout;
  return std::max<std::chrono::milliseconds>(config_.timeout, atLeast);
}

}  // namespace drover::cli
