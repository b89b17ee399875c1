// drover provision status|history NODE|retry NODE|hold NODE: steer the provisioners.
// Requests go to the `provisioner` agent that every drover-provisioner answers
// (provisioner/control.hpp): broadcast, so each provisioner of an HA pair answers for
// the nodes it knows, or to one with --provisioner NAME.
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "core/rpc/call_builder.hpp"

namespace drover::cli {
namespace {

struct ProvisionFlags {
  std::string provisioner;  // --provisioner: address one directly
  std::string node;
  std::size_t limit = 200;
  bool all = false;
};

std::string text(const Json& value, const char* key) {
  auto it = value.find(key);
  if (it == value.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void printStatus(const rpc::NodeReply& reply, bool all) {
  const Json& d = reply.data;
  const Json& c = d["counts"];
  std::string flows = text(d, "flow");
  for (const auto& name : d.value("flows", Json::array())) {
    if (name.is_string() && name != d.value("flow", "")) flows += ", " + name.get<std::string>();
  }
  std::printf(
      "provisioner %s (flow %s): %s waiting, %s in flight, %s provisioned, %s failed, "
      "%s held, %s claimed elsewhere\n",
      reply.sender.c_str(), flows.c_str(), text(c, "waiting").c_str(), text(c, "in_flight").c_str(),
      text(c, "provisioned").c_str(), text(c, "failed").c_str(), text(c, "held").c_str(),
      text(c, "claimed_elsewhere").c_str());
  std::string masters;
  for (const auto& m : d.value("masters", Json::array())) {
    masters += (masters.empty() ? "" : ", ") + text(m, "identity") + " (" +
               (m.value("healthy", false) ? "healthy" : "not chosen") + ", " +
               text(m, "in_flight") + " in flight)";
  }
  std::printf("masters: %s\n", masters.empty() ? "none seen" : masters.c_str());
  std::printf("%-32s %-17s %-22s %-4s %-24s %s\n", "NODE", "STATE", "STEP", "TRY", "MASTER",
              "DETAIL");
  std::size_t hidden = 0;
  for (const auto& n : d.value("nodes", Json::array())) {
    if (!all && text(n, "state") == "provisioned") {
      ++hidden;
      continue;
    }
    std::string detail = text(n, "waiting_for");
    if (detail.empty()) detail = text(n, "last_error");
    // A node outside the default flow (a deployment's pool named another) says which.
    if (!text(n, "flow").empty())
      detail = "flow " + text(n, "flow") + (detail.empty() ? "" : "; ") + detail;
    std::printf("%-32s %-17s %-22s %-4s %-24s %s\n", text(n, "identity").c_str(),
                text(n, "state").c_str(), text(n, "step").c_str(), text(n, "attempt").c_str(),
                text(n, "master").c_str(), detail.c_str());
  }
  if (hidden > 0) std::printf("(%zu provisioned node(s) not shown; --all shows them)\n", hidden);
  if (d.value("truncated", false)) std::printf("(list truncated by the provisioner)\n");
}

void printHistory(const rpc::NodeReply& reply) {
  const Json& n = reply.data["node"];
  std::printf(
      "node %s on %s: %s at step %s%s, master %s%s\n", text(n, "identity").c_str(),
      reply.sender.c_str(), text(n, "state").c_str(), text(n, "step").c_str(),
      text(n, "flow").empty() ? "" : (" of flow " + text(n, "flow")).c_str(),
      text(n, "master").empty() ? "(none)" : text(n, "master").c_str(),
      text(n, "last_error").empty() ? "" : ("; last error: " + text(n, "last_error")).c_str());
  // Of MS, as the called nodes' replies said: QUEUED_MS waiting there for a worker,
  // PROGRAM_MS in the programs their agents ran (Puppet, a CA command).
  std::printf("%-24s %-24s %-4s %-16s %8s %9s %10s  %-20s %s\n", "STARTED", "STEP", "TRY",
              "OUTCOME", "MS", "QUEUED_MS", "PROGRAM_MS", "TARGET", "ERROR");
  std::int64_t took = 0, inPrograms = 0, queued = 0;
  auto shown = [](std::int64_t ms) { return ms > 0 ? std::to_string(ms) : std::string("-"); };
  for (const auto& a : reply.data.value("attempts", Json::array())) {
    std::int64_t started = a.value("started_ms", std::int64_t{0});
    std::int64_t finished = a.value("finished_ms", std::int64_t{0});
    std::int64_t programMs = a.value("program_ms", std::int64_t{0});
    std::int64_t queuedMs = a.value("queued_ms", std::int64_t{0});
    std::string ms = finished ? std::to_string(finished - started) : "-";
    if (finished) took += finished - started;
    inPrograms += programMs;
    queued += queuedMs;
    std::printf("%-24s %-24s %-4s %-16s %8s %9s %10s  %-20s %s\n", timeText(started).c_str(),
                text(a, "step").c_str(), text(a, "attempt").c_str(),
                text(a, "outcome").empty() ? "(open)" : text(a, "outcome").c_str(), ms.c_str(),
                shown(queuedMs).c_str(), shown(programMs).c_str(), text(a, "target").c_str(),
                text(a, "error").c_str());
  }
  if (took > 0) {
    auto s = [](std::int64_t ms) { return static_cast<double>(ms) / 1000.0; };
    std::printf(
        "attempts took %.1f s: %.1f s in the programs the agents ran, %.1f s waiting for a worker "
        "on the nodes called, %.1f s the rest\n",
        s(took), s(inPrograms), s(queued), s(took - inPrograms - queued));
  }
}

int runProvision(Context& context, const ProvisionFlags& flags, const std::string& action) {
  Json args = Json::object();
  if (action != "status") args["node"] = flags.node;
  if (action == "history") args["limit"] = flags.limit;
  rpc::CallResult result = askProvisioners(context, flags.provisioner, action, args);
  return showProvisionerReplies(context, result, [&](const rpc::NodeReply& reply) {
    if (action == "status")
      printStatus(reply, flags.all);
    else if (action == "history")
      printHistory(reply);
    else
      std::printf("%s: %s of %s accepted (now %s)\n", reply.sender.c_str(), action.c_str(),
                  flags.node.c_str(), text(reply.data, "state").c_str());
  });
}

}  // namespace

rpc::CallResult askProvisioners(Context& context, const std::string& provisioner,
                                const std::string& action, Json args,
                                std::chrono::milliseconds atLeast) {
  std::optional<std::vector<std::string>> nodes;
  if (!provisioner.empty()) nodes = std::vector<std::string>{provisioner};
  return context.client().call(rpc::request("provisioner", action)
                                   .replier(security::Role::Provisioner)
                                   .args(std::move(args))
                                   .nodes(std::move(nodes))
                                   .quiet(context.quiet())
                                   .timeout(context.timeout(atLeast))
                                   .ttlFloor(context.config().ttl)
                                   .build());
}

int noProvisioner(const rpc::CallResult& result) {
  if (!result.replies.empty()) return kExitOk;
  std::fprintf(stderr, "drover: no provisioner answered%s\n",
               result.noReply.empty() ? "" : (" (silent: " + result.noReply.front() + ")").c_str());
  return kExitNoNodes;
}

int showProvisionerReplies(Context& context, const rpc::CallResult& result,
                           const std::function<void(const rpc::NodeReply&)>& print) {
  if (context.output().json) {
    printJson(stdout, result, nullptr);
    return result.replies.empty() ? kExitNoNodes : exitCodeFor(result);
  }
  if (int code = noProvisioner(result); code != kExitOk) return code;
  std::size_t accepted = 0;
  for (const auto& reply : result.replies) {
    if (!reply.status.ok()) {
      // Why it refused (an unknown node or name, not an admin ...); another provisioner
      // of an HA pair not knowing a node is not an error.
      std::printf("%s: %s\n", reply.sender.c_str(), reply.status.message.c_str());
      continue;
    }
    ++accepted;
    print(reply);
  }
  return accepted > 0 ? kExitOk : kExitFailed;
}

void addProvision(Context& context, Command& chosen) {
  static ProvisionFlags flags;
  CLI::App* command = context.app().add_subcommand(
      "provision", "Show and steer the provisioners: status, history NODE, retry NODE, hold NODE");
  command->require_subcommand(1);
  auto common = [&context](CLI::App* sub) {
    sub->add_option("--provisioner", flags.provisioner, "Ask only this provisioner (its identity)")
        ->check(identityCheck());
    context.addOutputFlags(*sub);
  };
  CLI::App* status = command->add_subcommand("status", "Counts, masters and every unfinished node");
  status->add_flag("--all", flags.all, "List provisioned nodes too");
  CLI::App* history =
      command->add_subcommand("history", "Every step attempt of one node, oldest first");
  history->add_option("--limit", flags.limit, "Show at most the newest N attempts")
      ->check(CLI::Range(1, 10000));
  CLI::App* retry =
      command->add_subcommand("retry", "Resume a failed, held or claimed-elsewhere node");
  CLI::App* hold =
      command->add_subcommand("hold", "Stop a node at its next step and release its claim");
  for (CLI::App* sub : {status, history, retry, hold}) {
    common(sub);
    if (sub != status) {
      sub->add_option("NODE", flags.node, "Node identity")->required()->check(identityCheck());
    }
    std::string action = sub->get_name();
    sub->callback([&context, &chosen, action] {
      chosen = [&context, action] { return runProvision(context, flags, action); };
    });
  }
}

}  // namespace drover::cli
