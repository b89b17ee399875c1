// The naming agent behind its DDL (ddl/naming.json), with a node root in a temporary
// directory and a real NodeCore as the node it tells about its names. The kernel
// hostname is never set here (naming.set_hostname false): the integration test does it
// inside a UTS namespace of its own.
#include "agents/naming/naming_agent.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "core/ddl/loader.hpp"
#include "core/util/files.hpp"
#include "node/node_core.hpp"
#include "testing/process.hpp"

namespace drover::agents::naming {
namespace {

namespace fs = std::filesystem;
using envelope::StatusCode;

constexpr const char* kHostsHead = "127.0.0.1 localhost\n10.0.0.9 mine # my own entry\n";

Json entry(const std::string& address, std::vector<std::string> names) {
  return {{"address", address}, {"names", names}};
}

Json hosts(std::int64_t version, Json entries, const std::string& domain = "") {
  return {{"version", version}, {"domain", domain}, {"entries", std::move(entries)}};
}

class NamingAgentTest : public ::testing::Test {
 protected:
  NamingAgentTest() : core_(identity()) { restart(); }

  static node::NodeIdentity identity() {
    node::NodeIdentity id;
    id.identity = "i-0abc.ec2.internal";
    return id;
  }

  // A new agent over the same root, as after a droverd restart.
  void restart(NamingConfig config = quietConfig()) {
    agent_.reset();
    NamingSettings s;
    s.root = root_.path();
    s.identity = "i-0abc.ec2.internal";
    s.config = std::move(config);
    agent_ = std::make_unique<NamingAgent>(
        ddl::loadFile(fs::path(DROVER_SOURCE_DIR) / "ddl/naming.json"), s, core_);
  }

  static NamingConfig quietConfig() {
    NamingConfig config;
    config.service = "db";
    config.type = "masterful";
    config.aliases = {"mongo"};
    config.setHostname = false;
    return config;
  }

  Reply call(const std::string& action, Json args = Json::object()) {
    Request request;
    request.action = action;
    request.args = std::move(args);
    request.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    return agent_->handle(request);
  }

  std::string hostsText() const { return util::readFile(root_ / "etc/hosts"); }

