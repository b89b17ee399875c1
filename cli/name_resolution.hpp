#pragma once
// `-I NAME`: a node answers identity(X) for its identity, its service name and its
// aliases, but a request runs only on the identities it is addressed to (envelope
// targets). So exact -I values are resolved first, by one discovery (rpcutil#ping to
// identity(X1) or identity(X2) ...) that ends as soon as every value is claimed by a
// reply (rpc::CallSpec::expect) or after the discovery quiet window; the call then
// goes to the identities found, and to each unclaimed value as given, so a node that
// does not exist is still reported as silent.
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "core/rpc/client.hpp"

namespace drover::cli {

struct Resolution {
  /// Identities to address, in the order of the values (each once); a value no reply
  /// claimed stays as given.
  std::vector<std::string> nodes;
  /// One line per value claimed by several nodes: "-I db-master is claimed by node-3
  /// and node-7; calling both". All of them are in `nodes`.
  std::vector<std::string> conflicts;
};

/// Which nodes `values` name, from the discovery's `replies` (rpc::claimsOf).
Resolution resolveClaims(const std::vector<std::string>& values,
                         const std::vector<rpc::NodeReply>& replies);

/// Asks the nodes which of them `values` name (one broadcast), warns on stderr of each
/// conflict and returns Resolution::nodes. Throws what Context::client() throws.
std::vector<std::string> resolveIdentities(Context& context,
                                           const std::vector<std::string>& values);

}  // namespace drover::cli
