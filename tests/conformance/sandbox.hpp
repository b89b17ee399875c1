#pragma once
// A node for the conformance suite: the shipped DDLs (ddl/), every built-in agent
// registered by agents/builtin.cpp (puppetca too) on a NodeCore without sockets, and
// every file the agents touch under a temporary root. Requests go through the node's
// own path: inspect() (the checks, the one action lookup, DDL input validation), then
// execute() (the agent's handler).
//
// What runs for real: Puppet (`puppet config print`, `apply`, `agent --disable`,
// `ssl`), the node's message security in first-boot mode (enrol, install_certificate)
// against a throwaway CA. What cannot run here has a stand-in in data/: a Puppet master
// (data/puppet turns an agent run into a local apply) and puppetserver's CA CLI
// (data/puppetserver).
#include <filesystem>
#include <memory>
#include <string>

#include "core/ddl/repository.hpp"
#include "core/envelope/envelope.hpp"
#include "node/node_core.hpp"
#include "node/node_security.hpp"
#include "testing/process.hpp"
#include "tests/unit/security/test_collective.hpp"

namespace drover::conformance {

/// The built-in agents and their DDLs.
inline const std::vector<std::string> kBuiltinAgents{"rpcutil", "puppet",  "provision",
                                                     "naming",  "cluster", "puppetca"};

inline constexpr const char* kIdentity = "n1.example";

class Sandbox {
 public:
  Sandbox();
  ~Sandbox();

  node::NodeCore& node() { return *core_; }
  const ddl::Repository& ddls() const { return ddls_; }
  const std::filesystem::path& root() const { return root_.path(); }
  security::testing::TestCollective& collective() { return collective_; }
  /// The puppet.conf the puppetca agent hands to `puppetserver ca`.
  std::filesystem::path caConfig() const { return root_ / "etc/puppetserver/puppet.conf"; }

  /// agent#action with `args`, as a verified admin would send it to this node.
  node::Decision inspect(const std::string& agent, const std::string& action, const Json& args);
  /// inspect(), then runs the action when accepted: the reply (a refusal otherwise).
  envelope::Envelope call(const std::string& agent, const std::string& action, const Json& args);

 private:
  class Info;
  envelope::Envelope request(const std::string& agent, const std::string& action,
                             const Json& args) const;

  ::drover::testing::TempDir root_;
  security::testing::TestCollective collective_;
  ddl::Repository ddls_;
  std::shared_ptr<node::NodeSecurity> enrolment_;
  std::unique_ptr<node::NodeCore> core_;
  std::unique_ptr<Info> info_;
};

}  // namespace drover::conformance
