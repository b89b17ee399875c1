// RPC through the external example agent (agents/examples/echo, echo.json) on the
// standard fleet, where web-eu-1, web-eu-2 and web-us-1 host it: rendering from the
// DDL, input validation in the client and again on the node, and an agent program
// that hangs, prints garbage or is handed shell metacharacters.
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zmq.hpp>

#include "core/bus/topics.hpp"
#include "core/rpc/client.hpp"
#include "core/security/certificate.hpp"
#include "core/util/files.hpp"
#include "core/util/json.hpp"
#include "core/util/subprocess.hpp"
#include "tests/integration/bus_listener.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using envelope::StatusCode;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using Names = std::vector<std::string>;

const Names kEchoNodes{"web-eu-1", "web-eu-2", "web-us-1"};
const Names kOtherNodes{"db-eu-1", "db-us-1", "web-ap-1"};

class Rpc : public BusFleetSuite {
 protected:
  static void SetUpTestSuite() { startFleet(standardNodes()); }

  // The echo nodes still answer both rpcutil and the external agent.
  static void expectEchoNodesServing() {
    Result ping = fleet().drover({"ping", "-A", "echo"});
    EXPECT_EQ(ping.exitCode, 0) << ping;
    EXPECT_THAT(ping.out, HasSubstr("3 of 3 nodes answered, 3 ok, 0 failed, 0 no reply")) << ping;
    Result echo = fleet().drover({"rpc", "echo", "echo", "message=still-here", "-I", "web-eu-1",
                                  "-I", "web-eu-2", "-I", "web-us-1"});
    EXPECT_EQ(echo.exitCode, 0) << echo;
    EXPECT_THAT(echo.out, HasSubstr("3 of 3 nodes answered, 3 ok, 0 failed, 0 no reply")) << echo;
  }
};

TEST_P(Rpc, EchoAnswersFromTheEchoNodesRenderedFromTheDdl) {
  Result result = fleet().drover({"rpc", "echo", "echo", "message=hi"});
  ASSERT_EQ(result.exitCode, 0) << result;
  for (const auto& node : kEchoNodes) {
    EXPECT_THAT(result.out, ContainsRegex(node + " +ok\n +Message: hi\n +Length: 2\n")) << result;
  }
  for (const auto& node : kOtherNodes) EXPECT_THAT(result.out, Not(HasSubstr(node))) << result;
  EXPECT_THAT(result.out, HasSubstr("Summary of Message:")) << result;
  EXPECT_THAT(result.out, ContainsRegex("hi: +3")) << result;
  EXPECT_THAT(result.out, HasSubstr("3 of 3 nodes answered, 3 ok, 0 failed, 0 no reply")) << result;

  Result json = fleet().drover({"rpc", "echo", "echo", "message=hello world", "--json"});
  ASSERT_EQ(json.exitCode, 0) << json;
  Json doc = Json::parse(json.out);
  ASSERT_EQ(doc.at("replies").size(), 3u) << json;
  for (const auto& reply : doc.at("replies")) {
    EXPECT_EQ(reply.at("data"), (Json{{"message", "hello world"}, {"length", 11}})) << json;
  }
}

TEST_P(Rpc, FailingActionReportsTheAgentsMessage) {
  Result result = fleet().drover({"rpc", "echo", "fail", "message=disk full", "-I", "web-us-1"});
  EXPECT_EQ(result.exitCode, 1) << result;
  EXPECT_THAT(result.out, HasSubstr("1 of 1 nodes answered, 0 ok, 1 failed, 0 no reply")) << result;
  EXPECT_THAT(result.out, ContainsRegex("failed: web-us-1: .*disk full")) << result;
}

