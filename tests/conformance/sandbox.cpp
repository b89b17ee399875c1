#include "tests/conformance/sandbox.hpp"

#include "agents/builtin.hpp"
#include "core/security/enrolment.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "core/util/ids.hpp"
#include "tests/support/puppet_master.hpp"

namespace drover::conformance {
namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(DROVER_SOURCE_DIR) / "tests/conformance/data";

void writeFile(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  util::writeFileAtomically(file, text);
}

// Puppet's own state, an environment with an (empty) manifest for apply and agent runs;
// waitforcert 0: a certificate request that no master answers fails at once.
void writePuppet(const fs::path& root) {
  fs::path confdir = ::drover::testing::writeNodePuppetConfig(
      root, {}, {{"certname", kIdentity}, {"waitforcert", "0"}});
  writeFile(confdir / "code/environments/production/manifests/site.pp", "# empty\n");
}

agents::BuiltinConfig agentConfig(const fs::path& caConfig) {
  agents::BuiltinConfig config;
  config.puppet.command = (kData / "puppet").string();
  config.puppetca.command = (kData / "puppetserver").string();
  config.puppetca.puppetConf = caConfig;
  config.naming.setHostname = false;  // never the machine's hostname
  return config;
}

agents::NodeFiles nodeFiles(const fs::path& root) {
  agents::NodeFiles files;
  files.root = root;
  files.keyFile = root / "etc/drover/ssl/node.key";
  files.certFile = root / "etc/drover/ssl/node.pem";
  files.tokenFile = root / "etc/drover/provisioning.token";
  return files;
}

}  // namespace

// The node as its agents see it: the NodeCore, but with message security in first-boot
// mode for provision#enrol, while the core itself checks no signatures (the suite is
// about agents and DDLs, not about callers).
class Sandbox::Info : public agents::NodeInfo {
 public:
  Info(const node::NodeCore& core, agents::EnrolmentHost& host) : core_(core), host_(host) {}
  std::string identity() const override { return core_.identity(); }
  Json facts() const override { return core_.facts(); }
  std::vector<std::string> classes() const override { return core_.classes(); }
  Json agentInventory() const override { return core_.agentInventory(); }
  std::string mainCollective() const override { return core_.mainCollective(); }
  std::vector<std::string> collectives() const override { return core_.collectives(); }
  Json stats() const override { return core_.stats(); }
  std::string version() const override { return core_.version(); }
  std::string securityStatus() const override { return "enrolling"; }
  agents::EnrolmentHost* enrolmentHost() const override { return &host_; }

 private:
  const node::NodeCore& core_;
  agents::EnrolmentHost& host_;
};

Sandbox::Sandbox() : ddls_({fs::path(DROVER_SOURCE_DIR) / "ddl"}) {
  node::NodeSecurity::Parts parts;
  parts.mode = node::SecurityMode::Enrolling;
  parts.store = collective_.store();
  enrolment_ = std::make_shared<node::NodeSecurity>(std::move(parts));
  node::NodeIdentity id;
  id.identity = kIdentity;
  core_ = std::make_unique<node::NodeCore>(id);
  core_->setFacts({{"os", {{"family", "Debian"}}}, {"role", "web"}});
  info_ = std::make_unique<Info>(*core_, *enrolment_);
  // <root>/etc/puppet: the confdir of a node with its own root.
  writePuppet(root());
  agents::NodeFiles files = nodeFiles(root());
  writeFile(caConfig(), "[main]\nssldir = " + (root() / "ca-ssl").string() + "\n");
  writeFile(files.tokenFile, security::ProvisioningToken::generate(1).toYaml());
  for (auto& agent : agents::makeBuiltinAgents(ddls_, *info_, agentConfig(caConfig()), files)) {
    core_->addAgent(std::move(agent));
  }
}

Sandbox::~Sandbox() = default;

envelope::Envelope Sandbox::request(const std::string& agent, const std::string& action,
                                    const Json& args) const {
  envelope::Envelope request;
  request.id = util::randomId();
  request.type = envelope::MessageType::Request;
  request.sender = "alice.admin";
  request.collective = "drover";
  request.agent = agent;
  request.action = action;
  request.args = args;
  request.time = util::nowMs();
  request.ttl = 600;
  request.replyTo = "drover.reply.conformance";
  return request;
}

node::Decision Sandbox::inspect(const std::string& agent, const std::string& action,
                                const Json& args) {
  return core_->inspect(request(agent, action, args), "drover.node." + std::string(kIdentity));
}

envelope::Envelope Sandbox::call(const std::string& agent, const std::string& action,
                                 const Json& args) {
  envelope::Envelope sent = request(agent, action, args);
  node::Decision decision = core_->inspect(sent, "drover.node." + std::string(kIdentity));
  if (decision.kind == node::Decision::Kind::Run) return core_->execute(decision, sent);
  if (decision.kind == node::Decision::Kind::Reply) return decision.reply;
  envelope::Envelope none;
  none.status = {envelope::StatusCode::UnknownError, "not run: " + decision.reason};
  return none;
}

}  // namespace drover::conformance
