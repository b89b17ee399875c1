#pragma once
// Facts a node reports about itself without any file: names, kernel, OS, network,
// processors, memory and uptime. Each source is guarded, so one that fails (no
// /etc/os-release in a container, say) is logged and left out while the rest resolve.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.hpp"

namespace drover::facts {

/// One source of built-in facts. `resolve` adds its facts to the object it is given and
/// may throw; what it added is then discarded.
struct FactSource {
  std::string name;
  std::function<void(Json& facts)> resolve;
};

/// The sources of builtinFacts(), in the order they run:
///   hostname, fqdn, domain (domain only when the name has one)
///   kernel, kernelrelease, architecture (uname)
///   os {family, name, release, codename} (/etc/os-release; members it lacks are left out)
///   ipaddress, ipaddress6 (first non-loopback, non-link-local), interfaces
///     {NAME: {ipv4: [...], ipv6: [...], mac}} (getifaddrs)
///   processorcount, memorysize_mb, uptime_seconds
const std::vector<FactSource>& builtinSources();

/// Runs each source into one object. A source that throws is logged on drover.facts and
/// contributes nothing. Does not throw (except std::bad_alloc).
Json resolveFacts(const std::vector<FactSource>& sources);

/// resolveFacts(builtinSources()).
Json builtinFacts();

/// The os fact from the text of an os-release file (KEY=VALUE lines, values optionally
/// quoted): {family, name, release, codename}, with the members it can fill.
Json parseOsRelease(std::string_view text);

}  // namespace drover::facts
