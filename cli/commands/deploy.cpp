// drover deploy up FILE|status NAME|down NAME|list: deployments of pools of members,
// launched and wired by the provisioner (provisioner/control.hpp, the deploy_* actions:
// deploy_status, deploy_down, deploy_list here; deploy_put_blob, deploy_up and
// deploy_wait in deploy_up.cpp). Asked like `drover name`: every provisioner, or one
// with --provisioner.
#include "cli/commands/deploy.hpp"

#include "cli/commands/deploy_text.hpp"
#include "cli/output.hpp"
#include "notifiers/duration.hpp"

namespace drover::cli {
namespace {

int runDeploy(Context& context, const DeployFlags& flags, const std::string& action) {
  Json args = action == "deploy_list" ? Json::object() : Json{{"name", flags.name}};
  rpc::CallResult result = askProvisioners(context, flags.provisioner, action, args);
  return showProvisionerReplies(context, result, [&](const rpc::NodeReply& reply) {
    if (action == "deploy_status") {
      std::printf("%s", statusText(reply.data).c_str());
    } else if (action == "deploy_down") {
      std::printf("%s: %s\n", reply.sender.c_str(), downText(reply.data).c_str());
    } else {
      std::printf("provisioner %s:\n%s", reply.sender.c_str(),
                  listTable(reply.data.value("deployments", Json::array())).c_str());
    }
  });
}

CLI::Validator durationCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        auto parsed = notifiers::parseDuration(value);
        if (parsed && parsed->count() > 0) return "";
        return "'" + value + "' is no duration (500ms, 30s, 5m, 1h)";
      },
      "DURATION");
}

void addUpArguments(CLI::App* up, DeployFlags& flags) {
  up->add_option("FILE", flags.file, "The deployment file (YAML; see etc/deployments/)")
      ->required();
  up->add_flag("--no-wait", flags.noWait, "Return once the provisioner took the deployment");
  up->add_option("--timeout", flags.timeout,
                 "Follow progress at most this long (500ms, 30s, 5m, 1h); the deployment "
                 "goes on")
      ->check(durationCheck());
}

struct Sub {
  const char* name;
  const char* action;
  const char* help;
};

}  // namespace

Json ProvisionerCall::operator()(const std::string& action, Json args,
                                 std::chrono::milliseconds atLeast) {
  rpc::CallResult result =
      askProvisioners(context_, provisioner_, action, std::move(args), atLeast);
  for (const auto& reply : result.replies) {
    if (reply.status.ok()) return reply.data;
    throw ProvisionerError(reply.sender + ": " + reply.status.message, kExitFailed);
  }
  throw ProvisionerError("provisioner " + provisioner_ + " did not answer " + action, kExitNoNodes);
}

std::string chooseProvisioner(Context& context) {
  rpc::CallResult result = askProvisioners(context, "", "deploy_list", Json::object());
  std::vector<std::string> accepted;
  for (const auto& reply : result.replies) {
    if (reply.status.ok()) accepted.push_back(reply.sender);
  }
  if (accepted.size() == 1) return accepted.front();
  if (accepted.size() > 1) {
    throw UsageError("several provisioners answered (" + accepted[0] + ", " + accepted[1] +
                     (accepted.size() > 2 ? ", ..." : "") + "): choose one with --provisioner");
  }
  if (!result.replies.empty()) {
    const auto& refusal = result.replies.front();
    throw ProvisionerError(refusal.sender + ": " + refusal.status.message, kExitFailed);
  }
  throw ProvisionerError("no provisioner answered", kExitNoNodes);
}

void addDeploy(Context& context, Command& chosen) {
  static DeployFlags flags;
  CLI::App* command = context.app().add_subcommand(
      "deploy", "Deployments of pools of members: up FILE, status NAME, down NAME, list");
  command->require_subcommand(1);
  command->footer(
      "up, down and list need an admin certificate. up exits 0 when every member is done,\n"
      "1 when a member failed (its output tail shown) or --timeout passed, 2 for a bad\n"
      "file; on Ctrl-C (130) the provisioner goes on: `drover deploy status NAME` shows it.");
  static const Sub kSubs[] = {
      {"up", "deploy_up", "Launch what FILE describes and is missing; follow it to done"},
      {"status", "deploy_status", "Every member: name, address, step, what it waits for"},
      {"down", "deploy_down", "Stop every member and release its name (admin)"},
      {"list", "deploy_list", "Every deployment the provisioner holds (admin)"},
  };
  for (const Sub& s : kSubs) {
    CLI::App* sub = command->add_subcommand(s.name, s.help);
    sub->add_option("--provisioner", flags.provisioner, "Ask only this provisioner (its identity)")
        ->check(identityCheck());
    context.addOutputFlags(*sub);
    std::string action = s.action;
    if (action == "deploy_up") {
      addUpArguments(sub, flags);
    } else if (action != "deploy_list") {
      sub->add_option("NAME", flags.name, "The deployment's name")
          ->required()
          ->check(identityCheck());
    }
    sub->callback([&context, &chosen, action] {
      chosen = [&context, action] {
        return action == "deploy_up" ? runDeployUp(context, flags)
                                     : runDeploy(context, flags, action);
      };
    });
  }
}

}  // namespace drover::cli
