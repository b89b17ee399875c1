#include "agents/rpcutil/rpcutil_agent.hpp"

#include <sstream>

#include "core/facts/fact_set.hpp"
#include "core/util/clock.hpp"

namespace drover::agents::rpcutil {
namespace {

Reply ok(Json data) { return Reply{{}, std::move(data)}; }

}  // namespace

RpcutilAgent::RpcutilAgent(ddl::Ddl ddl, const NodeInfo& node)
    : Agent(std::move(ddl), actions(this)), node_(node) {}

// The handlers use `self` only when called, once it is fully built.
ActionTable RpcutilAgent::actions(RpcutilAgent* self) {
  return {
      {"ping", [self](const Request&) { return self->ping(); }},
      {"inventory", [self](const Request&) { return self->inventory(); }},
      {"get_fact", [self](const Request& request) { return self->getFact(request); }},
      {"get_facts", [self](const Request& request) { return self->getFacts(request); }},
      {"agent_inventory",
       [self](const Request&) {
         return ok({{"agents", self->node_.agentInventory()}});
       }},
      {"collective_info", [self](const Request&) { return self->collectiveInfo(); }},
      {"daemon_stats", [self](const Request&) { return ok(self->node_.stats()); }},
  };
}

Reply RpcutilAgent::ping() const {
  Json data{{"pong", util::nowMs() / 1000}};
  // Only a named node says more: the ping of every other node stays as small as it was.
  if (auto names = node_.names(); !names.empty()) data["names"] = std::move(names);
  return ok(std::move(data));
}

Reply RpcutilAgent::collectiveInfo() const {
  return ok({{"main_collective", node_.mainCollective()}, {"collectives", node_.collectives()}});
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
             {"names", node_.names()},
             {"version", node_.version()},
             {"main_collective", node_.mainCollective()},
             {"collectives", node_.collectives()},
             {"security", node_.securityStatus()},
             {"data_plugins", Json::array()}});
}

}  // namespace drover::agents::rpcutil
