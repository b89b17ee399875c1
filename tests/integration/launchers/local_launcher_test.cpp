// The local launcher against real processes: two members of a deployment launched as
// droverd in namespaces of their own on a bridge, reached through a real broker bound on
// the bridge's address; then terminated, leaving no namespace, link, mount, process or
// file. Needs root (namespaces, links, mounts).
#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "launchers/launcher.hpp"
#include "launchers/local/addressing.hpp"
#include "launchers/local/member_state.hpp"
#include "tests/integration/launchers/member_host.hpp"

namespace drover::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using launchers::Instance;
using launchers::LaunchError;
using launchers::MemberLaunch;
using launchers::Volume;

constexpr std::uint64_t kTmpfsSize = 16u << 20;
constexpr std::uint64_t kImageSize = 32u << 20;

class LocalLauncherIT : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the local launcher needs root";
    net_ = TestNetwork::pick();
    deployment_ = "lt" + std::to_string(::getpid());
    ingress_ = testing::freePort();
    egress_ = testing::freePort();
    while (egress_ == ingress_) egress_ = testing::freePort();
    writeConfigs();
    launcher_ = launchers::makeLauncher(settings());
  }

  // Whatever the test did, nothing of it stays on the machine.
  void TearDown() override {
    if (!launcher_) return;
    try {
      std::vector<std::string> ids;
      for (const auto& instance : launcher_->list(deployment_)) ids.push_back(instance.id);
      launcher_->terminate(deployment_, ids);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "terminate in TearDown: " << e.what();
    }
    for (const auto& identity : identities_) {
      auto links = launchers::MemberLinks::of(net_.bridge, identity);
      if (linkExists(links.hostVeth)) ipQuietly({"link", "del", links.hostVeth});
      if (netnsExists(links.netns)) ipQuietly({"netns", "del", links.netns});
    }
    if (linkExists(net_.bridge)) ipQuietly({"link", "del", net_.bridge});
    std::error_code ec;
    fs::remove_all(scratchMount(), ec);
  }

  Json settings() const {
    return {{"type", "local"},
            {"state_dir", (dir_ / "state").string()},
            {"bridge", net_.bridge},
            {"subnet", net_.subnet},
            {"droverd", testing::binary("droverd").string()},
            {"member", DROVER_MEMBER},
            {"member_config", (dir_ / "member.yaml").string()},
            {"stop_grace", 5}};
  }

  void writeConfigs() const {
    auto endpoint = [](const std::string& host, int port) {
      return "tcp://" + host + ":" + std::to_string(port);
    };
    const std::string ddl = std::string(DROVER_SOURCE_DIR) + "/ddl";
    dir_.write("member.yaml", "broker:\n  publish: " + endpoint(net_.gateway, ingress_) +
                                  "\n  subscribe: " + endpoint(net_.gateway, egress_) +
                                  "\nddl_dirs: [" + ddl + "]\nsecurity:\n  enabled: false\n");
    dir_.write("client.yaml",
               "identity: launcher-tests\nbroker:\n  publish: " + endpoint("127.0.0.1", ingress_) +
                   "\n  subscribe: " + endpoint("127.0.0.1", egress_) + "\nddl_dirs: [" + ddl +
                   "]\nsecurity:\n  enabled: false\ndiscovery_quiet: 300\n");
  }

  // Mount points outside the test's directory, so the launcher has to make them.
  fs::path scratchMount() const {
    return "/srv/drover-launcher-test-" + std::to_string(::getpid());
  }

  MemberLaunch member(const std::string& slot) {
    MemberLaunch m;
    m.identity = deployment_ + "-db-" + slot;
    m.pool = "db";
    m.service = "db";
    m.namingType = "masterful";
    m.volumes = {Volume{kTmpfsSize, (scratchMount() / "cache").string(), "tmpfs"},
                 Volume{kImageSize, (scratchMount() / "data").string(), "image"}};
    identities_.push_back(m.identity);
    return m;
  }

  void startBroker() {
    broker_ = std::make_unique<Broker>(dir_.path(), net_.gateway, ingress_, egress_);
  }

  // On the bus: the member's pid file names it, then it answers a ping (the broker may
  // have come up after it, so the first pings can be lost while it reconnects).
  void expectAnswers(const Instance& instance) {
    const pid_t pid = instance.details["pid"].get<pid_t>();
    const fs::path pidFile =
        fs::path(instance.details["root"].get<std::string>()) / "run" / "droverd.pid";
    ASSERT_TRUE(testing::waitFor(
        [&] {
          std::ifstream in(pidFile);
          pid_t written = 0;
          return static_cast<bool>(in >> written) && written == pid;
        },
        20s))
        << "no pid file from " << instance.identity;
    bool answered = testing::waitFor(
        [&] {
          Json out =
              droverJson(dir_ / "client.yaml", {"ping", "-I", instance.identity, "--timeout", "2"});
          return out.is_object() && out["summary"]["ok"] == 1;
        },
        30s);
    EXPECT_TRUE(answered) << instance.identity << " does not answer a ping";
  }

  void expectVolumes(const Instance& instance) {
    const pid_t pid = instance.details["pid"].get<pid_t>();
    const std::string cache = (scratchMount() / "cache").string();
    const std::string data = (scratchMount() / "data").string();
    auto tmpfs = mountAt(pid, cache);
    ASSERT_TRUE(tmpfs.has_value()) << "no mount at " << cache << " in " << instance.identity;
    EXPECT_EQ(tmpfs->type, "tmpfs");
    struct statvfs fsInfo {};
    ASSERT_EQ(::statvfs(("/proc/" + std::to_string(pid) + "/root" + cache).c_str(), &fsInfo), 0);
    EXPECT_EQ(static_cast<std::uint64_t>(fsInfo.f_blocks) * fsInfo.f_frsize, kTmpfsSize);
    auto image = mountAt(pid, data);
    ASSERT_TRUE(image.has_value()) << "no mount at " << data << " in " << instance.identity;
    EXPECT_EQ(image->type, "ext4");
    EXPECT_EQ(image->source.rfind("/dev/loop", 0), 0u) << image->source;
    // Inside its mount namespace only.
    EXPECT_FALSE(mountAt(0, cache).has_value());
    EXPECT_FALSE(mountAt(0, data).has_value());
  }

  // Not the launcher's child nor in its session: stopping the provisioner leaves it.
  void expectDetached(const Instance& instance) {
    const pid_t pid = instance.details["pid"].get<pid_t>();
    EXPECT_NE(::getsid(pid), ::getsid(0));
    std::string stat = util::readFile("/proc/" + std::to_string(pid) + "/stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string state;
    pid_t parent = 0;
    fields >> state >> parent;
    EXPECT_NE(parent, ::getpid());
  }

  // Its /etc and /root are its own; the machine's /etc shows through links, but not the
  // machine's SSH host keys.
  void expectOwnEtc(const Instance& instance) {
    const fs::path inside =
        "/proc/" + std::to_string(instance.details["pid"].get<pid_t>()) + "/root";
    const fs::path root = instance.details["root"].get<std::string>();
    EXPECT_EQ(util::readFile(inside / "etc" / "hostname"), instance.identity + "\n");
    EXPECT_NE(util::readFile(inside / "etc" / "hosts")
                  .find(instance.details["address"].get<std::string>() + "\t" + instance.identity),
              std::string::npos);
    EXPECT_TRUE(fs::exists(inside / "etc" / "drover" / "server.yaml"));
    EXPECT_EQ(fs::read_symlink(inside / "etc" / "passwd"), root / ".host-etc" / "passwd");
    if (fs::exists("/etc/ssh/sshd_config")) {
      EXPECT_EQ(fs::read_symlink(inside / "etc" / "ssh" / "sshd_config"),
                root / ".host-etc" / "ssh" / "sshd_config");
    }
    EXPECT_FALSE(fs::exists(fs::symlink_status(inside / "etc" / "ssh" / "ssh_host_ed25519_key")));
    // The machine's /etc shows through read-only: nothing the member writes changes it.
    auto hostEtc = mountAt(instance.details["pid"].get<pid_t>(), (root / ".host-etc").string());
    ASSERT_TRUE(hostEtc.has_value());
    EXPECT_EQ(hostEtc->options.rfind("ro,", 0), 0u) << hostEtc->options;
    util::writeFileAtomically(root / "root" / "marker", instance.identity);
    EXPECT_EQ(util::readFile(inside / "root" / "marker"), instance.identity);
  }

  // No loop device is left holding an image file of the test's state directory.
  bool loopDevicesReleased() const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/sys/block", ec)) {
      const fs::path backing = entry.path() / "loop" / "backing_file";
      if (!fs::exists(backing)) continue;
      std::string file = util::readFile(backing);
      if (file.find((dir_ / "state").string()) != std::string::npos) return false;
    }
    return true;
  }

  void expectGone(const Instance& instance) {
    auto links = launchers::MemberLinks::of(net_.bridge, instance.identity);
    EXPECT_FALSE(netnsExists(links.netns)) << links.netns;
    EXPECT_FALSE(linkExists(links.hostVeth)) << links.hostVeth;
    EXPECT_FALSE(launchers::processStartTime(instance.details["pid"].get<pid_t>()).has_value())
        << instance.identity << " still runs";
    EXPECT_FALSE(fs::exists(fs::path(instance.details["root"].get<std::string>()).parent_path()));
    for (const auto& mount : mountsOf(0)) {
      EXPECT_EQ(mount.point.find(scratchMount().string()), std::string::npos) << mount.point;
    }
  }

  testing::TempDir dir_;
  TestNetwork net_;
  std::string deployment_;
  int ingress_ = 0, egress_ = 0;
  std::unique_ptr<launchers::Launcher> launcher_;
  std::unique_ptr<Broker> broker_;
  std::vector<std::string> identities_;
};

