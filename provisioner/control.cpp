#include "provisioner/control.hpp"

#include <stdexcept>

namespace drover::provisioner {
namespace {

using envelope::StatusCode;

constexpr std::size_t kDefaultHistory = 200;
constexpr std::size_t kMaxHistory = 10000;

// A refusal with its reply status.
struct Refusal : std::runtime_error {
  Refusal(StatusCode c, const std::string& what) : std::runtime_error(what), code(c) {}
  StatusCode code;
};

std::string nodeArg(const envelope::Envelope& request) {
  auto it = request.args.find("node");
  if (it == request.args.end() || !it->is_string() || it->get<std::string>().empty()) {
    throw Refusal(StatusCode::MissingData, "provisioner#" + request.action +
                                               ": argument 'node' (a node identity) is required");
  }
  return it->get<std::string>();
}

std::string stringArg(const envelope::Envelope& request, const char* key, bool required) {
  auto it = request.args.find(key);
  if (it == request.args.end() || it->is_null()) {
    if (!required) return "";
  } else if (it->is_string() && (!it->get<std::string>().empty() || !required)) {
    return it->get<std::string>();
  }
  throw Refusal(StatusCode::MissingData, "provisioner#" + request.action + ": argument '" + key +
                                             "' (a string) is required");
}

bool dryRunArg(const envelope::Envelope& request) {
  auto it = request.args.find("dry_run");
  if (it == request.args.end()) return false;
  if (!it->is_boolean()) {
    throw Refusal(StatusCode::InvalidData,
                  "provisioner#" + request.action + ": argument 'dry_run' must be true or false");
  }
  return it->get<bool>();
}

Json resultJson(const NameKeeper::Result& result) {
  if (!result.error.empty()) throw Refusal(StatusCode::Aborted, result.error);
  Json changes = Json::array();
  for (const auto& change : result.changes) changes.push_back(naming::toJson(change));
  return Json{{"changes", changes}, {"applied", result.applied}};
}

std::size_t limitArg(const envelope::Envelope& request) {
  auto it = request.args.find("limit");
  if (it == request.args.end()) return kDefaultHistory;
  if (!it->is_number_unsigned() || it->get<std::size_t>() == 0 ||
      it->get<std::size_t>() > kMaxHistory) {
    throw Refusal(
        StatusCode::InvalidData,
        "provisioner#history: argument 'limit' must be from 1 to " + std::to_string(kMaxHistory));
  }
  return it->get<std::size_t>();
}

}  // namespace

envelope::Envelope Control::handle(const envelope::Envelope& request) noexcept {
  try {
    return run(request);
  } catch (const Refusal& e) {
    return envelope::makeReply(request, identity_, {e.code, e.what()});
  } catch (const std::exception& e) {
    return envelope::makeReply(
        request, identity_,
        {StatusCode::UnknownError, "provisioner#" + request.action + ": " + e.what()});
  }
}

bool Control::readOnly(const std::string& action) {
  return action == "status" || action == "history" || action == "metrics" || action == "names" ||
         action == "name_show" || action == "deploy_status" || action == "deploy_wait" ||
         action == "deploy_list";
}

std::optional<Json> Control::runDeployments(const envelope::Envelope& request,
                                            const std::string& by) {
  const std::string& action = request.action;
  try {
    if (action == "deploy_put_blob") return deployments_.putBlob(request.args);
    if (action == "deploy_up") return deployments_.up(request.args, by);
    if (action == "deploy_down") return deployments_.down(stringArg(request, "name", true), by);
    if (action == "deploy_list") return deployments_.list();
    if (action == "deploy_status" || action == "deploy_wait") {
      std::string name = stringArg(request, "name", true);
      auto status = deployments_.status(name);
      if (!status)
        throw Refusal(StatusCode::Aborted, "no deployment '" + name + "' on " + identity_);
      return status;
    }
  } catch (const DeployError& e) {
    throw Refusal(e.invalid() ? StatusCode::InvalidData : StatusCode::Aborted,
                  "provisioner#" + action + ": " + e.what());
  }
  return std::nullopt;
}

std::optional<Json> Control::runNames(const envelope::Envelope& request, const std::string& by) {
  const std::string& action = request.action;
  if (action == "names") return names_.list(stringArg(request, "service", false));
  if (action == "name_show") {
    std::string name = stringArg(request, "name", true);
    auto shown = names_.show(name, limitArg(request));
    if (!shown) throw Refusal(StatusCode::Aborted, "no name, alias or named node '" + name + "'");
    return shown;
  }
  if (action == "name_release") {
    return resultJson(names_.release(stringArg(request, "name", true), by, dryRunArg(request)));
  }
  if (action == "name_promote") {
    return resultJson(names_.promote(stringArg(request, "node", true), by, dryRunArg(request)));
  }
  if (action == "name_reserve") {
    return resultJson(names_.reserve(stringArg(request, "name", true),
                                     stringArg(request, "node", false), by, dryRunArg(request)));
  }
  return std::nullopt;
}

envelope::Envelope Control::run(const envelope::Envelope& request) {
  const std::string& action = request.action;
  std::string by = request.sender.empty() ? "an unnamed caller" : request.sender;
  Json data;
  if (auto named = runNames(request, by)) {
    data = std::move(*named);
  } else if (auto deployed = runDeployments(request, by)) {
    data = std::move(*deployed);
  } else if (action == "status") {
    data = engine_.status();
    Json& nodes = data["nodes"];
    if (nodes.size() > kMaxNodes) {
      nodes.erase(nodes.begin() + static_cast<long>(kMaxNodes), nodes.end());
      data["truncated"] = true;
    }
    data["masters"] = engine_.masters();
    data["provisioner"] = identity_;
  } else if (action == "history") {
    std::string node = nodeArg(request);
    auto record = engine_.node(node);
    if (!record)
      throw Refusal(StatusCode::Aborted, "node " + node + " is not known to " + identity_);
    Json attempts = Json::array();
    for (const auto& row : store_.history(node, limitArg(request))) attempts.push_back(toJson(row));
    data = {{"node", *record}, {"attempts", attempts}};
  } else if (action == "retry" || action == "hold") {
    std::string node = nodeArg(request);
    std::string refused = action == "retry" ? engine_.retry(node, by) : engine_.hold(node, by);
    if (!refused.empty()) throw Refusal(StatusCode::Aborted, refused);
    data = {{"node", node}, {"accepted", true}, {"state", toString(*engine_.stateOf(node))}};
  } else if (action == "metrics") {
    engine_.refreshMetrics();
    data = metrics_.toJson();
  } else {
    throw Refusal(StatusCode::UnknownAction,
                  "agent 'provisioner' has no action '" + action +
                      "' (status, history, retry, hold, metrics, names, name_show, name_release, "
                      "name_promote, name_reserve, deploy_put_blob, deploy_up, deploy_status, "
                      "deploy_wait, deploy_list, deploy_down)");
  }
  return envelope::makeReply(request, identity_, {}, std::move(data));
}

}  // namespace drover::provisioner
