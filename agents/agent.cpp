#include "agents/agent.hpp"

#include "core/ddl/validator.hpp"

namespace drover::agents {
namespace {

// Outputs the agent left out take the DDL's default, so callers always see every
// declared output (as MCollective's reply data does).
void fillOutputDefaults(const ddl::Action& action, Json& data) {
  if (!data.is_object()) return;
  for (const auto& output : action.outputs) {
    if (!data.contains(output.name) && output.defaultValue) data[output.name] = *output.defaultValue;
  }
}

}  // namespace

Reply Agent::handle(const Request& request) noexcept {
  const std::string where = "agent " + name() + " action " + request.action;
  try {
    const ddl::Action* action = ddl_.findAction(request.action);
    if (action == nullptr) {
      return {{envelope::StatusCode::UnknownAction, where + ": no such action"}, Json::object()};
    }
    // The one place input defaults are applied: callers send only what they mean, and
    // every agent, built in or external, sees the DDL's default for what they left out.
    Request withDefaults = request;
    ddl::applyDefaults(*action, withDefaults.args);
    Reply reply = run(withDefaults);
    if (!reply.data.is_object()) reply.data = Json::object();
    fillOutputDefaults(*action, reply.data);
    return reply;
  } catch (const ActionError& e) {
    return {{e.code(), where + ": " + e.what()}, Json::object()};
  } catch (const std::exception& e) {
    return {{envelope::StatusCode::UnknownError, where + " failed: " + e.what()}, Json::object()};
  } catch (...) {
    return {{envelope::StatusCode::UnknownError, where + " failed with an unknown error"},
            Json::object()};
  }
}

}  // namespace drover::agents