  testing::TempDir root_;
  node::NodeCore core_;
  std::unique_ptr<NamingAgent> agent_;
};

TEST_F(NamingAgentTest, SetNameRecordsTheNameWritesTheHostnameFileAndTellsTheNode) {
  Reply reply =
      call("set_name",
           {{"name", "db-master"}, {"fqdn", "db-master.example.internal"}, {"aliases", {"mongo"}}});
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_EQ(reply.data["name"], "db-master");
  EXPECT_EQ(reply.data["fqdn"], "db-master.example.internal");
  EXPECT_EQ(reply.data["aliases"], Json::array({"mongo"}));
  EXPECT_EQ(reply.data["changed"], true);
  EXPECT_FALSE(reply.data["hostname"].get<std::string>().empty());
  Json state = Json::parse(util::readFile(root_ / "var/lib/drover/naming.json"));
  EXPECT_EQ(state["name"], "db-master");
  EXPECT_EQ(state["held_aliases"], Json::array({"mongo"}));
  EXPECT_EQ(util::readFile(root_ / "etc/hostname"), "db-master\n");
  EXPECT_EQ(core_.names(), (std::vector<std::string>{"db-master", "mongo"}));
  EXPECT_TRUE(core_.takeRegistrationRequest());

  Reply again =
      call("set_name",
           {{"name", "db-master"}, {"fqdn", "db-master.example.internal"}, {"aliases", {"mongo"}}});
  ASSERT_EQ(again.status.code, StatusCode::Ok) << again.status.message;
  EXPECT_EQ(again.data["changed"], false);
  EXPECT_FALSE(core_.takeRegistrationRequest());
}

TEST_F(NamingAgentTest, StatusIsTheRegistrationsNamingObject) {
  ASSERT_EQ(call("set_name", {{"name", "db-slave-2"}, {"fqdn", "db-slave-2.x"}}).status.code,
            StatusCode::Ok);
  Json status = call("status").data;
  EXPECT_EQ(status, agent_->registrationData());
  EXPECT_EQ(status["service"], "db");
  EXPECT_EQ(status["type"], "masterful");
  EXPECT_EQ(status["aliases"], Json::array({"mongo"}));
  EXPECT_EQ(status["name"], "db-slave-2");
  EXPECT_EQ(status["fqdn"], "db-slave-2.x");
  EXPECT_EQ(status["held_aliases"], Json::array());
  EXPECT_EQ(status["hosts_version"], 0);
  EXPECT_TRUE(status["hostname"].is_string());
  EXPECT_EQ(status.size(), 8u) << status;
}

TEST_F(NamingAgentTest, TheNameSurvivesARestart) {
  ASSERT_EQ(call("set_name", {{"name", "db-master"}, {"aliases", {"mongo"}}}).status.code,
            StatusCode::Ok);
  core_.setNames({});
  restart();
  EXPECT_EQ(call("status").data["name"], "db-master");
  EXPECT_EQ(core_.names(), (std::vector<std::string>{"db-master", "mongo"}));
}

TEST_F(NamingAgentTest, AnEmptyNameDropsItAndTheHostnameGoesBackToTheIdentity) {
  ASSERT_EQ(call("set_name", {{"name", "web-4"}, {"aliases", {"www"}}}).status.code,
            StatusCode::Ok);
  ASSERT_TRUE(core_.takeRegistrationRequest());
  Reply dropped = call("set_name", {{"name", ""}});
  ASSERT_EQ(dropped.status.code, StatusCode::Ok) << dropped.status.message;
  EXPECT_EQ(dropped.data["changed"], true);
  EXPECT_EQ(util::readFile(root_ / "etc/hostname"), "i-0abc\n");
  EXPECT_TRUE(core_.names().empty());
  EXPECT_TRUE(core_.takeRegistrationRequest());
  EXPECT_EQ(call("status").data["name"], "");
}

TEST_F(NamingAgentTest, NamesThatAreNoHostNamesAreRefusedNamingTheInput) {
  auto refusal = [this](Json args) {
    Reply reply = call("set_name", std::move(args));
    EXPECT_EQ(reply.status.code, StatusCode::InvalidData) << reply.status.message;
    return reply.status.message;
  };
  EXPECT_NE(refusal({{"name", "Web_1"}}).find("name: host name 'Web_1' has upper case 'W'"),
            std::string::npos);
  EXPECT_NE(refusal({{"name", "web-1"}, {"fqdn", "web-1..x"}})
                .find("fqdn: host name 'web-1..x' has an empty label"),
            std::string::npos);
  EXPECT_NE(refusal({{"name", "web-1"}, {"aliases", {"ok", "bad alias"}}})
                .find("aliases[1]: host name 'bad alias' has"),
            std::string::npos);
  EXPECT_NE(
      refusal({{"name", std::string(30, 'a') + "." + std::string(34, 'b')}}).find("longer than 64"),
      std::string::npos);
  Json many = Json::array();
  for (int i = 0; i < 17; ++i) many.push_back("a" + std::to_string(i));
  EXPECT_NE(refusal({{"name", "web-1"}, {"aliases", many}}).find("aliases: 17 aliases, at most 16"),
            std::string::npos);
  EXPECT_NE(refusal({{"name", ""}, {"fqdn", "x.y"}}).find("fqdn and aliases must be empty"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "var/lib/drover/naming.json"));
  EXPECT_FALSE(core_.takeRegistrationRequest());
}

// Aerostat renamed the host before recording the name. Here the record comes first: when
// the hostname cannot be written the name is still recorded, known to the node's
// filters and registered, and the reply says what is missing.
TEST_F(NamingAgentTest, TheRecordComesBeforeTheHostname) {
  root_.write("etc", "a file where the etc directory should be");
  Reply reply = call("set_name", {{"name", "db-master"}});
  EXPECT_EQ(reply.status.code, StatusCode::Aborted);
  EXPECT_NE(reply.status.message.find("name 'db-master' is recorded, hostname 'db-master' is not "
                                      "set"),
            std::string::npos)
      << reply.status.message;
  EXPECT_EQ(Json::parse(util::readFile(root_ / "var/lib/drover/naming.json"))["name"], "db-master");
  EXPECT_EQ(core_.names(), std::vector<std::string>{"db-master"});
  EXPECT_TRUE(core_.takeRegistrationRequest());
}

TEST_F(NamingAgentTest, UpdateHostsAddsTheBlockKeepingEveryOtherLineAndTheMode) {
  fs::create_directories(root_ / "etc");
  root_.write("etc/hosts", kHostsHead);
  fs::permissions(root_ / "etc/hosts", fs::perms(0640));
  Reply reply = call("update_hosts", hosts(3,
                                           Json::array({entry("10.0.0.5", {"db-master", "mongo"}),
                                                        entry("10.0.0.6", {"db-slave-1"})}),
                                           "example.internal"));
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_EQ(reply.data,
            (Json{{"version", 3}, {"applied", true}, {"changed", true}, {"legacy_updater", ""}}));
  EXPECT_EQ(hostsText(), std::string(kHostsHead) +
                             "# BEGIN drover names (managed: do not edit, version 3)\n"
                             "10.0.0.5 db-master.example.internal db-master mongo\n"
                             "10.0.0.6 db-slave-1.example.internal db-slave-1\n"
                             "# END drover names\n");
  EXPECT_EQ(fs::status(root_ / "etc/hosts").permissions() & fs::perms::mask, fs::perms(0640));
  EXPECT_EQ(call("status").data["hosts_version"], 3);
}

TEST_F(NamingAgentTest, AVersionNotAboveTheNodesIsNotApplied) {
  ASSERT_EQ(call("update_hosts", hosts(5, Json::array({entry("10.0.0.5", {"a"})}))).status.code,
            StatusCode::Ok);
  std::string applied = hostsText();
  for (int version : {5, 4, 0, -1}) {
    Reply reply = call("update_hosts", hosts(version, Json::array({entry("10.0.0.7", {"b"})})));
    ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
    EXPECT_EQ(reply.data["applied"], false) << version;
    EXPECT_EQ(reply.data["version"], 5) << version;
  }
  EXPECT_EQ(hostsText(), applied);
}

TEST_F(NamingAgentTest, TheHostsVersionSurvivesARestart) {
  ASSERT_EQ(call("update_hosts", hosts(7, Json::array({entry("10.0.0.5", {"a"})}))).status.code,
            StatusCode::Ok);
  restart();
  EXPECT_EQ(call("status").data["hosts_version"], 7);
  EXPECT_EQ(call("update_hosts", hosts(6, Json::array())).data["applied"], false);
  EXPECT_EQ(call("update_hosts", hosts(8, Json::array())).data["applied"], true);
}

TEST_F(NamingAgentTest, ABadEntryRefusesTheWholeUpdate) {
  fs::create_directories(root_ / "etc");
  root_.write("etc/hosts", kHostsHead);
  Json entries = Json::array(
      {entry("10.0.0.5", {"a"}), entry("10.0.0.6", {"b"}), entry("10.0.0.7", {"c", "not_a_name"})});
  Reply reply = call("update_hosts", hosts(2, entries));
  EXPECT_EQ(reply.status.code, StatusCode::InvalidData);
  EXPECT_NE(reply.status.message.find("entries[2].names[1]: host name 'not_a_name' has '_'"),
            std::string::npos)
      << reply.status.message;
  EXPECT_EQ(hostsText(), kHostsHead);
  EXPECT_EQ(call("status").data["hosts_version"], 0);
  Reply badDomain = call("update_hosts", hosts(2, Json::array(), "Example.COM"));
  EXPECT_EQ(badDomain.status.code, StatusCode::InvalidData);
  EXPECT_NE(badDomain.status.message.find("domain: host name 'Example.COM' has upper case"),
            std::string::npos);
}

TEST_F(NamingAgentTest, TwentyThousandAndOneEntriesAreRefused) {
  Json entries = Json::array();
  for (int i = 0; i <= 20000; ++i) entries.push_back(entry("10.0.0.1", {"n" + std::to_string(i)}));
  Reply reply = call("update_hosts", hosts(1, entries));
  EXPECT_EQ(reply.status.code, StatusCode::InvalidData);
  EXPECT_NE(reply.status.message.find("entries: 20001 entries, at most 20000"), std::string::npos)
      << reply.status.message;
  EXPECT_FALSE(fs::exists(root_ / "etc/hosts"));
}

TEST_F(NamingAgentTest, LegacyUpdaterOutputComesFirstInTheBlock) {
  NamingConfig config = quietConfig();
  config.legacyUpdater = {"/usr/bin/printf", "10.1.1.1 old-db\\n10.1.1.2 old-web\\n"};
  restart(config);
  Reply reply = call("update_hosts", hosts(1, Json::array({entry("10.0.0.5", {"db-master"})})));
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_EQ(reply.data["legacy_updater"], "");
  EXPECT_EQ(hostsText(),
            "# BEGIN drover names (managed: do not edit, version 1)\n"
            "10.1.1.1 old-db\n10.1.1.2 old-web\n10.0.0.5 db-master\n"
            "# END drover names\n");
}

// A failing legacy updater neither holds the update back nor empties its part: the
// output of its last good run stays first in the block.
TEST_F(NamingAgentTest, AFailingLegacyUpdaterKeepsItsLastGoodOutput) {
  NamingConfig config = quietConfig();
  config.legacyUpdater = {"/usr/bin/printf", "10.1.1.1 old-db\\n"};
  restart(config);
  ASSERT_EQ(call("update_hosts", hosts(1, Json::array())).status.code, StatusCode::Ok);
  config.legacyUpdater = {"/bin/false"};
  restart(config);
  Reply reply = call("update_hosts", hosts(2, Json::array({entry("10.0.0.5", {"db-master"})})));
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_EQ(reply.data["applied"], true);
  EXPECT_NE(reply.data["legacy_updater"].get<std::string>().find(
                "legacy updater /bin/false exited with status 1; kept its last good output"),
            std::string::npos)
      << reply.data;
  EXPECT_EQ(hostsText(),
            "# BEGIN drover names (managed: do not edit, version 2)\n"
            "10.1.1.1 old-db\n10.0.0.5 db-master\n"
            "# END drover names\n");
}

TEST_F(NamingAgentTest, LegacyOutputHoldingAMarkerLineIsNotUsed) {
  NamingConfig config = quietConfig();
  config.legacyUpdater = {"/usr/bin/printf", "10.1.1.1 x\\n# END drover names\\n"};
  restart(config);
  Reply reply = call("update_hosts", hosts(1, Json::array()));
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_NE(reply.data["legacy_updater"].get<std::string>().find("marker"), std::string::npos);
  EXPECT_EQ(hostsText(),
            "# BEGIN drover names (managed: do not edit, version 1)\n# END drover names\n");
}

}  // namespace
}  // namespace drover::agents::naming
