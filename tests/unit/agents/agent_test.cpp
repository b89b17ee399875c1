// The Agent base: an action table is checked against the DDL at registration, an
// action is looked up once (DDL entry and handler together), and handle() adds DDL
// defaults and turns exceptions into reply statuses naming agent and action.
#include "agents/agent.hpp"

#include <gtest/gtest.h>

#include "core/ddl/loader.hpp"

namespace drover::agents {
namespace {

using envelope::StatusCode;

ddl::Ddl probeDdl() {
  return ddl::parseText(R"({
    "$schema": "https://choria.io/schemas/mcorpc/ddl/v1/agent.json",
    "metadata": {"name": "probe", "description": "d", "author": "a", "license": "l",
                 "version": "1", "url": "u", "timeout": 5},
    "actions": [
      {"action": "echo", "description": "d", "display": "always",
       "input": {"message": {"prompt": "m", "description": "d", "type": "string",
                             "optional": true, "default": "hello", "validation": ".*",
                             "maxlength": 64}},
       "output": {"message": {"description": "d", "display_as": "Message"},
                  "checked": {"description": "d", "display_as": "Checked", "default": false}}},
      {"action": "fail", "description": "d", "display": "always", "input": {}, "output": {}}
    ]})",
                        "probe.json");
}

Reply echo(const Request& request) { return {{}, {{"message", request.args["message"]}}}; }
Reply fail(const Request&) { throw ActionError(StatusCode::Aborted, "disk on fire"); }

std::string registrationError(ActionTable table) {
  try {
    Agent agent(probeDdl(), std::move(table));
  } catch (const RegistrationError& e) {
    return e.what();
  }
  return "";
}

TEST(AgentRegistration, TheTableMustMatchTheDdlBothWays) {
  EXPECT_EQ(registrationError({{"echo", echo}, {"fail", fail}}), "");
  EXPECT_EQ(registrationError({{"echo", echo}, {"fail", fail}, {"reboot", fail}}),
            "agent 'probe' (probe.json): action 'reboot' has a handler but is not in the DDL");
  EXPECT_EQ(registrationError({{"echo", echo}}),
            "agent 'probe' (probe.json): action 'fail' is in the DDL but has no handler");
  EXPECT_EQ(registrationError({{"echo", echo}, {"fail", Handler()}}),
            "agent 'probe' (probe.json): action 'fail' is in the DDL but has no handler");
}

TEST(AgentRegistration, EveryMismatchIsNamed) {
  std::string error = registrationError({{"reboot", fail}});
  EXPECT_NE(error.find("action 'echo' is in the DDL but has no handler"), std::string::npos)
      << error;
  EXPECT_NE(error.find("action 'fail' is in the DDL but has no handler"), std::string::npos)
      << error;
  EXPECT_NE(error.find("action 'reboot' has a handler but is not in the DDL"), std::string::npos)
      << error;
}

TEST(AgentLookup, FindsTheDdlEntryAndTheHandlerTogether) {
  Agent agent(probeDdl(), {{"echo", echo}, {"fail", fail}});
  const BoundAction* bound = agent.findAction("echo");
  ASSERT_NE(bound, nullptr);
  EXPECT_EQ(bound->ddl, agent.ddl().findAction("echo"));
  std::string why;
  EXPECT_EQ(agent.findAction("reboot", &why), nullptr);
  EXPECT_EQ(why, "agent 'probe' has no action 'reboot' (actions: echo, fail)");
}

TEST(AgentHandle, AddsInputAndOutputDefaultsAndRunsTheBoundHandler) {
  Agent agent(probeDdl(), {{"echo", echo}, {"fail", fail}});
  Request request;
  request.action = "echo";
  Reply reply = agent.handle(*agent.findAction("echo"), request);
  EXPECT_EQ(reply.status.code, StatusCode::Ok);
  EXPECT_EQ(reply.data, (Json{{"message", "hello"}, {"checked", false}}));
}

TEST(AgentHandle, ErrorsBecomeStatusesNamingAgentAndAction) {
  Agent agent(probeDdl(), {{"echo", echo}, {"fail", fail}});
  Request request;
  request.action = "fail";
  Reply failed = agent.handle(request);
  EXPECT_EQ(failed.status.code, StatusCode::Aborted);
  EXPECT_EQ(failed.status.message, "agent probe action fail: disk on fire");
  request.action = "reboot";
  EXPECT_EQ(agent.handle(request).status.code, StatusCode::UnknownAction);
}

TEST(AgentTable, EveryActionServesEveryDdlAction) {
  ActionTable table = everyAction(probeDdl(), echo);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_TRUE(table.count("echo") && table.count("fail"));
}

}  // namespace
}  // namespace drover::agents
