// The shipped example etc/deployments/shop.yaml loads from disk as the CLI loads it: its
// bundles digested, its config file attached, every key it documents read.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/deploy/deployment.hpp"

namespace drover::deploy {
namespace {

namespace fs = std::filesystem;

fs::path example() { return fs::path(DROVER_SOURCE_DIR) / "etc/deployments/shop.yaml"; }

TEST(DeployExample, TheShippedExampleLoads) {
  Deployment d;
  try {
    d = loadDeploymentFile(example());
  } catch (const DeploymentError& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(d.name, "shop");
  EXPECT_EQ(d.order, (std::vector<std::string>{"db", "worker", "app", "monitor"}));
  const Pool& app = *d.pool("app");
  ASSERT_EQ(app.stages.size(), 2u);
  EXPECT_EQ(app.stages[1].blob.size, fs::file_size(example().parent_path() / "bundles/app.tar"));
  EXPECT_EQ(app.stages[1].blob.digest.size(), 7u + 64u);
  EXPECT_NE(app.stages[0].blob.digest, app.stages[1].blob.digest);
  ASSERT_EQ(app.files.size(), 1u);
  EXPECT_EQ(app.files[0].path, "/etc/app/app.conf");
  EXPECT_EQ(app.files[0].mode, 0640u);
  EXPECT_EQ(d.pool("monitor")->service, "mon");
  EXPECT_EQ(d.pool("worker")->after, std::vector<std::string>{"db"});
}

TEST(DeployExample, TheDiskSourceDigestsWithSha256) {
  fs::path dir = fs::temp_directory_path() / ("drover-deploy-" + std::to_string(::getpid()));
  fs::create_directories(dir / "files/a");
  {
    std::ofstream(dir / "b.tar") << "abc";
    std::ofstream(dir / "files/a/x.conf") << "x={{self.name}}";
  }
  fs::create_directories(dir / "files/a/sub");
  auto source = diskSource(dir);
  EXPECT_EQ(source->blob("b.tar"),
            (Blob{"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 3}));
  EXPECT_EQ(source->blob("none.tar"), std::nullopt);
  EXPECT_EQ(source->blob("files"), std::nullopt);
  EXPECT_EQ(source->files(),
            (std::map<std::string, std::string>{{"files/a/x.conf", "x={{self.name}}"}}));
  fs::remove_all(dir);
}

TEST(DeployExample, AMissingFileIsADeploymentError) {
  EXPECT_THROW(loadDeploymentFile("/nonexistent/shop.yaml"), DeploymentError);
}

}  // namespace
}  // namespace drover::deploy
