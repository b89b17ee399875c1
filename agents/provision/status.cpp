// provision#status: the node's own provisioning record: completed steps, certname,
// master and the live claim.
#include "agents/provision/actions.hpp"

namespace drover::agents::provision {

Reply provisioningStatus(const Request&, ProvisionContext& context) {
  Json state = context.state().read();
  auto claim = context.claims().current();
  Json steps = state.value("steps", Json::object());
  Json done = Json::array();
  for (const auto& [step, details] : steps.items()) done.push_back(step);
  return {{},
          {{"certname", state.value("certname", context.settings().identity)},
           {"server", state.value("server", "")},
           {"port", state.value("port", 0)},
           {"completed_steps", done},
           {"steps", steps},
           {"claim", claim ? toJson(*claim) : Json(nullptr)},
           {"state_file", context.state().file().string()}}};
}

}  // namespace drover::agents::provision
