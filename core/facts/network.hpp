#pragma once
// The network facts, from getifaddrs(): interfaces and the node's main addresses.
#include "core/util/json.hpp"

namespace drover::facts {

/// Adds interfaces {NAME: {ipv4: [...], ipv6: [...], mac}} (mac when the interface has
/// a non-zero one), ipaddress (first IPv4 not on a loopback interface) and ipaddress6
/// (first IPv6 neither loopback nor link-local), the last two only when found.
/// Throws std::runtime_error when the interfaces cannot be listed.
void resolveNetwork(Json& facts);

}  // namespace drover::facts
