// A deployment file as `drover deploy up` sends it (cli/commands/deploy_file.hpp): the
// bundles it uses (and only those), every files/<pool>/<name>, the loader's errors.
#include "cli/commands/deploy_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/process.hpp"

namespace drover::cli {
namespace {

using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::Key;
using ::testing::Pair;

constexpr const char* kShop = R"(name: shop
flow: masterless
defaults:
  stages:
    - {bundle: bundles/base.tar, args: ["--quick"]}
pools:
  db: {type: masterful, count: 2}
  app:
    count: 2
    stages:
      - {bundle: bundles/base.tar}
      - {bundle: bundles/app.tar}
    params: {db_host: "{{pools.db.master.address}}"}
)";

class DeployFileTest : public ::testing::Test {
 protected:
  DeployFileTest() {
    std::filesystem::create_directories(dir / "bundles");
    std::filesystem::create_directories(dir / "files/app");
    dir.write("bundles/base.tar", "base bundle");
    dir.write("bundles/app.tar", "app");
    dir.write("bundles/unused.tar", "not named by the file");
    dir.write("files/app/app.conf", "db = {{params.db_host}}\n");
  }
  testing::TempDir dir;
};

TEST_F(DeployFileTest, CarriesTheTextTheBundlesItUsesAndEveryFile) {
  DeployFile file = readDeployFile(dir.write("shop.yaml", kShop));
  EXPECT_EQ(file.fileName, "shop.yaml");
  EXPECT_EQ(file.text, kShop);
  EXPECT_THAT(file.blobs, ElementsAre(Key("bundles/app.tar"), Key("bundles/base.tar")));
  const LocalBlob& base = file.blobs.at("bundles/base.tar");
  EXPECT_EQ(base.path, dir / "bundles/base.tar");
  EXPECT_EQ(base.size, 11u);
  // sha256 of "base bundle"
  EXPECT_EQ(base.digest, "sha256:7f3bf1688fea92dc8e4d2bcd63d5028620567ac6af1f3ad61a72ee4b96b66a53");
  EXPECT_THAT(file.files, ElementsAre(Pair("files/app/app.conf", "db = {{params.db_host}}\n")));
}

TEST_F(DeployFileTest, AMissingBundleIsAnErrorAtItsPlace) {
  std::string text = kShop;
  text.replace(text.find("bundles/app.tar"), 15, "bundles/gone.tar");
  auto path = dir.write("shop.yaml", text);
  try {
    readDeployFile(path);
    FAIL() << "a missing bundle was accepted";
  } catch (const DeployFileError& e) {
    EXPECT_THAT(e.what(), ContainsRegex(path.string() + ":12:[0-9]+: .*bundles/gone.tar"));
  }
}

TEST(DeployFileExample, TheShippedExampleSendsItsTwoBundlesAndItsConfigFile) {
  const std::filesystem::path example =
      std::filesystem::path(DROVER_SOURCE_DIR) / "etc/deployments/shop.yaml";
  DeployFile file = readDeployFile(example);
  EXPECT_EQ(file.name, "shop");
  EXPECT_THAT(file.blobs, ElementsAre(Key("bundles/app.tar"), Key("bundles/base.tar")));
  for (const auto& [relpath, blob] : file.blobs) {
    EXPECT_EQ(blob.size, std::filesystem::file_size(example.parent_path() / relpath)) << relpath;
  }
  EXPECT_THAT(file.files, ElementsAre(Key("files/app/app.conf")));
}

TEST_F(DeployFileTest, ANonexistentFileIsNamed) {
  EXPECT_THROW(readDeployFile(dir / "nope.yaml"), DeployFileError);
  EXPECT_THROW(readDeployFile(dir / "bundles"), DeployFileError);
}

}  // namespace
}  // namespace drover::cli
