// The provision agent behind its DDL (ddl/provision.json): the actions that need no
// Puppet master, with a node root in a temporary directory and a controlled clock.
#include "agents/provision/provision_agent.hpp"

#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/ddl/loader.hpp"
#include "core/util/files.hpp"
#include "testing/process.hpp"
#include "tests/support/puppet_master.hpp"

namespace drover::agents::provision {
namespace {

namespace fs = std::filesystem;
using envelope::StatusCode;

constexpr std::int64_t kStart = 1'700'000'000'000;

class ProvisionAgentTest : public ::testing::Test {
 protected:
  ProvisionAgentTest()
      : agent_(ddl::loadFile(fs::path(DROVER_SOURCE_DIR) / "ddl/provision.json"), settings(),
               [this] { return now_; }) {}

  ProvisionSettings settings() {
    ProvisionSettings s;
    s.root = root_.path();
    s.hostsFile = "/etc/hosts";
    s.puppet.program = "/nonexistent/puppet";
    s.identity = "n1.example";
    return s;
  }

  Reply call(const std::string& action, Json args = Json::object()) {
    Request request;
    request.action = action;
    request.args = std::move(args);
    request.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    return agent_.handle(request);
  }

  std::int64_t now_ = kStart;
  testing::TempDir root_;
  ProvisionAgent agent_;
};

TEST_F(ProvisionAgentTest, SetPuppetServerWritesUnderTheRootAndRecordsTheStep) {
  fs::create_directories(root_ / "etc");
  root_.write("etc/hosts", "127.0.0.1 localhost\n10.1.1.1 puppet-old # puppet\n");
  Reply first = call("set_puppet_server", {{"name", "puppet"}, {"address", "10.0.0.7"}});
  ASSERT_EQ(first.status.code, StatusCode::Ok) << first.status.message;
  EXPECT_EQ(first.data["changed"], true);
  EXPECT_EQ(first.data["hosts_file"], (root_ / "etc/hosts").string());
  EXPECT_EQ(util::readFile(root_ / "etc/hosts"),
            "127.0.0.1 localhost\n10.1.1.1 puppet-old # puppet\n"
            "10.0.0.7 puppet # drover: puppet server\n");
  Reply again = call("set_puppet_server", {{"name", "puppet"}, {"address", "10.0.0.7"}});
  EXPECT_EQ(again.data["changed"], false);

  Reply status = call("status");
  ASSERT_EQ(status.status.code, StatusCode::Ok) << status.status.message;
  EXPECT_EQ(status.data["completed_steps"], Json::array({"set_puppet_server"}));
  EXPECT_EQ(status.data["steps"]["set_puppet_server"]["address"], "10.0.0.7");
  EXPECT_EQ(status.data["certname"], "n1.example");
  EXPECT_TRUE(fs::exists(root_ / "var/lib/drover/provision.json"));
}

TEST_F(ProvisionAgentTest, ClaimRefusalNamesTheHolderAndItsExpiry) {
  Reply granted = call("claim", {{"owner", "prov-a"}, {"lease_seconds", 60}});
  ASSERT_EQ(granted.status.code, StatusCode::Ok) << granted.status.message;
  EXPECT_EQ(granted.data["granted"], true);
  EXPECT_EQ(granted.data["expires_at"], kStart / 1000 + 60);

  now_ += 20'000;
  Reply refused = call("claim", {{"owner", "prov-b"}, {"lease_seconds", 60}});
  EXPECT_EQ(refused.status.code, StatusCode::Aborted);
  EXPECT_NE(refused.status.message.find("prov-a"), std::string::npos) << refused.status.message;
  EXPECT_EQ(refused.data["granted"], false);
  EXPECT_EQ(refused.data["owner"], "prov-a");
  EXPECT_EQ(refused.data["lease_remaining"], 40);

  Reply renewed = call("claim", {{"owner", "prov-a"}, {"lease_seconds", 60}});
  EXPECT_EQ(renewed.data["renewed"], true);
  EXPECT_EQ(renewed.data["lease_remaining"], 60);

  Reply notYours = call("release", {{"owner", "prov-b"}});
  EXPECT_EQ(notYours.status.code, StatusCode::Aborted);
  EXPECT_EQ(notYours.data["owner"], "prov-a");
  Reply released = call("release", {{"owner", "prov-a"}});
  EXPECT_EQ(released.status.code, StatusCode::Ok);
  EXPECT_EQ(released.data["released"], true);
  Reply nothing = call("release", {{"owner", "prov-a"}});
  EXPECT_EQ(nothing.status.code, StatusCode::Ok);
  EXPECT_EQ(nothing.data["released"], false);
  EXPECT_EQ(call("status").data["claim"], Json(nullptr));
}

TEST_F(ProvisionAgentTest, LeaseOutOfRangeIsInvalidData) {
  Reply zero = call("claim", {{"owner", "prov-a"}, {"lease_seconds", 0}});
  EXPECT_EQ(zero.status.code, StatusCode::InvalidData);
  EXPECT_NE(zero.status.message.find("lease_seconds"), std::string::npos);
}

TEST_F(ProvisionAgentTest, MissingPuppetIsAClearError) {
  Reply reply = call("certificate_status");
  EXPECT_NE(reply.status.code, StatusCode::Ok);
  EXPECT_NE(reply.status.message.find("/nonexistent/puppet"), std::string::npos)
      << reply.status.message;
}

TEST_F(ProvisionAgentTest, EveryDdlActionHasAHandler) {
  auto ddl = ddl::loadFile(fs::path(DROVER_SOURCE_DIR) / "ddl/provision.json");
  ddl.actions.push_back(ddl.actions.front());
  ddl.actions.back().name = "no_such_action";
  ProvisionSettings s = settings();
  EXPECT_THROW(ProvisionAgent(ddl, s), std::invalid_argument);
}

// A master that refuses connections (gone, or not started) is `unreachable` at once,
// with Puppet's own words: `puppet ssl` left to its defaults would sleep and try again
// every 120 s, and the call would end only at its deadline, said as a timeout.
TEST(ProvisionAgentMaster, ARefusingMasterIsUnreachableNotWaitedFor) {
  testing::TempDir root;
  fs::path confdir = testing::writeNodePuppetConfig(root.path(), {}, {{"certname", "n1.example"}});
  ProvisionSettings s;
  s.root = root.path();
  s.puppet.program = "puppet";
  s.puppet.confdir = confdir;
  s.identity = "n1.example";
  ProvisionAgent agent(ddl::loadFile(fs::path(DROVER_SOURCE_DIR) / "ddl/provision.json"), s);
  Request request;
  request.action = "request_certificate";
  request.args = {{"server", "127.0.0.1"}, {"port", testing::freePort()}, {"reset_ssl", true}};
  request.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  Reply reply = agent.handle(request);
  EXPECT_EQ(reply.status.code, StatusCode::Aborted);
  EXPECT_EQ(reply.data.value("outcome", ""), "unreachable") << reply.data.dump();
  EXPECT_NE(reply.data.value("summary", "").find("Connection refused"), std::string::npos)
      << reply.data.dump();
}

// Puppet's ssldir serves actions in the order they reached the agent, even when the
// first one has slow work to do before it touches the ssldir (a node's first `puppet
// config print` takes seconds): a certificate_status arriving while a certificate
// request gets ready waits for that request, so it reports the key the request left.
// The real puppet runs behind a wrapper that notes each call and holds it until `go`.
TEST(ProvisionAgentSsldir, ActionsTakeTheSsldirInTheOrderTheyArrived) {
  testing::TempDir root;
  // No master answers: waitforcert 0 makes the request fail at once instead of waiting.
  fs::path confdir = testing::writeNodePuppetConfig(
      root.path(), {}, {{"certname", "n1.example"}, {"waitforcert", "0"}});
  const fs::path calls = root / "puppet-calls.log";
  const fs::path go = root / "go";
  fs::path wrapper =
      root.write("puppet-wrapper", "#!/bin/sh\necho \"$*\" >> " + calls.string() +
                                       "\nwhile [ ! -e " + go.string() +
                                       " ]; do sleep 0.02; done\npuppet \"$@\"\nstatus=$?\n"
                                       "echo done >> " +
                                       calls.string() + "\nexit $status\n");
  fs::permissions(wrapper, fs::perms::owner_all);
  ProvisionSettings s;
  s.root = root.path();
  s.puppet.program = wrapper.string();
  s.puppet.confdir = confdir;
  s.identity = "n1.example";
  ProvisionAgent agent(ddl::loadFile(fs::path(DROVER_SOURCE_DIR) / "ddl/provision.json"), s);
  // The Puppet calls begun and ended when certificate_status had its answer.
  std::string callsWhenAnswered;
  auto run = [&](const std::string& action, const Json& args) {
    Request request;
    request.action = action;
    request.args = args;
    request.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    agent.handle(request);
    if (action == "certificate_status") callsWhenAnswered = util::readFile(calls);
  };
  std::thread request(
      run, "request_certificate",
      Json{{"server", "127.0.0.1"}, {"port", testing::freePort()}, {"reset_ssl", true}});
  // The request is reading Puppet's settings, held at the wrapper.
  bool started = testing::waitFor([&] { return fs::exists(calls); }, std::chrono::seconds(30));
  std::thread status(run, "certificate_status", Json::object());
  bool waits =
      testing::waitFor([&] { return agent.context().ssldirLine() == 2; }, std::chrono::seconds(10));
  util::writeFileAtomically(go, "");
  request.join();
  status.join();
  ASSERT_TRUE(started);
  EXPECT_TRUE(waits) << "certificate_status did not wait for the ssldir behind the request";
  // Every Puppet call of the request had ended (the order in which the two threads
  // return afterwards is the scheduler's).
  std::istringstream noted(callsWhenAnswered);
  int begun = 0, ended = 0;
  for (std::string line; std::getline(noted, line);) ++(line == "done" ? ended : begun);
  EXPECT_GT(begun, 0) << callsWhenAnswered;
  EXPECT_EQ(ended, begun) << callsWhenAnswered;
}

}  // namespace
}  // namespace drover::agents::provision
