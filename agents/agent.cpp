#include "agents/agent.hpp"

#include "core/ddl/validator.hpp"

namespace drover::agents {
namespace {

// Outputs the agent left out take the DDL's default, so callers always see every
// declared output (as MCollective's reply data does).
void fillOutputDefaults(const ddl::Action& action, Json& data) {
  if (!data.is_object()) return;
  for (const auto& output : action.outputs) {
    if (!data.contains(output.name) && output.defaultValue)
      data[output.name] = *output.defaultValue;
  }
}

std::string where(const std::string& agent, const std::string& action) {
  return "agent " + agent + " action " + action;
}

// Every disagreement between the table and the DDL, each naming its action.
std::vector<std::string> mismatches(const ddl::Ddl& ddl, const ActionTable& table) {
  std::vector<std::string> problems;
  for (const auto& action : ddl.actions) {
    auto it = table.find(action.name);
    if (it == table.end() || !it->second) {
      problems.push_back("action '" + action.name + "' is in the DDL but has no handler");
    }
  }
  for (const auto& [name, handler] : table) {
    if (ddl.findAction(name) == nullptr) {
      problems.push_back("action '" + name + "' has a handler but is not in the DDL");
    }
  }
  return problems;
}

}  // namespace

ActionTable everyAction(const ddl::Ddl& ddl, const Handler& handler) {
  ActionTable table;
  for (const auto& action : ddl.actions) table.emplace(action.name, handler);
  return table;
}

Agent::Agent(ddl::Ddl ddl, ActionTable actions) : ddl_(std::move(ddl)) {
  auto problems = mismatches(ddl_, actions);
  if (!problems.empty()) {
    std::string message =
        "agent '" + name() + "'" + (ddl_.source.empty() ? "" : " (" + ddl_.source + ")") + ": ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    throw RegistrationError(message);
  }
  for (const auto& action : ddl_.actions) {
    actions_.push_back({&action, std::move(actions.at(action.name))});
  }
}

const BoundAction* Agent::findAction(const std::string& actionName, std::string* why) const {
  ddl::ActionLookup found = ddl::lookupAction(ddl_, actionName);
  if (found.action == nullptr) {
    if (why != nullptr) *why = std::move(found.error);
    return nullptr;
  }
  return &actions_[static_cast<std::size_t>(found.action - ddl_.actions.data())];
}

Reply Agent::handle(const BoundAction& action, const Request& request) noexcept {
  const std::string at = where(name(), request.action);
  try {
    // The one place input defaults are applied: callers send only what they mean, and
    // every agent, built in or external, sees the DDL's default for what they left out.
    Request withDefaults = request;
    ddl::applyDefaults(*action.ddl, withDefaults.args);
    Reply reply = action.handler(withDefaults);
    if (!reply.data.is_object()) reply.data = Json::object();
    fillOutputDefaults(*action.ddl, reply.data);
    return reply;
  } catch (const ActionError& e) {
    return {{e.code(), at + ": " + e.what()}, Json::object()};
  } catch (const std::exception& e) {
    return {{envelope::StatusCode::UnknownError, at + " failed: " + e.what()}, Json::object()};
  } catch (...) {
    return {{envelope::StatusCode::UnknownError, at + " failed with an unknown error"},
            Json::object()};
  }
}

Reply Agent::handle(const Request& request) noexcept {
  const BoundAction* action = findAction(request.action);
  if (action == nullptr) {
    return {
        {envelope::StatusCode::UnknownAction, where(name(), request.action) + ": no such action"},
        Json::object()};
  }
  return handle(*action, request);
}

}  // namespace drover::agents
