// `drover ddl import` run as the real binary: one DDL to stdout, several to --output-dir,
// no overwrite without --force, nothing written when one file fails (exit 1, the error
// naming file and line), and the imported agent then documented by `plugin doc` and its
// requests checked by `drover rpc` before anything is sent. The client config points at
// a broker nobody listens on, as in filter_flags_test.cpp: a request refused with exit 2
// never got as far as sending.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/util/files.hpp"
#include "core/util/json.hpp"
#include "core/util/subprocess.hpp"
#include "testing/process.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using util::SubprocessResult;
using Args = std::vector<std::string>;

constexpr int kExitFailed = 1;  // cli/context.hpp
constexpr int kExitUsage = 2;

const fs::path kDeployer = fs::path(DROVER_SOURCE_DIR) / "tests/unit/ddl/data/ruby/deployer.ddl";

class DdlImport : public ::testing::Test {
 protected:
  void SetUp() override {
    util::writeFileAtomically(
        config(), "broker:\n  publish: tcp://127.0.0.1:" + std::to_string(testing::freePort()) +
                      "\n  subscribe: tcp://127.0.0.1:" + std::to_string(testing::freePort()) +
                      "\nsecurity:\n  enabled: false\nddl_dirs:\n  - " + out().string() + "\n");
  }

  fs::path config() const { return dir_ / "client.yaml"; }
  fs::path out() const { return dir_ / "ddl"; }

  SubprocessResult drover(const Args& args) const {
    Args argv = {fs::path(DROVER_BINARY_DIR) / "cli" / "drover", "--config", config()};
    argv.insert(argv.end(), args.begin(), args.end());
    return util::runProcess(argv, "", std::chrono::seconds(60));
  }

  // A DDL whose line 3 does not convert.
  fs::path brokenDdl() const {
    return dir_.write("broken.ddl",
                      "metadata :name => \"broken\", :description => \"d\", :author => \"a\", "
                      ":license => \"l\", :version => \"1\", :url => \"u\", :timeout => 5\n"
                      "action \"run\", :description => \"Run\" do\n"
                      "  input :path, :prompt => \"P\", :description => \"D\", :type => :string, "
                      ":optional => true, :maxlength => 0, :validation => File.exist?(x)\n"
                      "end\n");
  }

  testing::TempDir dir_;
};

TEST_F(DdlImport, OneFileGoesToStdout) {
  SubprocessResult result = drover({"ddl", "import", kDeployer});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  Json doc = Json::parse(result.out);
  EXPECT_EQ(doc["metadata"]["name"], "deployer");
  EXPECT_EQ(doc["actions"][0]["input"]["release"]["validation"], "^[\\w\\-\\.]+$");
  EXPECT_THAT(result.err, HasSubstr("drover: warning: " + kDeployer.string() + ":14: `requires`"));
}

TEST_F(DdlImport, OutputDirThenPluginDocAndRpcChecks) {
  SubprocessResult result = drover({"ddl", "import", "--output-dir", out(), kDeployer});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "");
  ASSERT_TRUE(fs::exists(out() / "deployer.json"));

  SubprocessResult doc = drover({"plugin", "doc", "deployer"});
  EXPECT_EQ(doc.exitCode, 0) << doc.err;
  EXPECT_THAT(doc.out, HasSubstr("Deploy a release"));

  SubprocessResult refused = drover({"rpc", "deployer", "deploy", "-I", "web1", "release=a b"});
  EXPECT_EQ(refused.exitCode, kExitUsage) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("input 'release' fails validation 'regex'"));
  SubprocessResult missing = drover({"rpc", "deployer", "deploy", "-I", "web1", "batch=5"});
  EXPECT_EQ(missing.exitCode, kExitUsage) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("input 'release' fails validation 'required'"));
}

TEST_F(DdlImport, RefusesToOverwriteWithoutForce) {
  ASSERT_EQ(drover({"ddl", "import", "-o", out(), kDeployer}).exitCode, 0);
  util::writeFileAtomically(out() / "deployer.json", "mine");
  SubprocessResult again = drover({"ddl", "import", "-o", out(), kDeployer});
  EXPECT_EQ(again.exitCode, kExitFailed);
  EXPECT_THAT(again.err, HasSubstr((out() / "deployer.json").string() +
                                   " exists (give --force to replace it)"));
  EXPECT_EQ(util::readFile(out() / "deployer.json"), "mine");
  SubprocessResult forced = drover({"ddl", "import", "-o", out(), "--force", kDeployer});
  EXPECT_EQ(forced.exitCode, 0) << forced.err;
  EXPECT_NE(util::readFile(out() / "deployer.json"), "mine");
}

TEST_F(DdlImport, AFileThatDoesNotConvertStopsEveryOne) {
  fs::path broken = brokenDdl();
  SubprocessResult result = drover({"ddl", "import", "-o", out(), kDeployer, broken});
  EXPECT_EQ(result.exitCode, kExitFailed);
  EXPECT_THAT(result.err, HasSubstr("drover: " + broken.string() +
                                    ":3: cannot convert Ruby expression `File.exist?(x)` in "
                                    "input :path :validation"));
  EXPECT_EQ(result.out, "");
  EXPECT_FALSE(fs::exists(out() / "deployer.json"));

  SubprocessResult single = drover({"ddl", "import", broken});
  EXPECT_EQ(single.exitCode, kExitFailed);
  EXPECT_EQ(single.out, "");
}

TEST_F(DdlImport, SeveralFilesNeedAnOutputDir) {
  SubprocessResult result = drover({"ddl", "import", kDeployer, kDeployer});
  EXPECT_EQ(result.exitCode, kExitUsage);
  EXPECT_THAT(result.err, HasSubstr("several files need --output-dir DIR"));
  SubprocessResult twice = drover({"ddl", "import", "-o", out(), kDeployer, kDeployer});
  EXPECT_EQ(twice.exitCode, kExitFailed);
  EXPECT_THAT(twice.err, HasSubstr("both define agent 'deployer'"));
}

TEST_F(DdlImport, MissingFileIsNamed) {
  SubprocessResult result = drover({"ddl", "import", (dir_ / "nope.ddl").string()});
  EXPECT_EQ(result.exitCode, kExitFailed);
  EXPECT_THAT(result.err, HasSubstr("nope.ddl: cannot read the file"));
}

}  // namespace
}  // namespace drover
