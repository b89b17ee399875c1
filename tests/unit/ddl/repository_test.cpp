// Repository: loading directories, reporting and skipping bad DDLs.
#include "core/ddl/repository.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdlib.h>

#include <fstream>

#include "core/config/defaults.hpp"

namespace drover::ddl {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const fs::path kSourceDir = DROVER_SOURCE_DIR;

// A fresh directory under the system temporary directory, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "drover-ddl-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  fs::path write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name) << content;
    return path_ / name;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string minimal(const std::string& agent, const std::string& description = "") {
  return R"({"metadata": {"name": ")" + agent + R"(", "description": ")" + description +
         R"("}, "actions": [{"action": "run"}]})";
}

TEST(DdlRepository, LoadsRealChoriaDdlsAndBuiltins) {
  Repository choria({kSourceDir / "tests/unit/ddl/data/choria"});
  EXPECT_THAT(choria.errors(), IsEmpty());
  EXPECT_THAT(choria.agents(),
              ElementsAre("aaa_signer", "choria_provision", "choria_registry", "choria_util",
                          "executor", "filemgr", "iptables", "nettest", "nrpe", "package",
                          "process", "puppet", "rpcutil", "scout", "service", "shell"));
  // Its "" defaults break their own validation: a warning, not a reason to skip it.
  EXPECT_THAT(choria.find("choria_provision")->warnings, ::testing::Not(IsEmpty()));
  ASSERT_NE(choria.find("puppet"), nullptr);
  EXPECT_NE(choria.find("puppet")->findAction("runonce"), nullptr);
  EXPECT_EQ(choria.find("nope"), nullptr);
  Repository builtins({kSourceDir / "ddl"});
  EXPECT_THAT(builtins.errors(), IsEmpty());
  EXPECT_THAT(builtins.agents(),
              ElementsAre("cluster", "naming", "provision", "puppet", "puppetca", "rpcutil"));
}

TEST(DdlRepository, RecordsBadFilesAndKeepsTheRest) {
  TempDir dir;
  dir.write("good.json", minimal("good"));
  fs::path broken = dir.write("broken.json", "{not json");
  fs::path schema = dir.write("schema.json", R"({"metadata": {"name": "schema"},
      "actions": [{"action": "run", "input": {"x": {"prompt": "X"}}}]})");
  dir.write("notes.txt", "not a DDL");
  fs::create_directory(dir.path() / "sub.json");
  Repository repo({dir.path()});
  EXPECT_THAT(repo.agents(), ElementsAre("good"));
  ASSERT_EQ(repo.errors().size(), 2u);
  EXPECT_EQ(repo.errors()[0].file, broken);
  EXPECT_THAT(repo.errors()[0].message, HasSubstr(broken.string() + ": invalid JSON at byte"));
  EXPECT_EQ(repo.errors()[1].file, schema);
  EXPECT_EQ(repo.errors()[1].message,
            schema.string() + ": actions[0].input.x.type: missing required key");
}

TEST(DdlRepository, FileNameMustBeTheAgentName) {
  TempDir dir;
  fs::path file = dir.write("puppet.json", minimal("service"));
  Repository repo({dir.path()});
  EXPECT_THAT(repo.agents(), IsEmpty());
  ASSERT_EQ(repo.errors().size(), 1u);
  EXPECT_EQ(repo.errors()[0].message,
            file.string() + ": defines agent 'service', which belongs in service.json");
}

TEST(DdlRepository, EarlierDirectoriesWin) {
  TempDir first, second;
  first.write("demo.json", minimal("demo", "first"));
  fs::path shadowed = second.write("demo.json", minimal("demo", "second"));
  Repository repo({first.path(), second.path()});
  EXPECT_EQ(repo.find("demo")->metadata.description, "first");
  ASSERT_EQ(repo.errors().size(), 1u);
  EXPECT_EQ(repo.errors()[0].file, shadowed);
  EXPECT_THAT(repo.errors()[0].message, HasSubstr("agent 'demo' is already defined by"));
}

TEST(DdlRepository, MissingDirectoryIsReported) {
  TempDir dir;
  fs::path missing = dir.path() / "absent";
  Repository repo({missing});
  ASSERT_EQ(repo.errors().size(), 1u);
  EXPECT_EQ(repo.errors()[0].file, missing);
  EXPECT_THAT(repo.errors()[0].message, HasSubstr(missing.string() + ": cannot list DDLs: "));
}

// The installed directory is a default even in a build tree that was never installed:
// its absence is expected there, and said nothing of.
TEST(DdlRepository, ADirectoryThatMayBeMissingIsNotAnError) {
  TempDir dir;
  Repository repo;
  repo.addDirectory(dir.path() / "absent", /*mayBeMissing=*/true);
  EXPECT_TRUE(repo.errors().empty());
  repo.addDirectory(dir.path() / "absent");
  EXPECT_EQ(repo.errors().size(), 1u);
}

// The defaults are passed as may-be-missing: checked where one of them is missing (the
// installed directory, in a build tree on a machine without the packages).
TEST(DdlRepository, AMissingDefaultDirectoryIsNotAnError) {
  std::vector<fs::path> defaults;
  bool oneMissing = false;
  for (const auto& directory : config::defaultDdlDirs()) {
    defaults.emplace_back(directory);
    oneMissing = oneMissing || !fs::exists(directory);
  }
  if (!oneMissing) GTEST_SKIP() << "every default DDL directory exists on this machine";
  Repository fromDefaults(defaults);
  for (const auto& error : fromDefaults.errors()) {
    EXPECT_THAT(error.message, Not(HasSubstr("cannot list DDLs: No such file"))) << error.message;
  }
}

TEST(DdlRepository, AddBuiltDdl) {
  Repository repo;
  Ddl ddl;
  ddl.metadata.name = "inline";
  EXPECT_TRUE(repo.add(ddl));
  EXPECT_FALSE(repo.add(ddl));
  EXPECT_NE(repo.find("inline"), nullptr);
}

}  // namespace
}  // namespace drover::ddl