TEST_F(LocalLauncherIT, TwoMembersRunInTheirOwnNamespacesAndLeaveNothingBehind) {
  std::vector<Instance> launched = launcher_->launch(deployment_, {member("0"), member("1")});
  ASSERT_EQ(launched.size(), 2u);
  startBroker();
  const fs::path client = dir_ / "client.yaml";
  std::set<std::string> addresses;
  for (const auto& instance : launched) {
    SCOPED_TRACE(instance.identity);
    EXPECT_EQ(instance.state, "running");
    expectAnswers(instance);
    const std::string address = instance.details["address"];
    addresses.insert(address);
    EXPECT_TRUE(launchers::Subnet::parse(net_.subnet).contains(address)) << address;
    EXPECT_NE(address, net_.gateway);
    EXPECT_EQ(factOf(client, instance.identity, "ipaddress"), address);
    EXPECT_EQ(factOf(client, instance.identity, "hostname"), instance.identity);
    expectVolumes(instance);
    expectOwnEtc(instance);
    expectDetached(instance);
  }
  EXPECT_EQ(addresses.size(), 2u) << "two members share an address";

  // A launcher started again (a restarted provisioner) finds both from their state.
  auto again = launchers::makeLauncher(settings());
  std::vector<Instance> listed = again->list(deployment_);
  ASSERT_EQ(listed.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(listed[i].state, "running");
    EXPECT_EQ(listed[i].details["pid"], launched[i].details["pid"]);
  }

  EXPECT_FALSE(loopDevicesReleased()) << "the image volumes are not loop-mounted";
  again->terminate(deployment_, {launched[0].id});
  expectGone(launched[0]);
  EXPECT_TRUE(linkExists(net_.bridge)) << "the bridge went while a member still uses it";
  ASSERT_EQ(again->list(deployment_).size(), 1u);

  // The address given back is the lowest free one again.
  std::vector<Instance> third = again->launch(deployment_, {member("2")});
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].details["address"], launched[0].details["address"]);

  // A member whose droverd died is listed as stopped, and is still cleaned up.
  ASSERT_EQ(::kill(third[0].details["pid"].get<pid_t>(), SIGKILL), 0);
  auto stateOfThird = [&] {
    for (const auto& instance : again->list(deployment_)) {
      if (instance.identity == third[0].identity) return instance.state;
    }
    return std::string("absent");
  };
  EXPECT_TRUE(testing::waitFor([&] { return stateOfThird() == "stopped"; }, 10s));

  again->terminate(deployment_, {launched[1].id, third[0].id});
  expectGone(launched[1]);
  expectGone(third[0]);
  EXPECT_FALSE(linkExists(net_.bridge)) << "the bridge outlived its last member";
  EXPECT_FALSE(fs::exists(scratchMount())) << "mount points made for the volumes are left";
  // The loop devices go with the last user of the image mounts (the member's mount
  // namespace), which the kernel releases as the member's processes end.
  EXPECT_TRUE(testing::waitFor([&] { return loopDevicesReleased(); }, 10s));
  EXPECT_TRUE(again->list(deployment_).empty());
}

