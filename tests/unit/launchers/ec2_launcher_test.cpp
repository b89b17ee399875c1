// scripts/launchers/ec2-launcher in dry-run (DROVER_EC2_DRY_RUN=1): the aws commands it
// would run and the cloud-init user data it would hand to each instance.
#include <yaml-cpp/yaml.h>

#include <sstream>

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"
#include "launchers/launcher.hpp"
#include "testing/process.hpp"

namespace drover::launchers {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kScript = fs::path(DROVER_SOURCE_DIR) / "scripts" / "launchers" / "ec2-launcher";
const std::string kToken = "token: 0123456789abcdef0123456789abcdef\n";

class Ec2LauncherTest : public ::testing::Test {
 protected:
  util::SubprocessResult run(const Json& request) const {
    util::SubprocessOptions options;
    options.environment = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "DROVER_EC2_DRY_RUN=1"};
    return util::runProcess({kScript.string(), "--region", "eu-west-1"}, request.dump(), 60s,
                            options);
  }
  Json reply(const Json& request) const {
    auto result = run(request);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    return Json::parse(result.out);
  }
  Json member(const std::string& identity) const {
    Json settings = {{"image", "ami-0abc"},
                     {"instance_type", "t3.small"},
                     {"subnet", "subnet-1"},
                     {"security_groups", {"sg-1", "sg-2"}},
                     {"key_name", "ops"},
                     {"region", "eu-west-1"},
                     {"broker_publish", "tcp://10.0.0.10:7301"},
                     {"broker_subscribe", "tcp://10.0.0.10:7302"},
                     {"ca_file", (dir_ / "ca.pem").string()},
                     {"token_file", (dir_ / "token").string()}};
    MemberLaunch launch{
        identity,
        "db",
        "db",
        "masterful",
        settings,
        {Volume{64u << 20, "/srv/cache", "tmpfs"}, Volume{(10ull << 30) + 1, "/srv/db", "image"},
         Volume{1u << 30, "/srv/log", "image"}}};
    return toJson(launch);
  }
  Json launchRequest() const {
    return {{"op", "launch"}, {"deployment", "shop"}, {"members", {member("shop-db-0")}}};
  }
  static std::vector<std::string> argvOf(const Json& reply, std::size_t i) {
    return reply["commands"][i].get<std::vector<std::string>>();
  }
  static std::string after(const std::vector<std::string>& argv, const std::string& flag) {
    auto it = std::find(argv.begin(), argv.end(), flag);
    return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
  }

  void SetUp() override {
    dir_.write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    dir_.write("token", kToken);
  }

  testing::TempDir dir_;
};

TEST_F(Ec2LauncherTest, LaunchRunsOneRunInstancesPerMember) {
  Json out = reply(launchRequest());
  ASSERT_EQ(out["commands"].size(), 1u);
  auto argv = argvOf(out, 0);
  EXPECT_EQ(std::vector<std::string>(argv.begin(), argv.begin() + 3),
            (std::vector<std::string>{"aws", "ec2", "run-instances"}));
  EXPECT_EQ(after(argv, "--image-id"), "ami-0abc");
  EXPECT_EQ(after(argv, "--instance-type"), "t3.small");
  EXPECT_EQ(after(argv, "--subnet-id"), "subnet-1");
  EXPECT_EQ(after(argv, "--key-name"), "ops");
  EXPECT_EQ(after(argv, "--region"), "eu-west-1");
  EXPECT_EQ(after(argv, "--security-group-ids"), "sg-1");
  EXPECT_EQ(after(argv, "sg-1"), "sg-2");
  // The token is in the user data, which goes by file: never on the command line.
  EXPECT_EQ(after(argv, "--user-data").rfind("file://", 0), 0u);
  for (const auto& arg : argv) EXPECT_EQ(arg.find("0123456789abcdef"), std::string::npos) << arg;
  EXPECT_EQ(out["instances"][0]["identity"], "shop-db-0");
  EXPECT_EQ(out["instances"][0]["state"], "running");
}

TEST_F(Ec2LauncherTest, TagsNameTheDeploymentAndTheIdentity) {
  Json tags = Json::parse(after(argvOf(reply(launchRequest()), 0), "--tag-specifications"));
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0]["ResourceType"], "instance");
  Json byKey = Json::object();
  for (const auto& tag : tags[0]["Tags"]) byKey[tag["Key"].get<std::string>()] = tag["Value"];
  EXPECT_EQ(byKey["drover:deployment"], "shop");
  EXPECT_EQ(byKey["drover:identity"], "shop-db-0");
}

