#include "core/rpc/call_builder.hpp"

#include <stdexcept>

namespace drover::rpc {

CallBuilder::CallBuilder(std::string agent, std::string action) {
  spec_.agent = std::move(agent);
  spec_.action = std::move(action);
}

CallBuilder& CallBuilder::args(Json args) {
  spec_.args = std::move(args);
  return *this;
}

CallBuilder& CallBuilder::filter(std::string expression) {
  spec_.filter = std::move(expression);
  return *this;
}

CallBuilder& CallBuilder::nodes(std::optional<std::vector<std::string>> nodes) {
  spec_.nodes = std::move(nodes);
  return *this;
}

CallBuilder& CallBuilder::timeout(std::chrono::milliseconds wait) {
  spec_.timeout = wait;
  return *this;
}

CallBuilder& CallBuilder::quiet(std::chrono::milliseconds window) {
  spec_.quiet = window;
  return *this;
}

CallBuilder& CallBuilder::ttlFloor(std::chrono::seconds floor) {
  ttlFloor_ = floor;
  return *this;
}

CallBuilder& CallBuilder::replier(security::Role role) {
  spec_.replier = role;
  return *this;
}

CallBuilder& CallBuilder::acceptUnsigned(bool accept) {
  spec_.acceptUnsigned = accept;
  return *this;
}

CallBuilder& CallBuilder::expect(std::vector<std::string> names) {
  spec_.expect = std::move(names);
  return *this;
}

CallBuilder& CallBuilder::enough(std::size_t replies) {
  spec_.enough = replies;
  return *this;
}

CallSpec CallBuilder::build() const {
  const std::string what = "request " + spec_.agent + "#" + spec_.action + ": ";
  if (spec_.agent.empty()) throw std::invalid_argument(what + "the agent is empty");
  if (spec_.action.empty()) throw std::invalid_argument(what + "the action is empty");
  if (!spec_.args.is_object()) throw std::invalid_argument(what + "args must be a JSON object");
  if (spec_.timeout.count() < 0) throw std::invalid_argument(what + "timeout is negative");
  if (spec_.quiet.count() < 0) throw std::invalid_argument(what + "quiet window is negative");
  if (ttlFloor_.count() < 0) throw std::invalid_argument(what + "ttl floor is negative");
  if (spec_.nodes && !spec_.expect.empty()) {
    throw std::invalid_argument(what + "expected names apply to a broadcast, not a known set");
  }
  CallSpec spec = spec_;
  spec.ttl = ttlCovering(spec.timeout, ttlFloor_);
  return spec;
}

CallBuilder request(std::string agent, std::string action) {
  return CallBuilder(std::move(agent), std::move(action));
}

std::string discoveryFilter(const std::string& filter, const std::string& agent) {
  if (agent.empty() || agent == "rpcutil") return filter;
  std::string hosts = "agent(\"" + agent + "\")";
  return filter.empty() ? hosts : "(" + filter + ") and " + hosts;
}

CallBuilder discovery(const std::string& filter, const std::string& agent) {
  return request("rpcutil", "ping").filter(discoveryFilter(filter, agent));
}

}  // namespace drover::rpc
