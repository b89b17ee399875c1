// Fuzz target for the policy file loader, policy::parsePolicy (etc/policies/README.md).
// A rejected file must be a PolicyError listing at least one problem, each placed as
// "file:line:column: ...". A policy that loads is asked to decide for a few callers,
// actions and nodes; deciding never throws and always names what decided.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/policy/policy_loader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace drover;

constexpr const char* kFile = "puppet.yaml";

struct SampleNode {
  Json facts;
  std::vector<std::string> classes;
  std::vector<std::string> agents;
  std::string identity;
};

const std::vector<SampleNode>& sampleNodes() {
  static const std::vector<SampleNode> nodes{
      {Json::parse(R"({"region": "eu-west-1", "env": "production", "cpus": 8,
                       "os": {"family": "Debian"}, "maintenance": false})"),
       {"role::web", "profile::db"},
       {"puppet", "rpcutil"},
       "web1.example.com"},
      {Json::object(), {}, {}, ""},
  };
  return nodes;
}

const std::vector<policy::Caller>& sampleCallers() {
  static const std::vector<policy::Caller> callers{{"alice.admin", "admin"},
                                                   {"ops.dave", "admin"},
                                                   {"prov1.provisioner", "provisioner"},
                                                   {"web1.example.com", "node"},
                                                   {"", ""}};
  return callers;
}

void checkRejection(const policy::PolicyError& error) {
  if (error.problems().empty()) fuzz::violated("a PolicyError lists a problem");
  for (const auto& problem : error.problems()) {
    if (problem.rfind(std::string(kFile) + ":", 0) != 0) {
      fuzz::violated("every problem names the file", problem);
    }
  }
}

void decideSamples(const policy::Policy& loaded) {
  for (const auto& node : sampleNodes()) {
    const filter::NodeView view{node.facts, node.classes, node.agents, node.identity};
    for (const auto& caller : sampleCallers()) {
      for (const char* action : {"runonce", "status", "disable", ""}) {
        if (loaded.decide(caller, action, view).reason.empty()) {
          fuzz::violated("a decision names its reason");
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  policy::Policy loaded;
  try {
    loaded = policy::parsePolicy(std::string(fuzz::asText(data, size)), kFile, "puppet");
  } catch (const policy::PolicyError& e) {
    checkRejection(e);
    return 0;
  }
  decideSamples(loaded);
  return 0;
}
