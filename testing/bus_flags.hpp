#pragma once
// The command-line flags that put a droverd, drover-provisioner or drover-fleet-sim on
// a bus, whichever transport it is (shared by the test fleets and the benchmarks).
#include <string>
#include <vector>

#include "core/bus/transport.hpp"

namespace drover::testing {

/// --broker-publish/--broker-subscribe for the ZeroMQ broker, or --bus-transport nats
/// and --nats-servers (comma-separated) for NATS.
std::vector<std::string> busFlags(const bus::Endpoints& endpoints);

}  // namespace drover::testing
