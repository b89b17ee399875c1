#include "tests/conformance/actions.hpp"

#include <filesystem>

#include "core/ddl/loader.hpp"
#include "tests/conformance/sandbox.hpp"

namespace drover::conformance {

std::vector<AgentAction> builtinActions() {
  std::vector<AgentAction> all;
  for (const auto& agent : kBuiltinAgents) {
    auto ddl = ddl::loadFile(std::filesystem::path(DROVER_SOURCE_DIR) / "ddl" / (agent + ".json"));
    for (const auto& action : ddl.actions) all.push_back({agent, action.name});
  }
  return all;
}

std::string testName(const AgentAction& action) {
  std::string name = action.agent + "_" + action.action;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

}  // namespace drover::conformance