TEST_F(LocalLauncherIT, AVolumeThatCannotBeMadeIsUndoneAndNamesTheStep) {
  MemberLaunch bad = member("0");
  bad.volumes = {Volume{kTmpfsSize, (scratchMount() / "cache").string(), "tmpfs"},
                 Volume{4096, (scratchMount() / "tiny").string(), "image"}};  // too small for ext4
  try {
    launcher_->launch(deployment_, {bad});
    FAIL() << "a member whose image volume cannot be formatted was launched";
  } catch (const LaunchError& e) {
    EXPECT_NE(std::string(e.what()).find("launch " + bad.identity + ": make volumes: mkfs.ext4"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "state" / deployment_ / bad.identity));
  EXPECT_FALSE(fs::exists(scratchMount())) << "the mount points made for it are left";
  EXPECT_FALSE(linkExists(net_.bridge));
  EXPECT_TRUE(launcher_->list(deployment_).empty());
}

// Members of one launch start side by side: one that cannot start is undone and named,
// the others run.
TEST_F(LocalLauncherIT, AMemberThatCannotStartIsUndoneAndNamesTheStep) {
  MemberLaunch bad = member("0");
  const fs::path notADirectory = dir_.write("plain-file", "a file, not a mount point\n");
  bad.volumes = {Volume{kTmpfsSize, notADirectory.string(), "tmpfs"}};
  MemberLaunch good = member("1");
  try {
    launcher_->launch(deployment_, {bad, good});
    FAIL() << "a member whose volume cannot be mounted was launched";
  } catch (const LaunchError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("launch " + bad.identity + ": start droverd"), std::string::npos) << what;
    EXPECT_NE(what.find(notADirectory.string()), std::string::npos) << what;
    EXPECT_EQ(what.find(good.identity), std::string::npos) << what;
  }
  auto links = launchers::MemberLinks::of(net_.bridge, bad.identity);
  EXPECT_FALSE(netnsExists(links.netns));
  EXPECT_FALSE(linkExists(links.hostVeth));
  EXPECT_FALSE(fs::exists(dir_ / "state" / deployment_ / bad.identity));
  std::vector<Instance> running = launcher_->list(deployment_);
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].identity, good.identity);
  EXPECT_EQ(running[0].state, "running");
  launcher_->terminate(deployment_, {running[0].id});
  expectGone(running[0]);
  EXPECT_FALSE(linkExists(net_.bridge));
}

}  // namespace
}  // namespace drover::integration