TEST_P(Rpc, ClientRejectsInvalidArgumentsBeforeSending) {
  BusListener requests(fleet().endpoints(), {bus::broadcastTopic("drover", "rpcutil"),
                                             bus::broadcastTopic("drover", "echo")});
  struct Case {
    Names args;
    Names expected;  // substrings of stderr
  };
  const std::vector<Case> cases = {
      {{"rpc", "echo", "echo"}, {"input 'message' fails validation 'required'"}},
      {{"rpc", "echo", "echo", "message=hi", "colour=red"},
       {"input 'colour' fails validation 'unknown'"}},
      {{"rpc", "echo", "echo", "message=" + std::string(1025, 'x')},
       {"input 'message' fails validation 'maxlength'", "1024"}},
      {{"rpc", "echo", "sleep", "seconds=soon"}, {"seconds", "integer"}},
      {{"rpc", "echo", "dance"}, {"no action 'dance'"}},
      {{"rpc", "nosuchagent", "go"}, {"no DDL for agent 'nosuchagent'"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args).substr(0, 200));
    Result result = fleet().drover(c.args);
    EXPECT_EQ(result.exitCode, 2) << result;
    for (const auto& text : c.expected) EXPECT_THAT(result.err, HasSubstr(text)) << result;
  }
  Result marker = fleet().drover({"find", "-F", "role=web"});
  ASSERT_EQ(marker.exitCode, 0) << marker;
  auto first = requests.next(5s);
  ASSERT_TRUE(first.has_value()) << "the marker discovery never reached the broker";
  EXPECT_EQ(first->filter, "role == web") << "an invalid call reached the bus";
}

