#pragma once
// A bridge for the namespaced members a test or benchmark starts through the local
// launcher: made with the subnet's gateway address before the broker binds to it, and
// removed when it goes, with every network namespace named <bridge>-* and each process
// in them (killed by PID), so a failed or interrupted run leaves nothing behind.
#include <string>

namespace drover::testing {

/// Every process of every namespace BRIDGE-* (SIGKILL by PID), the namespaces, then the
/// bridge. Anything already gone is no error.
void removeTestNetwork(const std::string& bridge);

class TestBridge {
 public:
  /// Removes what an earlier run killed outright left, then makes `name` with
  /// `gatewayCidr` (10.214.5.1/24) and brings it up. Throws std::runtime_error naming
  /// the `ip` command that failed (and removes what it made).
  TestBridge(std::string name, const std::string& gatewayCidr);
  ~TestBridge() { removeTestNetwork(name_); }
  TestBridge(const TestBridge&) = delete;
  TestBridge& operator=(const TestBridge&) = delete;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

}  // namespace drover::testing
