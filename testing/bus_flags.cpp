#include "testing/bus_flags.hpp"

namespace drover::testing {

std::vector<std::string> busFlags(const bus::Endpoints& endpoints) {
  if (endpoints.transport == bus::TransportKind::Zmq) {
    return {"--broker-publish", endpoints.publish, "--broker-subscribe", endpoints.subscribe};
  }
  std::string servers;
  for (const auto& url : endpoints.nats.servers) servers += (servers.empty() ? "" : ",") + url;
  return {"--bus-transport", "nats", "--nats-servers", servers};
}

}  // namespace drover::testing
