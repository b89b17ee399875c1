#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>

#include "launchers/launcher.hpp"
#include "launchers/local/member_state.hpp"
#include "launchers/local/volumes.hpp"
#include "launchers/settings.hpp"
#include "testing/process.hpp"

namespace drover::launchers {
namespace {

std::string errorOf(const Json& settings) {
  try {
    makeLauncher(settings);
  } catch (const LaunchError& e) {
    return e.what();
  }
  return "";
}

Json localSettings() {
  static const testing::TempDir dir;
  return {{"type", "local"},
          {"droverd", "/bin/true"},
          {"member", "/bin/true"},
          {"member_config", dir.write("member.yaml", "security: {enabled: false}\n").string()}};
}

TEST(Size, BytesAndSuffixes) {
  EXPECT_EQ(parseSize(Json(4096), "v"), 4096u);
  EXPECT_EQ(parseSize(Json("4096"), "v"), 4096u);
  EXPECT_EQ(parseSize(Json("64M"), "v"), 64u << 20);
  EXPECT_EQ(parseSize(Json("2g"), "v"), 2ull << 30);
  EXPECT_EQ(parseSize(Json("1K"), "v"), 1024u);
}

TEST(Size, BadSizesNameWhere) {
  for (const Json& bad : {Json("0"), Json("M"), Json("64MB"), Json("-1"), Json("1.5G"), Json(0),
                          Json(-3), Json(true), Json("99999999999999999999")}) {
    try {
      parseSize(bad, "volumes[1].size");
      ADD_FAILURE() << bad.dump() << " was accepted";
    } catch (const LaunchError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("volumes[1].size: ", 0), 0u) << e.what();
    }
  }
}

TEST(Factory, TypeIsRequiredAndChecked) {
  EXPECT_NE(errorOf(Json::object()).find("launcher.type: is required"), std::string::npos);
  EXPECT_NE(errorOf({{"type", "ec2"}}).find("'ec2' is not a launcher type"), std::string::npos);
  EXPECT_NE(errorOf(Json::array()).find("must be a mapping"), std::string::npos);
}

TEST(Factory, LocalSettingsAreCheckedKeyByKey) {
  EXPECT_EQ(errorOf(localSettings()), "");
  Json missing = localSettings();
  missing.erase("member_config");
  EXPECT_NE(errorOf(missing).find("launcher.member_config: is required"), std::string::npos);
  Json unknown = localSettings();
  unknown["brige"] = "drover1";
  EXPECT_NE(errorOf(unknown).find("unknown key(s): brige"), std::string::npos);
  Json subnet = localSettings();
  subnet["subnet"] = "10.213.0.0/33";
  EXPECT_NE(errorOf(subnet).find("launcher.subnet: '10.213.0.0/33'"), std::string::npos);
  Json bridge = localSettings();
  bridge["bridge"] = "a-bridge-name-too-long";
  EXPECT_NE(errorOf(bridge).find("launcher.bridge:"), std::string::npos);
  Json program = localSettings();
  program["droverd"] = "/nonexistent/droverd";
  EXPECT_NE(errorOf(program).find("launcher.droverd: /nonexistent/droverd is not an executable"),
            std::string::npos);
  Json config = localSettings();
  config["member_config"] = "/nonexistent/member.yaml";
  EXPECT_NE(errorOf(config).find("launcher.member_config: /nonexistent/member.yaml is not a file"),
            std::string::npos);
  Json grace = localSettings();
  grace["stop_grace"] = "5s";
  EXPECT_NE(errorOf(grace).find("launcher.stop_grace: must be a whole number"), std::string::npos);
}

TEST(Factory, ExecNeedsACommand) {
  EXPECT_NE(errorOf({{"type", "exec"}}).find("launcher.command: is required"), std::string::npos);
  EXPECT_NE(errorOf({{"type", "exec"}, {"command", "ec2-launcher"}}).find("non-empty list"),
            std::string::npos);
  EXPECT_EQ(errorOf({{"type", "exec"}, {"command", {"/bin/cat"}}, {"timeout", 10}}), "");
}

TEST(Factory, SettingsFromYamlKeepScalarTypes) {
  Json settings = settingsFromYaml(YAML::Load(
      "type: exec\ncommand: [ec2-launcher, --region, eu-west-1]\ntimeout: 60\nquoted: \"60\"\n"
      "flag: true\nsize: small\nnested: {a: 1.5}\n"));
  EXPECT_EQ(settings["command"], Json({"ec2-launcher", "--region", "eu-west-1"}));
  EXPECT_EQ(settings["timeout"], 60);
  EXPECT_EQ(settings["quoted"], "60");
  EXPECT_EQ(settings["flag"], true);
  EXPECT_EQ(settings["size"], "small");
  EXPECT_EQ(settings["nested"]["a"], 1.5);
}

TEST(Volumes, BadVolumesNameTheMemberAndTheVolume) {
  MemberLaunch member;
  member.identity = "shop-db-0";
  for (const Volume& bad :
       {Volume{1, "srv/data", "tmpfs"}, Volume{1, "/srv/../etc", "tmpfs"}, Volume{1, "/", "tmpfs"},
        Volume{1, "/proc/x", "tmpfs"}, Volume{1, "/etc", "image"},
        Volume{1, "/etc/drover", "tmpfs"}, Volume{1, "/srv/data", "nfs"},
        Volume{0, "/srv/data", "tmpfs"}, Volume{1, "/srv/data/", "tmpfs"}}) {
    member.volumes = {Volume{1, "/srv/ok", "tmpfs"}, bad};
    try {
      checkVolumes(member);
      ADD_FAILURE() << bad.mount << " " << bad.kind << " was accepted";
    } catch (const LaunchError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("shop-db-0: volumes[1]: ", 0), 0u) << e.what();
    }
  }
  member.volumes = {Volume{1, "/srv/data", "tmpfs"}, Volume{1, "/etc/app/data", "image"}};
  EXPECT_NO_THROW(checkVolumes(member));
}

TEST(WireForms, MembersAndInstances) {
  MemberLaunch member{"shop-db-0",
                      "db",
                      "db",
                      "masterful",
                      {{"size", "small"}},
                      {Volume{64u << 20, "/srv/data", "image"}}};
  EXPECT_EQ(toJson(member), Json::parse(R"({"identity":"shop-db-0","pool":"db","service":"db",
                "naming_type":"masterful","settings":{"size":"small"},
                "volumes":[{"size":67108864,"mount":"/srv/data","kind":"image"}]})"));
  Instance instance = instanceFromJson(
      Json::parse(R"({"id":"i-1","identity":"shop-db-0","state":"running","details":{"a":1}})"),
      "x");
  EXPECT_EQ(toJson(instance)["details"]["a"], 1);
  for (const char* bad :
       {R"({"identity":"a","state":"running"})", R"({"id":"i","identity":"a","state":"up"})",
        R"({"id":"i","identity":"a","state":"running","details":[]})", R"([])"}) {
    try {
      instanceFromJson(Json::parse(bad), "reply: instances[0]");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const LaunchError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("reply: instances[0]: ", 0), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace drover::launchers
