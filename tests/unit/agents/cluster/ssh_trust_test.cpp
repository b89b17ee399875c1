// cluster#ssh_keys and cluster#set_trust with the real ssh-keygen: keys made once under
// the node's root, the deployment's blocks of authorized_keys and ssh_known_hosts
// written beside the administrator's lines, found by ssh-keygen -F.
#include <sys/stat.h>

#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"
#include "tests/unit/agents/cluster/cluster_fixture.hpp"

namespace drover::agents::cluster {
namespace {

namespace fs = std::filesystem;
using envelope::StatusCode;

// A fresh ed25519 public key ("ssh-ed25519 BASE64 COMMENT").
std::string newPublicKey(const std::string& comment) {
  testing::TempDir dir;
  auto made = util::runProcess(
      {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", (dir / "key").string()},
      "", std::chrono::seconds(60));
  EXPECT_EQ(made.exitCode, 0) << made.err;
  std::string key = util::readFile(dir / "key.pub");
  return key.substr(0, key.find('\n'));
}

std::string withoutComment(const std::string& key) {
  return key.substr(0, key.find(' ', key.find(' ') + 1));
}

unsigned modeOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string block(std::int64_t version, const std::string& lines) {
  return "# BEGIN drover deployment (managed: do not edit, version " + std::to_string(version) +
         ")\n" + lines + "# END drover deployment\n";
}

using SshKeys = ClusterTest;

TEST_F(SshKeys, MakesRootAndHostKeysOnceAndAnswersOnlyTheirPublicHalves) {
  Json first = ok("ssh_keys");
  fs::path rootKey = root() / "root/.ssh/id_ed25519";
  fs::path hostKey = root() / "etc/ssh/ssh_host_ed25519_key";
  ASSERT_TRUE(fs::exists(rootKey));
  ASSERT_TRUE(fs::exists(hostKey));
  EXPECT_EQ(modeOf(rootKey), 0600u);
  EXPECT_EQ(modeOf(rootKey.parent_path()), 0700u);
  EXPECT_EQ(first["root_public_key"],
            util::readFile(rootKey.string() + ".pub")
                .substr(0, first["root_public_key"].get<std::string>().size()));
  EXPECT_EQ(first["host_keys"],
            Json::array({withoutComment(util::readFile(hostKey.string() + ".pub"))}));
  EXPECT_EQ(first.dump().find("PRIVATE"), std::string::npos);

  Json again = ok("ssh_keys");
  EXPECT_EQ(again, first);  // not made again
}

TEST_F(SshKeys, AMissingPublicHalfIsDerivedFromThePrivateKey) {
  Json first = ok("ssh_keys");
  fs::remove(root() / "root/.ssh/id_ed25519.pub");
  EXPECT_EQ(withoutComment(ok("ssh_keys")["root_public_key"]),
            withoutComment(first["root_public_key"]));
}

using SetTrust = ClusterTest;

TEST_F(SetTrust, WritesTheBlocksKeepsEveryOtherLineAndNeverDuplicatesOnRerun) {
  const std::string admin = newPublicKey("admin@desk");
  const std::string a = newPublicKey("root@db-master"), b = newPublicKey("root@app-0");
  fs::create_directories(root() / "root/.ssh");
  root_.write("root/.ssh/authorized_keys", "# mine\n" + admin + "\n");
  fs::create_directories(root() / "etc/ssh");
  root_.write("etc/ssh/ssh_known_hosts", "stranger.example " + withoutComment(admin));

  Json keys = {a, b, withoutComment(a) + " same key, other comment"};
  Json hosts = Json::array({{{"names", {"db-master", "10.213.0.2"}}, {"key", withoutComment(a)}}});
  Json first = ok("set_trust", {{"version", 1}, {"authorized_keys", keys}, {"known_hosts", hosts}});
  EXPECT_EQ(first, Json({{"version", 1}, {"applied", true}, {"changed", true}}));
  EXPECT_EQ(util::readFile(root() / "root/.ssh/authorized_keys"),
            "# mine\n" + admin + "\n" + block(1, a + "\n" + b + "\n"));
  EXPECT_EQ(util::readFile(root() / "etc/ssh/ssh_known_hosts"),
            "stranger.example " + withoutComment(admin) + "\n" +
                block(1, "db-master,10.213.0.2 " + withoutComment(a) + "\n"));

  ok("set_trust", {{"version", 2}, {"authorized_keys", keys}, {"known_hosts", hosts}});
  EXPECT_EQ(util::readFile(root() / "root/.ssh/authorized_keys"),
            "# mine\n" + admin + "\n" + block(2, a + "\n" + b + "\n"));
  EXPECT_EQ(modeOf(root() / "root/.ssh/authorized_keys"), 0644u);  // its own mode, kept
}

TEST_F(SetTrust, AVersionNotAboveTheNodesIsNotAppliedEvenAfterARestart) {
  const std::string a = newPublicKey("root@db-master");
  ok("set_trust", {{"version", 5}, {"authorized_keys", {a}}});
  restart();
  EXPECT_EQ(agent_->registrationData()["trust_version"], 5);
  Json stale = ok("set_trust", {{"version", 5}, {"authorized_keys", Json::array()}});
  EXPECT_EQ(stale, Json({{"version", 5}, {"applied", false}, {"changed", false}}));
  EXPECT_EQ(util::readFile(root() / "root/.ssh/authorized_keys"), block(5, a + "\n"));
  EXPECT_EQ(modeOf(root() / "root/.ssh/authorized_keys"), 0600u);
  EXPECT_EQ(modeOf(root() / "etc/ssh/ssh_known_hosts"), 0644u);
}

TEST_F(SetTrust, TheKnownHostsBlockLetsSshKeygenFindTheHostKeyByName) {
  Json keys = ok("ssh_keys");
  std::string hostKey = keys["host_keys"][0];
  ok("set_trust",
     {{"version", 1},
      {"known_hosts", {{{"names", {"db-master", "db-master.shop"}}, {"key", hostKey}}}}});
  std::string file = (root() / "etc/ssh/ssh_known_hosts").string();
  auto found =
      util::runProcess({"ssh-keygen", "-F", "db-master", "-f", file}, "", std::chrono::seconds(30));
  EXPECT_EQ(found.exitCode, 0) << found.out << found.err;
  EXPECT_NE(found.out.find(hostKey), std::string::npos) << found.out;
  auto stranger =
      util::runProcess({"ssh-keygen", "-F", "app-9", "-f", file}, "", std::chrono::seconds(30));
  EXPECT_EQ(stranger.exitCode, 1) << stranger.out;
}

TEST_F(SetTrust, RefusesWhatIsNotAPlainPublicKeyOrAHostNameNamingTheItem) {
  const std::string a = newPublicKey("root@db-master");
  EXPECT_NE(refused("set_trust", {{"version", 1}, {"authorized_keys", {"command=\"sh\" " + a}}})
                .find("authorized_keys[0]: "),
            std::string::npos);
  EXPECT_NE(refused("set_trust", {{"version", 1}, {"authorized_keys", {a, a + "\nssh-rsa AAAA"}}})
                .find("authorized_keys[1]: holds a control character"),
            std::string::npos);
  EXPECT_NE(refused("set_trust", {{"version", 1}, {"authorized_keys", {"ssh-ed25519 AAAAnotakey"}}})
                .find("authorized_keys[0]: the key data is not base64 of a ssh-ed25519 key"),
            std::string::npos);
  EXPECT_NE(refused("set_trust",
                    {{"version", 1}, {"known_hosts", {{{"names", {"db master"}}, {"key", a}}}}})
                .find("known_hosts[0].names[0]"),
            std::string::npos);
  EXPECT_NE(refused("set_trust", {{"version", 0}}).find("version: 0 is not between 1"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(root() / "root/.ssh/authorized_keys"));
  EXPECT_EQ(agent_->registrationData()["trust_version"], 0);
}

TEST_F(SetTrust, ABlockOpenedAndNeverClosedIsLeftForAnAdministrator) {
  fs::create_directories(root() / "root/.ssh");
  root_.write("root/.ssh/authorized_keys", "# BEGIN drover deployment (managed)\nkey\n");
  Reply reply = call("set_trust", {{"version", 1}});
  EXPECT_EQ(reply.status.code, StatusCode::Aborted);
  EXPECT_NE(reply.status.message.find("authorized_keys: line 1 opens the deployment block"),
            std::string::npos)
      << reply.status.message;
}

}  // namespace
}  // namespace drover::agents::cluster
