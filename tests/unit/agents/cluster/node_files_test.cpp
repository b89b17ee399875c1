// cluster#set_facts and cluster#write_file: whole files replaced atomically under the
// node's root, versions kept across a restart, paths that cannot leave the root.
#include <sys/stat.h>

#include "core/util/files.hpp"
#include "tests/unit/agents/cluster/cluster_fixture.hpp"

namespace drover::agents::cluster {
namespace {

namespace fs = std::filesystem;

struct stat statOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

const Json kFacts = {{"db-master", {{"address", "10.213.0.2"}, {"pool", "db"}}},
                     {"app-0", {{"address", "10.213.0.3"}, {"pool", "app"}}}};

using SetFacts = ClusterTest;

TEST_F(SetFacts, ReplacesTheFactsFileWithTheObjectAsItIs) {
  Json reply = ok("set_facts", {{"deployment", "shop"}, {"version", 1}, {"facts", kFacts}});
  EXPECT_EQ(reply, Json({{"version", 1}, {"applied", true}, {"changed", true}}));
  fs::path file = root() / "etc/drover/cluster_facts.json";
  EXPECT_EQ(Json::parse(util::readFile(file)), kFacts);
  EXPECT_EQ(statOf(file).st_mode & 0777, 0644u);

  Json fewer = {{"db-master", kFacts["db-master"]}};
  ok("set_facts", {{"deployment", "shop"}, {"version", 2}, {"facts", fewer}});
  EXPECT_EQ(Json::parse(util::readFile(file)), fewer);  // replaced, never appended
  Json same = ok("set_facts", {{"deployment", "shop"}, {"version", 3}, {"facts", fewer}});
  EXPECT_EQ(same["changed"], false);
  EXPECT_EQ(agent_->registrationData()["facts_version"], 3);
}

TEST_F(SetFacts, AVersionNotAboveTheNodesIsNotAppliedEvenAfterARestart) {
  ok("set_facts", {{"deployment", "shop"}, {"version", 7}, {"facts", kFacts}});
  restart();
  Json stale = ok("set_facts", {{"deployment", "shop"}, {"version", 6}, {"facts", Json::object()}});
  EXPECT_EQ(stale, Json({{"version", 7}, {"applied", false}, {"changed", false}}));
  EXPECT_EQ(Json::parse(util::readFile(root() / "etc/drover/cluster_facts.json")), kFacts);
}

TEST_F(SetFacts, RefusesABadDeploymentNameAndFactsThatAreNotAnObject) {
  EXPECT_NE(refused("set_facts", {{"deployment", "Shop!"}, {"version", 1}, {"facts", kFacts}})
                .find("deployment: "),
            std::string::npos);
  EXPECT_NE(refused("set_facts", {{"deployment", "shop"}, {"version", 1}, {"facts", {1, 2}}})
                .find("facts: expected an object, got array"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(root() / "etc/drover/cluster_facts.json"));
}

using WriteFile = ClusterTest;

TEST_F(WriteFile, WritesUnderTheRootWithOwnerGroupAndModeAndSaysWhenNothingChanged) {
  Json args = {{"path", "/etc/app/app.conf"},
               {"content", "db_host = 10.213.0.2\n"},
               {"owner", "1"},
               {"group", "root"},
               {"mode", "0640"}};
  EXPECT_EQ(ok("write_file", args), Json({{"path", "/etc/app/app.conf"}, {"changed", true}}));
  fs::path file = root() / "etc/app/app.conf";
  EXPECT_EQ(util::readFile(file), "db_host = 10.213.0.2\n");
  struct stat st = statOf(file);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, 1u);
  EXPECT_EQ(st.st_gid, 0u);
  EXPECT_EQ(ok("write_file", args)["changed"], false);
  args["mode"] = "600";
  EXPECT_EQ(ok("write_file", args)["changed"], true);
  EXPECT_EQ(statOf(file).st_mode & 07777, 0600u);
}

TEST_F(WriteFile, RefusesPathsThatAreNotPlainAbsolutePathsAndBadModesOrOwners) {
  Json base = {{"content", "x"}};
  auto with = [&](Json extra) {
    Json args = base;
    args.update(extra);
    return refused("write_file", args);
  };
  EXPECT_NE(with({{"path", "etc/app.conf"}}).find("path: 'etc/app.conf' is not an absolute path"),
            std::string::npos);
  EXPECT_NE(with({{"path", "/etc/../../x"}}).find("component '..'"), std::string::npos);
  EXPECT_NE(with({{"path", "/etc/app/"}}).find("is not an absolute path of a file"),
            std::string::npos);
  EXPECT_NE(with({{"path", "/etc/a"}, {"mode", "0999"}}).find("mode: '0999' is not an octal mode"),
            std::string::npos);
  EXPECT_NE(with({{"path", "/etc/a"}, {"mode", "4755"}}).find("mode: "), std::string::npos);
  EXPECT_NE(with({{"path", "/etc/a"}, {"owner", "no-such-user-here"}})
                .find("owner: no user 'no-such-user-here'"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(root() / "etc/a"));
}

TEST_F(WriteFile, ASymbolicLinkOnTheWayCannotLeadTheWriteOutOfTheRoot) {
  testing::TempDir outside;
  fs::create_directories(root() / "etc");
  fs::create_directory_symlink(outside.path(), root() / "etc/app");
  std::string why = refused("write_file", {{"path", "/etc/app/app.conf"}, {"content", "x"}});
  EXPECT_NE(why.find("leads out of the node's root"), std::string::npos) << why;
  EXPECT_FALSE(fs::exists(outside / "app.conf"));
}

}  // namespace
}  // namespace drover::agents::cluster