TEST_F(Ec2LauncherTest, ImageVolumesBecomeEbsVolumesRoundedUpToGiB) {
  Json mappings = Json::parse(after(argvOf(reply(launchRequest()), 0), "--block-device-mappings"));
  ASSERT_EQ(mappings.size(), 2u);  // the tmpfs volume needs no device
  EXPECT_EQ(mappings[0]["DeviceName"], "/dev/sdf");
  EXPECT_EQ(mappings[0]["Ebs"]["VolumeSize"], 11);
  EXPECT_EQ(mappings[0]["Ebs"]["DeleteOnTermination"], true);
  EXPECT_EQ(mappings[1]["DeviceName"], "/dev/sdg");
  EXPECT_EQ(mappings[1]["Ebs"]["VolumeSize"], 1);
}

TEST_F(Ec2LauncherTest, UserDataWritesTheConfigCaAndTokenAndEnablesDroverd) {
  std::string text = reply(launchRequest())["user_data"]["shop-db-0"];
  ASSERT_EQ(text.rfind("#cloud-config\n", 0), 0u);
  YAML::Node data = YAML::Load(text);
  std::map<std::string, YAML::Node> files;
  for (const auto& file : data["write_files"]) {
    files[file["path"].as<std::string>()] = YAML::Node(file);
  }
  ASSERT_EQ(files.size(), 3u);
  YAML::Node server = YAML::Load(files["/etc/drover/server.yaml"]["content"].as<std::string>());
  EXPECT_EQ(server["identity"].as<std::string>(), "shop-db-0");
  EXPECT_EQ(server["broker"]["publish"].as<std::string>(), "tcp://10.0.0.10:7301");
  EXPECT_EQ(server["broker"]["subscribe"].as<std::string>(), "tcp://10.0.0.10:7302");
  EXPECT_EQ(server["naming"]["service"].as<std::string>(), "db");
  EXPECT_EQ(server["naming"]["type"].as<std::string>(), "masterful");
  EXPECT_EQ(server["security"]["provisioning_token_file"].as<std::string>(),
            "/etc/drover/provisioning.token");
  EXPECT_EQ(files["/etc/drover/ssl/ca.pem"]["content"].as<std::string>(),
            util::readFile(dir_ / "ca.pem"));
  EXPECT_EQ(files["/etc/drover/provisioning.token"]["content"].as<std::string>(), kToken);
  EXPECT_EQ(files["/etc/drover/provisioning.token"]["permissions"].as<std::string>(), "0600");
  EXPECT_EQ(data["runcmd"][0].as<std::vector<std::string>>(),
            (std::vector<std::string>{"systemctl", "enable", "--now", "--no-block", "droverd"}));
  EXPECT_EQ(data["mounts"].size(), 3u);
  EXPECT_EQ(data["fs_setup"].size(), 2u);
}

TEST_F(Ec2LauncherTest, UserDataPassesCloudInitsSchema) {
  if (!fs::exists("/usr/bin/cloud-init")) GTEST_SKIP() << "cloud-init is not installed";
  fs::path file = dir_.write("user-data", reply(launchRequest())["user_data"]["shop-db-0"]);
  auto result =
      util::runProcess({"/usr/bin/cloud-init", "schema", "--config-file", file.string()}, "", 120s);
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
}

TEST_F(Ec2LauncherTest, TerminateAndListFindInstancesByTheDeploymentTag) {
  Json out = reply({{"op", "terminate"}, {"deployment", "shop"}, {"ids", {"i-1", "i-2"}}});
  EXPECT_EQ(out["terminated"], Json({"i-1", "i-2"}));
  ASSERT_EQ(out["commands"].size(), 2u);
  auto describe = argvOf(out, 0);
  EXPECT_EQ(describe[2], "describe-instances");
  EXPECT_NE(std::find(describe.begin(), describe.end(), "Name=tag:drover:deployment,Values=shop"),
            describe.end());
  auto terminate = argvOf(out, 1);
  EXPECT_EQ(terminate[2], "terminate-instances");
  EXPECT_EQ(after(terminate, "--instance-ids"), "i-1");
  EXPECT_EQ(after(terminate, "--region"), "eu-west-1");
  Json listed = reply({{"op", "list"}, {"deployment", "shop"}});
  EXPECT_EQ(listed["instances"], Json::array());
  EXPECT_EQ(argvOf(listed, 0)[2], "describe-instances");
}

TEST_F(Ec2LauncherTest, BadRequestsAreRefusedNamingWhatIsWrong) {
  Json noImage = launchRequest();
  noImage["members"][0]["settings"].erase("image");
  Json unknown = launchRequest();
  unknown["members"][0]["settings"]["flavour"] = "m1";
  Json noToken = launchRequest();
  noToken["members"][0]["settings"]["token_file"] = "/nonexistent/token";
  const std::vector<std::pair<Json, std::string>> cases = {
      {noImage, "members[0]: settings.image must be a non-empty string"},
      {unknown, "unknown settings: flavour"},
      {noToken, "settings.token_file: cannot read /nonexistent/token"},
      {{{"op", "reboot"}, {"deployment", "shop"}}, "op 'reboot'"},
      {{{"op", "list"}}, "deployment must be"}};
  for (const auto& [request, message] : cases) {
    auto result = run(request);
    EXPECT_EQ(result.exitCode, 2) << request.dump();
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
  }
}

}  // namespace
}  // namespace drover::launchers

