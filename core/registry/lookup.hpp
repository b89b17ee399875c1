#pragma once
// Discovery from the registry (registry.hpp): one `registry#find` round trip to the
// first registry that answers, then the pages after it from that same registry.
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/registry/registry.hpp"
#include "core/rpc/client.hpp"

namespace drover::registry {

/// No registry answered, or the one that did refused or sent what is not an answer.
class LookupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Lookup {
  std::vector<std::string> nodes;  // fresh nodes that match, sorted
  std::vector<StaleNode> stale;    // matching nodes the registry counts as gone
  std::size_t known = 0;           // nodes the registry holds
  std::string registry;            // the identity that answered
};

/// The nodes matching `filter` that host `agent` (as rpc::discoveryFilter() combines them),
/// asked of the first registry (a provisioner's certificate, when security is on) that
/// answers within `timeout`. Throws LookupError saying what went wrong.
Lookup lookup(rpc::Client& client, const std::string& filter, const std::string& agent,
              std::chrono::milliseconds timeout);

}  // namespace drover::registry
