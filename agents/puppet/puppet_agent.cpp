#include "agents/puppet/puppet_agent.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include "agents/puppet/puppet_runner.hpp"
#include "core/util/clock.hpp"

namespace drover::agents::puppet {
namespace {

using namespace std::chrono_literals;

std::int64_t nowSeconds() { return util::nowMs() / 1000; }

// Splay happens inside the action's own deadline, keeping most of it for the run.
void splay(const Request& request) {
  if (!request.args.value("splay", false)) return;
  auto limit =
      std::chrono::seconds(std::max<std::int64_t>(0, request.args.value("splaylimit", 30)));
  auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(timeLeft(request) / 2);
  auto upper = std::min<std::chrono::milliseconds>(limit, budget);
  if (upper <= 0ms) return;
  std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> pick(0, upper.count());
  std::this_thread::sleep_for(std::chrono::milliseconds(pick(random)));
}

}  // namespace

PuppetAgent::PuppetAgent(ddl::Ddl ddl, PuppetInvocation puppet)
    : Agent(std::move(ddl), actions(this)), settings_(std::move(puppet)) {}

// The handlers use `self` only when called, once it is fully built.
ActionTable PuppetAgent::actions(PuppetAgent* self) {
  return {
      {"runonce", [self](const Request& request) { return self->runonce(request); }},
      {"status", [self](const Request&) { return self->status(); }},
      {"last_run_summary", [self](const Request&) { return self->lastRunSummary(); }},
      {"disable",
       [self](const Request& request) {
         return self->setEnabled(false, request.args.value("message", "disabled through drover"),
                                 request);
       }},
      {"enable", [self](const Request& request) { return self->setEnabled(true, "", request); }},
  };
}

Reply PuppetAgent::runonce(const Request& request) {
  RunOptions options;
  if (request.args.contains("environment") && request.args["environment"].is_string()) {
    options.environment = request.args["environment"].get<std::string>();
  }
  options.noop = request.args.value("noop", false);
  splay(request);
  return toReply(runOnce(settings_, options, timeLeft(request)));
}

Reply PuppetAgent::status() {
  AgentState state = readAgentState(settings_);
  auto summary = readLastRunSummary(settings_.path("lastrunfile"));
  std::int64_t lastRun = summary ? summary->lastRun : 0;
  std::string text = !state.enabled ? "disabled" : state.applying ? "applying" : "idling";
  return {{},
          {{"enabled", state.enabled},
           {"disable_message", state.disableMessage},
           {"applying", state.applying},
           {"status", text},
           {"lastrun", lastRun},
           {"since_lastrun", lastRun > 0 ? nowSeconds() - lastRun : -1}}};
}

Reply PuppetAgent::lastRunSummary() {
  auto summary = readLastRunSummary(settings_.path("lastrunfile"));
  return {{}, toJson(summary.value_or(LastRunSummary{}), nowSeconds())};
}

// `puppet agent --disable` replaces the message of a disabled agent and `--enable` on
// an enabled one is a no-op, so both are idempotent as they are.
Reply PuppetAgent::setEnabled(bool enable, const std::string& message, const Request& request) {
  std::vector<std::string> args;
  if (enable) {
    args = {"--enable"};
  } else {
    args = {"--disable", message};
  }
  args.push_back("--color=false");
  auto result = runPuppet(settings_.invocation(), {"agent"}, args, timeLeft(request));
  if (result.exitCode != 0) {
    throw ActionError(envelope::StatusCode::Aborted,
                      std::string("puppet agent ") + (enable ? "--enable" : "--disable") +
                          " failed (exit " + std::to_string(result.exitCode) +
                          "): " + tellingLine(result));
  }
  AgentState state = readAgentState(settings_);
  if (state.enabled != enable) {
    throw ActionError(envelope::StatusCode::Aborted,
                      std::string("puppet agent ") + (enable ? "--enable" : "--disable") +
                          " exited 0 but the agent is still " + (enable ? "disabled" : "enabled"));
  }
  return {{},
          {{"enabled", enable},
           {"status",
            enable ? "Puppet agent enabled" : "Puppet agent disabled: " + state.disableMessage}}};
}

}  // namespace drover::agents::puppet
