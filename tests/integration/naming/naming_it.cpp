#include "tests/integration/naming/naming_it.hpp"

namespace drover::integration {
namespace {

fs::path namingFlow() {
  return fs::path(DROVER_SOURCE_DIR) / "tests/integration/naming/naming_flow.yaml";
}

}  // namespace

void NamingSuite::SetUp() {
  // unshare(2) of UTS and mount namespaces and the mounts need root.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: nodes run in namespaces of their own";
  machineHostname_ = ownHostname();
  provisioner_ = std::make_unique<Provisioner>(
      fleet_, "names.provisioner",
      std::vector<std::string>{"--naming-release-after", std::to_string(kReleaseAfterSeconds),
                               "--naming-domain", kDomain},
      namingFlow().string());
  provisioner_->start();
  admin_ = std::make_unique<rpc::Client>(context_, fleet_.endpoints(), "", "drover", 5000ms,
                                         bus::ConnectionOptions{}, fleet_.adminSecurity());
}

void NamingSuite::TearDown() {
  if (!machineHostname_.empty()) {
    EXPECT_EQ(ownHostname(), machineHostname_) << "a node renamed the machine, not its namespace";
  }
}

NodeSpec NamingSuite::dbNode(int n) {
  auto& root = roots_[n] = std::make_unique<testing::TempDir>();
  fs::create_directories(root->path() / "etc");
  util::writeFileAtomically(root->path() / "etc" / "hosts", kImageHosts);
  NodeSpec s = spec(identity(n), "eu", "fprov");
  s.facts += "ipaddress: " + addressOf(n) + "\n";
  // The shipped policy: the provisioner renames the node and pushes the hosts list.
  s.policies.push_back(
      {"naming", readFile(fs::path(DROVER_SOURCE_DIR) / "etc" / "policies" / "naming.yaml")});
  // Registrations every 2 s keep a live node's name well inside release_after.
  s.extraArgs = {"--root",
                 root->path().string(),
                 "--hosts-file",
                 "/etc/hosts",
                 "--naming-service",
                 "db",
                 "--naming-type",
                 "masterful",
                 "--naming-set-hostname",
                 "true",
                 "--registration-interval",
                 "2"};
  s.launcher = {NAMING_NODE_LAUNCHER, root->path().string(), "--"};
  return s;
}

Node& NamingSuite::startNode(int n) { return fleet_.addNode(dbNode(n)); }

std::map<std::string, int> NamingSuite::startNamed(int count) {
  std::vector<NodeSpec> specs;
  for (int n = 1; n <= count; ++n) specs.push_back(dbNode(n));
  fleet_.addNodes(specs);
  std::map<std::string, std::string> held;
  auto allNamed = [&] { return (held = holders()).size() == static_cast<std::size_t>(count); };
  std::map<std::string, int> named;
  if (!testing::waitFor(allNamed, kNamedWithin)) return named;
  for (const auto& [name, node] : held) named[name] = std::stoi(node.substr(node.find('-') + 1));
  // Assigned is not yet told: the node has its name once its hostname shows it.
  for (const auto& [name, n] : named) {
    if (!waitHostname(n, name)) return {};
  }
  return named;
}

Json NamingSuite::control(const std::string& action, Json args) {
  rpc::CallSpec call;
  call.agent = "provisioner";
  call.action = action;
  call.args = std::move(args);
  call.nodes = std::vector<std::string>{provisioner_->name()};
  call.replier = security::Role::Provisioner;
  call.timeout = 5s;
  rpc::CallResult result = admin_->call(call);
  if (result.replies.size() != 1 || !result.replies.front().status.ok()) return nullptr;
  return result.replies.front().data;
}

std::map<std::string, std::string> NamingSuite::holders() {
  std::map<std::string, std::string> held;
  Json listed = control("names");
  if (!listed.is_object()) return held;
  for (const auto& holding : listed["names"]) {
    held[holding["name"].get<std::string>()] = holding["node"].get<std::string>();
  }
  return held;
}

std::vector<std::string> NamingSuite::historyKinds(const std::string& name) {
  std::vector<std::string> kinds;
  Json shown = control("name_show", {{"name", name}});
  if (!shown.is_object()) return kinds;
  for (const auto& row : shown["history"]) kinds.push_back(row["kind"].get<std::string>());
  return kinds;
}

bool NamingSuite::waitHolders(const std::map<std::string, int>& expected) {
  std::map<std::string, std::string> want;
  for (const auto& [name, n] : expected) want[name] = identity(n);
  return testing::waitFor([&] { return holders() == want; }, kNamedWithin);
}

bool NamingSuite::waitHostname(int n, const std::string& name) {
  return testing::waitFor([&] { return hostnameIn(node(n)) == name; }, kNamedWithin);
}

bool NamingSuite::waitResolves(const std::set<int>& hosts, const std::string& name,
                               const std::string& address) {
  return testing::waitFor(
      [&] {
        for (int n : hosts) {
          if (resolveIn(node(n), name) != address) return false;
        }
        return true;
      },
      kNamedWithin);
}

}  // namespace drover::integration
