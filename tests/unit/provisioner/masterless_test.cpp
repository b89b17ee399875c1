// The masterless flow on the provisioner side: node data (provisioner/node_data.hpp),
// the shipped etc/flows/masterless.yaml, and the engine taking a node through a flow
// with no pick_master while no master exists at all.
#include <map>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

#include "provisioner/engine.hpp"
#include "provisioner/node_data.hpp"
#include "testing/process.hpp"

namespace drover::provisioner {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string errorOf(const fs::path& dir, const std::string& identity) {
  try {
    loadNodeData(dir, identity);
  } catch (const NodeDataError& e) {
    return e.what();
  }
  return "";
}

TEST(NodeData, TheNodesFileIsMergedOverCommonKeyByKey) {
  testing::TempDir dir;
  dir.write("common.yaml", "motd: image\nntp::servers: [a, b]\nnested: {x: 1, y: 2}\n");
  dir.write("n1.yaml", "motd: hello n1\nnested: {x: 9}\nport: 8080\n");
  Json data = loadNodeData(dir.path(), "n1");
  EXPECT_EQ(data, (Json{{"motd", "hello n1"},
                        {"ntp::servers", {"a", "b"}},
                        {"nested", {{"x", 9}}},  // a top-level key is replaced whole
                        {"port", 8080}}));
  EXPECT_EQ(
      loadNodeData(dir.path(), "n2"),
      (Json{{"motd", "image"}, {"ntp::servers", {"a", "b"}}, {"nested", {{"x", 1}, {"y", 2}}}}));
}

TEST(NodeData, NoFilesMeanAnEmptyObject) {
  testing::TempDir dir;
  EXPECT_EQ(loadNodeData(dir.path(), "n1"), Json::object());
  dir.write("n1.yaml", "");
  EXPECT_EQ(loadNodeData(dir.path(), "n1"), Json::object());
}

TEST(NodeData, MalformedFilesAreNamedWithTheirLine) {
  testing::TempDir dir;
  dir.write("n1.yaml", "motd: fine\nbad: [unclosed\n");
  std::string error = errorOf(dir.path(), "n1");
  EXPECT_NE(error.find((dir / "n1.yaml").string() + ":"), std::string::npos) << error;
  EXPECT_NE(error.find("YAML syntax error"), std::string::npos) << error;

  dir.write("n1.yaml", "- a\n- b\n");
  error = errorOf(dir.path(), "n1");
  EXPECT_NE(error.find((dir / "n1.yaml").string() + ":1:1: expected a map of Hiera keys"),
            std::string::npos)
      << error;

  dir.write("n1.yaml", "motd: a\nmotd: b\n");
  error = errorOf(dir.path(), "n1");
  EXPECT_NE(error.find("n1.yaml:2:1: duplicate key 'motd'"), std::string::npos) << error;

  dir.write("n1.yaml", "motd: a\n");
  dir.write("common.yaml", "x: 1\n  y: 2\n");
  error = errorOf(dir.path(), "n1");
  EXPECT_NE(error.find((dir / "common.yaml").string() + ":2:"), std::string::npos) << error;
}

TEST(NodeData, BadIdentitiesMissingDirectoriesAndOversizedDataAreRefused) {
  testing::TempDir dir;
  EXPECT_NE(errorOf(dir.path(), "../common").find("cannot name a node data file"),
            std::string::npos);
  EXPECT_NE(errorOf(dir.path(), "a/b").find("cannot name a node data file"), std::string::npos);
  EXPECT_NE(errorOf(dir / "missing", "n1").find("node data directory"), std::string::npos);
  dir.write("n1.yaml", "blob: " + std::string(kMaxNodeDataBytes, 'x') + "\n");
  EXPECT_NE(errorOf(dir.path(), "n1").find("bytes as JSON"), std::string::npos);
}

TEST(MasterlessFlow, TheShippedFlowLoadsWithoutMasters) {
  Flow flow = loadFlowFile(fs::path(DROVER_SOURCE_DIR) / "etc/flows/masterless.yaml");
  EXPECT_EQ(flow.name, "masterless");
  EXPECT_FALSE(flow.pickMasterIndex().has_value());
  std::vector<std::string> names;
  for (const auto& step : flow.steps) {
    names.push_back(step.name);
    EXPECT_EQ(step.call.target, Target::Node) << step.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"assign_name", "set_node_data", "production_apply",
                                             "notify"}));
  EXPECT_EQ(flow.steps[0].kind, StepKind::AssignName);
  EXPECT_EQ(flow.steps[1].call.action, "set_node_data");
  EXPECT_EQ(flow.steps[1].call.args["data"], "{{node.data}}");
  EXPECT_EQ(flow.steps[2].call.action, "apply");
  EXPECT_EQ(flow.steps[2].call.args["environment"], "production");
  ASSERT_TRUE(flow.alreadyProvisioned.has_value());
  EXPECT_TRUE(matches(flow.alreadyProvisioned->when,
                      {{"completed_steps", {"set_node_data", "apply:production"}}}));
  EXPECT_TRUE(usesNodeData(flow));
  EXPECT_FALSE(usesNodeData(loadFlowFile(fs::path(DROVER_SOURCE_DIR) / "etc/flows/classic.yaml")));
}

