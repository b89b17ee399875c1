#pragma once
// The local launcher's network, made with `ip` (iproute2) run without a shell: a bridge
// holding the subnet's first address, and per member a network namespace
// (/run/netns/<name>) joined to the bridge by a veth pair, with its own address, lo up
// and a default route through the bridge.
#include <string>
#include <vector>

#include "launchers/local/addressing.hpp"

namespace drover::launchers {

/// Runs `ip ARGS...`. Throws LaunchError "<step>: ip ARGS: <stderr>" when it fails.
void runIp(const std::vector<std::string>& args, const std::string& step);
/// Whether a network interface of that name exists in this namespace.
bool linkExists(const std::string& name);
/// Whether /run/netns/<name> exists.
bool netnsExists(const std::string& name);

/// Creates the bridge with the subnet's gateway address and brings it up, unless it
/// exists. Throws LaunchError.
void ensureBridge(const std::string& bridge, const Subnet& subnet);
/// Creates the member's namespace and veth pair and configures both ends. Throws
/// LaunchError naming the step; what was made is left for removeMemberNetwork().
void addMemberNetwork(const std::string& bridge, const Subnet& subnet, const MemberLinks& links,
                      const std::string& address);
/// Deletes the veth pair and the namespace, whichever exist; tries both, then throws
/// LaunchError naming what could not be deleted.
void removeMemberNetwork(const MemberLinks& links);
/// Deletes the bridge if it exists. Throws LaunchError.
void removeBridge(const std::string& bridge);

}  // namespace drover::launchers
