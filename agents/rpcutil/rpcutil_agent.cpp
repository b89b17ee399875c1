#include "agents/rpcutil/rpcutil_agent.hpp"

#include <set>
#include <sstream>

#include "core/facts/fact_set.hpp"
#include "core/util/clock.hpp"

namespace drover::agents::rpcutil {
namespace {

const std::set<std::string> kActions{"ping",           "inventory",       "get_fact", "get_facts",
                                     "agent_inventory", "collective_info", "daemon_stats"};

Reply ok(Json data) { return Reply{{}, std::move(data)}; }

}  // namespace

RpcutilAgent::RpcutilAgent(ddl::Ddl ddl, const NodeInfo& node) : Agent(std::move(ddl)), node_(node) {
  for (const auto& action : this->ddl().actions) {
    if (!kActions.count(action.name)) {
      throw std::invalid_argument("DDL of rpcutil lists action '" + action.name +
                                  "' that the built-in agent does not implement");
    }
  }
}

Reply RpcutilAgent::run(const Request& request) {
  const std::string& action = request.action;
  if (action == "ping") return ok({{"pong", util::nowMs() / 1000}});
  if (action == "inventory") return inventory();
  if (action == "get_fact") return getFact(request);
  if (action == "get_facts") return getFacts(request);
  if (action == "agent_inventory") return ok({{"agents", node_.agentInventory()}});
  if (action == "collective_info") {
    return ok({{"main_collective", node_.mainCollective()}, {"collectives", node_.collectives()}});
  }
  if (action == "daemon_stats") return ok(node_.stats());
  throw ActionError(envelope::StatusCode::UnknownAction, "not implemented");
}

Reply RpcutilAgent::getFact(const Request& request) const {
  std::string name = request.args.value("fact", "");
  Json facts = node_.facts();
  const Json* value = facts::lookup(facts, name);
  return ok({{"fact", name}, {"value", value ? *value : Json(nullptr)}});
}

Reply RpcutilAgent::getFacts(const Request& request) const {
  Json facts = node_.facts();
  Json values = Json::object();
  std::stringstream names(request.args.value("facts", ""));
  std::string name;
  while (std::getline(names, name, ',')) {
    if (name.empty()) continue;
    const Json* value = facts::lookup(facts, name);
    values[name] = value ? *value : Json(nullptr);
  }
  return ok({{"values", values}});
}

Reply RpcutilAgent::inventory() const {
  return ok({{"agents", node_.agentInventory()},
             {"facts", node_.facts()},
             {"classes", node_.classes()},
             {"version", node_.version()},
             {"main_collective", node_.mainCollective()},
             {"collectives", node_.collectives()},
             {"security", node_.securityStatus()},
             {"data_plugins", Json::array()}});
}

}  // namespace drover::agents::rpcutil
