#pragma once
// The deployments suite's world, shared by its tests (one broker and one provisioner):
// a bridge and private subnet of its own, a real broker listening on loopback and on the
// bridge, a real drover-provisioner running the shipped masterless flow with enrolment
// and the local launcher, whose members are real droverd processes, each in network,
// UTS and mount namespaces of its own, booting from a small image (Puppet's settings and
// a manifest) with only a provisioning token. The CLI is the real `drover deploy`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"
#include "testing/test_bridge.hpp"
#include "tests/integration/provisioner/provisioner_it.hpp"

namespace drover::integration {

/// What one `drover` run left behind.
struct CliRun {
  int exitCode = -1;
  std::string out, err;
};

class DeploySuite : public ::testing::Test {
 public:
  /// What the suite's tests share.
  struct World {
    std::string bridge;                            // dvit<pid>: unique to this test process
    std::string subnet;                            // 10.214.<n>.0/24
    std::string gateway;                           // its .1, the bridge's address
    std::unique_ptr<testing::TestBridge> network;  // made first, removed last
    testing::TempDir dir;
    std::unique_ptr<Fleet> fleet;
    std::unique_ptr<Provisioner> provisioner;
    zmq::context_t context{1};
    std::unique_ptr<rpc::Client> admin;
  };

 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  /// Writes a deployment directory (shop.yaml, files/, bundles/) for `name` with these
  /// pool counts; returns the file.
  static fs::path writeDeployment(const std::string& name, int db, int app, int worker,
                                  bool failingStage = false, const std::string& workerFlow = "");
  /// `drover deploy ARGS...` with the fleet's admin config, within `timeout`.
  static CliRun deploy(std::vector<std::string> args, std::chrono::seconds timeout = 300s);
  /// `drover provision status --all`.
  static CliRun provisionStatus();
  /// `drover deploy ...` started, not waited for (killed by the caller).
  static std::unique_ptr<testing::Process> deployInBackground(std::vector<std::string> args);

  /// The provisioner's deploy_status, or null when it does not answer OK.
  static Json status(const std::string& name);
  /// identity -> member (status's member objects).
  static std::map<std::string, Json> members(const std::string& name);
  /// Waits until `done` holds for the status (true) or 240 s passed (false).
  static bool waitStatus(const std::string& name, const std::function<bool(const Json&)>& done);

  /// A member's droverd PID and root (the launcher's state for it).
  static pid_t memberPid(const std::string& name, const std::string& identity);
  static fs::path memberRoot(const std::string& name, const std::string& identity);
  /// What ARGV printed (trimmed) when run inside the member's namespaces, and its exit.
  static util::SubprocessResult inMember(const std::string& name, const std::string& identity,
                                         std::vector<std::string> argv);

  static std::string logs();

  static World* world_;
};

}  // namespace drover::integration