namespace drover::launchers {
namespace {

// The aws CLI cannot reach a cloud here: a stand-in `aws` first in PATH records each
// command line, answers as EC2 would, and refuses to launch shop-db-1.
constexpr const char* kFakeAws = R"(#!/bin/sh
dir=$(dirname "$0")
echo "$*" >> "$dir/aws.log"
case "$2" in
  run-instances)
    for arg in "$@"; do
      case "$arg" in file://*) stat -c %a "${arg#file://}" >> "$dir/modes" ;; esac
    done
    case "$*" in *shop-db-1*) echo "InsufficientInstanceCapacity" >&2; exit 254 ;; esac
    n=$(wc -l < "$dir/aws.log")
    echo "{\"Instances\":[{\"InstanceId\":\"i-$n\",\"PrivateIpAddress\":\"10.0.0.$n\",\"State\":{\"Name\":\"pending\"}}]}" ;;
  describe-instances)
    echo '{"Reservations":[{"Instances":[{"InstanceId":"i-7","PrivateIpAddress":"10.0.0.7","State":{"Name":"running"},"Tags":[{"Key":"drover:identity","Value":"shop-db-0"}]}]}]}' ;;
  terminate-instances) echo '{}' ;;
esac
)";

class Ec2LauncherAwsTest : public Ec2LauncherTest {
 protected:
  void SetUp() override {
    Ec2LauncherTest::SetUp();
    fs::permissions(dir_.write("aws", kFakeAws), fs::perms::owner_all);
  }
  util::SubprocessResult runWithAws(const Json& request) const {
    util::SubprocessOptions options;
    options.environment = {"PATH=" + dir_.path().string() + ":/usr/bin:/bin", "LANG=C.UTF-8"};
    return util::runProcess({kScript.string(), "--region", "eu-west-1"}, request.dump(), 60s,
                            options);
  }
  std::vector<std::string> awsCalls() const {
    std::vector<std::string> lines;
    std::istringstream in(util::readFile(dir_ / "aws.log"));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
};

TEST_F(Ec2LauncherAwsTest, LaunchHandsTheUserDataOverInAPrivateFile) {
  auto result = runWithAws(launchRequest());
  ASSERT_EQ(result.exitCode, 0) << result.err;
  Json out = Json::parse(result.out);
  EXPECT_EQ(out["instances"][0]["id"], "i-1");
  EXPECT_EQ(out["instances"][0]["identity"], "shop-db-0");
  EXPECT_EQ(out["instances"][0]["state"], "running");  // pending counts as running
  EXPECT_EQ(out["instances"][0]["details"]["address"], "10.0.0.1");
  EXPECT_FALSE(out.contains("commands"));
  EXPECT_EQ(util::readFile(dir_ / "modes"), "600\n");
  EXPECT_EQ(util::readFile(dir_ / "aws.log").find("0123456789abcdef"), std::string::npos);
}

TEST_F(Ec2LauncherAwsTest, AFailedLaunchTerminatesTheInstancesItStarted) {
  Json request = launchRequest();
  request["members"].push_back(member("shop-db-1"));
  auto result = runWithAws(request);
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_NE(result.err.find("InsufficientInstanceCapacity"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("terminated i-1 started before it"), std::string::npos) << result.err;
  auto calls = awsCalls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2].rfind("ec2 terminate-instances --region eu-west-1 --instance-ids i-1 ", 0), 0u)
      << calls[2];
}

TEST_F(Ec2LauncherAwsTest, OnlyTheDeploymentsOwnInstancesAreTerminated) {
  auto listed = runWithAws({{"op", "list"}, {"deployment", "shop"}});
  ASSERT_EQ(listed.exitCode, 0) << listed.err;
  Json instances = Json::parse(listed.out)["instances"];
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0]["identity"], "shop-db-0");
  auto result = runWithAws({{"op", "terminate"}, {"deployment", "shop"}, {"ids", {"i-7", "i-9"}}});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(Json::parse(result.out)["terminated"], Json({"i-7", "i-9"}));
  auto calls = awsCalls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_NE(calls[1].find("Name=instance-id,Values=i-7,i-9"), std::string::npos) << calls[1];
  EXPECT_EQ(calls[2],
            "ec2 terminate-instances --region eu-west-1 --instance-ids i-7 --output json");
}

}  // namespace
}  // namespace drover::launchers
