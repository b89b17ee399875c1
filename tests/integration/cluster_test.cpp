// The cluster agent in a real droverd (agents/cluster, ddl/cluster.json): a bundle of
// about 1.5 MiB goes over the bus in signed put_chunk requests of 512 KiB, run_stage
// unpacks and runs it under the node's root, and its policy (etc/policies/cluster.yaml)
// refuses a caller that is neither admin nor provisioner.
#include <string>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "core/bus/topics.hpp"
#include "core/rpc/client.hpp"
#include "core/util/base64.hpp"
#include "core/util/blob_store.hpp"
#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"
#include "tests/integration/bus_listener.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using envelope::StatusCode;

constexpr const char* kNode = "i-0cluster";

// Bytes that do not compress away, so the bundle really is ~1.5 MiB.
std::string noise(std::size_t size) {
  std::string out(size, '\0');
  std::uint32_t x = 88172645u;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

// bootstrap.sh writes its stage, first argument and a param beside the payload's size.
std::string makeBundle(const testing::TempDir& dir) {
  fs::create_directories(dir / "src");
  dir.write("src/payload.bin", noise(1536 * 1024));
  dir.write("src/bootstrap.sh",
            "#!/bin/sh\n"
            "echo \"stage=$DROVER_STAGE arg=$1 role=$DROVER_PARAM_ROLE"
            " payload=$(wc -c < payload.bin)\" > \"$HOME/stage.out\"\n"
            "echo bootstrapped\n");
  fs::permissions(dir / "src/bootstrap.sh", fs::perms::owner_all | fs::perms::group_read);
  auto made = util::runProcess({"tar", "-c", "-f", (dir / "bundle.tar").string(), "-C",
                                (dir / "src").string(), "bootstrap.sh", "payload.bin"},
                               "", 60s);
  EXPECT_EQ(made.exitCode, 0) << made.err;
  return util::readFile(dir / "bundle.tar");
}

class Cluster : public FleetSuite {
 protected:
  static void SetUpTestSuite() { startFleet({}); }

  static rpc::NodeReply callNode(rpc::Client& client, const std::string& action, Json args) {
    rpc::CallSpec spec;
    spec.agent = "cluster";
    spec.action = action;
    spec.args = std::move(args);
    spec.nodes = std::vector<std::string>{kNode};
    spec.timeout = 60s;
    rpc::CallResult result = client.call(spec);
    EXPECT_EQ(result.replies.size(), 1u)
        << action << " rejected: " << ::testing::PrintToString(result.rejections);
    return result.replies.empty() ? rpc::NodeReply{} : result.replies.front();
  }
};

TEST_F(Cluster, ABundleSentInChunksOverTheBusRunsAsAStageUnderTheNodesRoot) {
  testing::TempDir root, work;
  BusListener registrations(fleet().endpoints(), {bus::registrationTopic("drover")});
  NodeSpec spec;
  spec.identity = kNode;
  spec.extraArgs = {"--root", root.path().string()};
  fleet().addNode(spec);
  zmq::context_t context(1);
  rpc::Client client(context, fleet().endpoints(), Fleet::kAdmin, "drover", 5000ms, {},
                     fleet().adminSecurity());

  const std::string bundle = makeBundle(work);
  ASSERT_GT(bundle.size(), 1536u * 1024);
  const std::string digest = util::sha256Digest(bundle);
  int chunks = 0;
  for (std::size_t offset = 0; offset < bundle.size(); offset += util::kMaxChunkBytes, ++chunks) {
    std::string data = util::encodeBase64(bundle.substr(offset, util::kMaxChunkBytes));
    rpc::NodeReply reply =
        callNode(client, "put_chunk",
                 {{"digest", digest}, {"size", bundle.size()}, {"offset", offset}, {"data", data}});
    ASSERT_TRUE(reply.status.ok()) << reply.status.message;
    ASSERT_TRUE(reply.verified);
    EXPECT_EQ(reply.data["complete"], offset + util::kMaxChunkBytes >= bundle.size());
  }
  EXPECT_EQ(chunks, 4);

  rpc::NodeReply ran = callNode(client, "run_stage",
                                {{"stage", 0},
                                 {"digest", digest},
                                 {"args", {"--quick"}},
                                 {"params", {{"role", "db"}}},
                                 {"deployment", "shop"},
                                 {"timeout", 60}});
  ASSERT_TRUE(ran.status.ok()) << ran.status.message;
  EXPECT_EQ(ran.data["ran"], true);
  EXPECT_EQ(ran.data["exit_code"], 0) << ran.data.dump();
  EXPECT_EQ(ran.data["output_tail"], "bootstrapped\n");
  EXPECT_EQ(util::readFile(root / "root/stage.out"),
            "stage=0 arg=--quick role=db payload=1572864\n");

  // The node registers again at once with the stage counted in data.cluster.
  auto registered = registrations.next(30s, [](const envelope::Envelope& env) {
    return env.type == envelope::MessageType::Registration && env.sender == kNode &&
           env.data.value("cluster", Json::object()).value("stages", 0) == 1;
  });
  EXPECT_TRUE(registered.has_value()) << fleet().logs();

  rpc::NodeReply again =
      callNode(client, "run_stage", {{"stage", 0}, {"digest", digest}, {"deployment", "shop"}});
  EXPECT_EQ(again.data["ran"], false);
  rpc::NodeReply listed = callNode(client, "stages", Json::object());
  ASSERT_EQ(listed.data["stages"].size(), 1u) << listed.data.dump();
  EXPECT_EQ(listed.data["stages"][0]["digest"], digest);
}

TEST_F(Cluster, ACallerThatIsNeitherAdminNorProvisionerIsRefused) {
  Credentials other = fleet().issue("peer.node", security::Role::Node);
  auto security = rpc::ClientSecurity::fromFiles(fleet().ca().certificateFile(),
                                                 fleet().ca().crlFile(), other.cert, other.key);
  testing::TempDir root;
  NodeSpec spec;
  spec.identity = "i-0cluster-policy";
  spec.extraArgs = {"--root", root.path().string()};
  fleet().addNode(spec);
  zmq::context_t context(1);
  rpc::Client client(context, fleet().endpoints(), "peer.node", "drover", 5000ms, {}, security);
  rpc::CallSpec call;
  call.agent = "cluster";
  call.action = "ssh_keys";
  call.nodes = std::vector<std::string>{"i-0cluster-policy"};
  call.timeout = 30s;
  rpc::CallResult result = client.call(call);
  ASSERT_EQ(result.replies.size(), 1u);
  EXPECT_EQ(result.replies[0].status.code, StatusCode::Refused) << result.replies[0].status.message;
  EXPECT_FALSE(fs::exists(root / "root/.ssh/id_ed25519"));
}

}  // namespace
}  // namespace drover::integration