TEST(MasterlessFlow, MasterTemplatesAreRefusedWithoutPickMaster) {
  const char* flow = R"(name: m
steps:
  - name: apply
    agent: provision
    action: apply
    args: {environment: "{{master.facts.env}}"}
)";
  try {
    parseFlow(flow, "m.yaml");
    FAIL() << "accepted master.* without pick_master";
  } catch (const FlowError& e) {
    EXPECT_NE(std::string(e.what()).find("before the pick_master step"), std::string::npos)
        << e.what();
  }
}

// Answers every call OK, remembers each call's arguments.
class RecordingExecutor : public StepExecutor {
 public:
  std::vector<CallReply> call(const CallRequest& request) override {
    std::lock_guard lock(mutex_);
    calls.push_back(request.agent + "#" + request.action + " " + request.args.dump());
    Json data = Json::object();
    if (request.action == "claim") data = {{"granted", true}};
    if (request.action == "status") data = {{"completed_steps", Json::array()}};
    std::vector<CallReply> out;
    for (const auto& node : request.nodes) out.push_back(CallReply{node, true, {}, data, "", true});
    return out;
  }
  std::vector<std::string> callsOf(const std::string& action) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& c : calls) {
      if (c.rfind("provision#" + action + " ", 0) == 0) out.push_back(c.substr(c.find(' ') + 1));
    }
    return out;
  }
  std::mutex mutex_;
  std::vector<std::string> calls;
};

class CountingNotifier : public notifiers::EventSink {
 public:
  void publish(const notifiers::Event&) noexcept override {}
};

class MasterlessEngineTest : public ::testing::Test {
 protected:
  void start(const fs::path& dataDir) {
    options.owner = "p1";
    options.nodeDataDir = dataDir;
    store = std::make_unique<Store>(dir / "state.db");
    Flow flow = loadFlowFile(fs::path(DROVER_SOURCE_DIR) / "etc/flows/masterless.yaml");
    for (auto& step : flow.steps) step.backoff = {10ms, 20ms, 2.0};
    engine = std::make_unique<Engine>(flow, options, *store, executor, notifier, metrics);
    engine->start();
  }
  void node(const std::string& id) {
    engine->observe({id, {"provision", "rpcutil"}, {{"region", "eu"}}, 1, "enforcing", true});
  }
  bool waitState(const std::string& id, NodeState state) {
    return testing::waitFor([&] { return engine->stateOf(id) == state; }, 10s);
  }

  testing::TempDir dir;
  testing::TempDir data;
  EngineOptions options;
  RecordingExecutor executor;
  CountingNotifier notifier;
  Metrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
};

TEST_F(MasterlessEngineTest, ANodeIsProvisionedWithItsDataAndNoMasterAtAll) {
  data.write("common.yaml", "motd: image\ncolour: grey\n");
  data.write("n1.yaml", "motd: node one\n");
  start(data.path());
  node("n1");
  node("n2");
  ASSERT_TRUE(waitState("n1", NodeState::Provisioned)) << engine->node("n1")->dump();
  ASSERT_TRUE(waitState("n2", NodeState::Provisioned)) << engine->node("n2")->dump();
  EXPECT_EQ(engine->node("n1")->at("master"), "");
  auto sets = executor.callsOf("set_node_data");
  ASSERT_EQ(sets.size(), 2u);
  std::multiset<Json> got{Json::parse(sets[0]), Json::parse(sets[1])};
  EXPECT_EQ(got.count(Json{{"data", {{"motd", "node one"}, {"colour", "grey"}}}}), 1u);
  EXPECT_EQ(got.count(Json{{"data", {{"motd", "image"}, {"colour", "grey"}}}}), 1u);
  auto applies = executor.callsOf("apply");
  ASSERT_EQ(applies.size(), 2u);
  EXPECT_EQ(Json::parse(applies[0]),
            (Json{{"environment", "production"}, {"manifest", "manifests"}}));
}

TEST_F(MasterlessEngineTest, AMalformedDataFileFailsTheNodeNamingFileAndLine) {
  data.write("n1.yaml", "motd: fine\nbroken: [\n");
  start(data.path());
  node("n1");
  ASSERT_TRUE(waitState("n1", NodeState::Failed));
  std::string error = engine->node("n1")->at("last_error");
  EXPECT_NE(error.find((data / "n1.yaml").string() + ":"), std::string::npos) << error;
  EXPECT_NE(error.find("{{node.data}}"), std::string::npos) << error;
  EXPECT_TRUE(executor.callsOf("set_node_data").empty());
  EXPECT_TRUE(executor.callsOf("apply").empty());
}

// No data of the provisioner's: the node applies its image's defaults alone.
TEST_F(MasterlessEngineTest, WithoutANodeDataDirNodesGetEmptyDataAndTheirImageDefaults) {
  start(fs::path());
  node("n1");
  ASSERT_TRUE(waitState("n1", NodeState::Provisioned)) << engine->node("n1")->dump();
  EXPECT_EQ(executor.callsOf("set_node_data"), (std::vector<std::string>{R"({"data":{}})"}));
  EXPECT_EQ(executor.callsOf("apply").size(), 1u);
}

}  // namespace
}  // namespace drover::provisioner