TEST_P(Rpc, NodeRevalidatesArgumentsTheClientDidNotCheck) {
  zmq::context_t context(1);
  rpc::Client client(context, fleet().endpoints(), "raw-client", "drover",
                     std::chrono::milliseconds(5000), {}, fleet().adminSecurity());
  struct Case {
    Json args;
    StatusCode code;
    std::string rule;  // as the node's message names it
  };
  const std::vector<Case> cases = {
      {{{"message", std::string(1025, 'x')}},
       StatusCode::InvalidData,
       "input 'message' fails validation 'maxlength'"},
      {{{"message", 42}}, StatusCode::InvalidData, "input 'message' fails validation 'type'"},
      {Json::object(), StatusCode::MissingData, "input 'message' fails validation 'required'"},
      {{{"message", "hi"}, {"colour", "red"}},
       StatusCode::InvalidData,
       "input 'colour' fails validation 'unknown'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args.dump().substr(0, 100));
    rpc::CallSpec spec;
    spec.agent = "echo";
    spec.action = "echo";
    spec.args = c.args;
    spec.nodes = kEchoNodes;
    spec.timeout = 5s;
    rpc::CallResult result = client.call(spec);
    EXPECT_TRUE(result.noReply.empty()) << ::testing::PrintToString(result.noReply);
    ASSERT_EQ(result.replies.size(), 3u);
    for (const auto& reply : result.replies) {
      EXPECT_EQ(reply.status.code, c.code) << reply.sender << ": " << reply.status.message;
      EXPECT_THAT(reply.status.message, HasSubstr("echo#echo")) << reply.sender;
      EXPECT_THAT(reply.status.message, HasSubstr(c.rule)) << reply.sender;
    }
  }
}

// A client that heard from a node sends its next direct request with a MAC for that
// node beside the signature, and the node checks the MAC instead (daemon_stats counts
// it). A key that is no longer the node's costs the node a signature check, never the
// call.
TEST_P(Rpc, ANodeHeardFromBeforeChecksTheNextRequestByItsMac) {
  zmq::context_t context(1);
  auto security = fleet().adminSecurity();
  rpc::Client client(context, fleet().endpoints(), "raw-client", "drover",
                     std::chrono::milliseconds(5000), {}, security);
  const std::string node = "db-eu-1";
  auto macChecked = [&]() -> std::int64_t {
    rpc::CallSpec spec;
    spec.agent = "rpcutil";
    spec.action = "daemon_stats";
    spec.nodes = Names{node};
    spec.timeout = 5s;
    rpc::CallResult result = client.call(spec);
    EXPECT_TRUE(result.rejected == 0) << ::testing::PrintToString(result.rejections);
    if (result.replies.size() != 1u || !result.replies[0].status.ok()) {
      ADD_FAILURE() << "no answer from " << node;
      return -1;
    }
    return result.replies[0].data.value("mac_checked", std::int64_t{-1});
  };
  EXPECT_EQ(security->peers->find(node), "");
  const std::int64_t before = macChecked();  // signed only: its key was not known
  ASSERT_GE(before, 0);
  EXPECT_NE(security->peers->find(node), "") << "the verified reply did not teach its key";
  EXPECT_EQ(macChecked(), before + 1);
  EXPECT_EQ(macChecked(), before + 2);

  // A key that is not the node's (the admin's own): the MAC fails, the signature holds.
  auto own = security::certificateFromDer(security->signer->certificateDer());
  security->peers->learn(node, security::rawPublicKey(X509_get0_pubkey(own.get())));
  EXPECT_EQ(macChecked(), before + 2);
  // That reply put the node's real key back.
  EXPECT_EQ(macChecked(), before + 3);
}

TEST_P(Rpc, DirectRequestForAnAgentTheNodeLacksIsRefusedByName) {
  zmq::context_t context(1);
  rpc::Client client(context, fleet().endpoints(), "raw-client", "drover",
                     std::chrono::milliseconds(5000), {}, fleet().adminSecurity());
  rpc::CallSpec spec;
  spec.agent = "echo";
  spec.action = "echo";
  spec.args = {{"message", "hi"}};
  spec.nodes = Names{"db-eu-1"};
  spec.timeout = 5s;
  rpc::CallResult result = client.call(spec);
  ASSERT_EQ(result.replies.size(), 1u);
  EXPECT_EQ(result.replies[0].status.code, StatusCode::UnknownAction);
  EXPECT_THAT(result.replies[0].status.message, HasSubstr("'echo' is not installed on db-eu-1"));
}

TEST_P(Rpc, RunawayActionTimesOutAndTheNodeKeepsServing) {
  Result result = fleet().drover({"rpc", "echo", "sleep", "seconds=5"});
  EXPECT_EQ(result.exitCode, 1) << result;
  EXPECT_THAT(result.out, HasSubstr("3 of 3 nodes answered, 0 ok, 3 failed, 0 no reply")) << result;
  for (const auto& node : kEchoNodes) {
    // The DDL allows 2 s, counted from the request's arrival: time spent queued is
    // taken off, so the message may say 1.998 s.
    EXPECT_THAT(result.out, ContainsRegex("failed: " + node +
                                          ": .*timed out after (2|1\\.[0-9]+) s \\(process "
                                          "group killed\\)"))
        << result;
    EXPECT_FALSE(hasChildProcess(fleet().node(node).pid())) << node << " left its program running";
  }
  expectEchoNodesServing();
}

// A node stops an action when its request's TTL runs out; `drover rpc` sends a TTL
// covering its wait, so a short `ttl:` in client.yaml does not cut a 1 s action short.
TEST_P(Rpc, AShortConfiguredTtlDoesNotCutAnActionShort) {
  std::filesystem::path config = fleet().dir() / "client-short-ttl.yaml";
  util::writeFileAtomically(config, util::readFile(fleet().clientConfig()) + "ttl: 1\n");
  auto run = util::runProcess({testing::binary("drover").string(), "--config", config.string(),
                               "rpc", "echo", "sleep", "seconds=1", "-I", "web-eu-1"},
                              "", 60s);
  EXPECT_EQ(run.exitCode, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("1 of 1 nodes answered, 1 ok")) << run.out << run.err;
}

TEST_P(Rpc, MalformedOutputIsReportedAndTheNodeKeepsServing) {
  Result result = fleet().drover({"rpc", "echo", "garbage"});
  EXPECT_EQ(result.exitCode, 1) << result;
  EXPECT_THAT(result.out, HasSubstr("3 of 3 nodes answered, 0 ok, 3 failed, 0 no reply")) << result;
  for (const auto& node : kEchoNodes) {
    EXPECT_THAT(result.out, ContainsRegex("failed: " + node + ": .*malformed output")) << result;
  }
  expectEchoNodesServing();
}

TEST_P(Rpc, ShellMetacharactersAreEchoedAsData) {
  std::filesystem::path marker = fleet().dir() / "injected";
  const std::string message = "$(touch " + marker.string() + "); rm -rf / `touch " +
                              marker.string() + "` | true && echo 'x' > " + marker.string();
  Result result = fleet().drover({"rpc", "echo", "echo", "message=" + message, "--json"});
  ASSERT_EQ(result.exitCode, 0) << result;
  Json doc = Json::parse(result.out);
  ASSERT_EQ(doc.at("replies").size(), 3u) << result;
  for (const auto& reply : doc.at("replies")) {
    EXPECT_EQ(reply.at("data").at("message"), message) << result;
  }
  EXPECT_FALSE(std::filesystem::exists(marker)) << "an argument ran as a command";
}

DROVER_ON_EVERY_BUS(Rpc);

}  // namespace
}  // namespace drover::integration
