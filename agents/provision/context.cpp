#include "agents/provision/context.hpp"

namespace drover::agents::provision {

namespace fs = std::filesystem;

fs::path underRoot(const fs::path& root, const fs::path& path) {
  return root / path.relative_path();
}

ProvisionContext::ProvisionContext(ProvisionSettings settings, ClaimBook::Clock clock)
    : settings_(std::move(settings)),
      clock_(std::move(clock)),
      state_(underRoot(settings_.root, "/var/lib/drover/provision.json")),
      claims_(state_, clock_),
      puppet_(settings_.puppet) {}

std::string ProvisionContext::certname(const Request& request) {
  if (auto it = request.args.find("certname");
      it != request.args.end() && it->is_string() && !it->get<std::string>().empty()) {
    return it->get<std::string>();
  }
  Json state = state_.read();
  if (auto it = state.find("certname"); it != state.end() && it->is_string()) {
    return it->get<std::string>();
  }
  return settings_.identity;
}

TurnQueue::Turn ProvisionContext::lockSsl(const Request& request) {
  auto turn = sslQueue_.wait(request.deadline - std::chrono::seconds(2));
  if (!turn) {
    throw ActionError(envelope::StatusCode::Aborted,
                      "busy: another certificate request or Puppet run held the ssldir until "
                      "this request's deadline");
  }
  return std::move(*turn);
}

}  // namespace drover::agents::provision
