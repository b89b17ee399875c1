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
  if (auto it = request.args.find("certname"); it != request.args.end() && it->is_string() &&
                                               !it->get<std::string>().empty()) {
    return it->get<std::string>();
  }
  Json state = state_.read();
  if (auto it = state.find("certname"); it != state.end() && it->is_string()) {
    return it->get<std::string>();
  }
  return settings_.identity;
}

std::unique_lock<std::timed_mutex> ProvisionContext::lockSsl(const Request& request) {
  std::unique_lock lock(sslMutex_, std::defer_lock);
  if (!lock.try_lock_until(request.deadline - std::chrono::seconds(2))) {
    throw ActionError(envelope::StatusCode::Aborted,
                      "busy: another certificate request or Puppet run held the ssldir until "
                      "this request's deadline");
  }
  return lock;
}

}  // namespace drover::agents::provision
