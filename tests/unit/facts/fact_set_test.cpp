// FactSet: built-ins with the file over them, reload() change detection, and lookup().
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/facts/fact_set.hpp"
#include "tests/unit/facts/scratch_dir.hpp"

namespace drover::facts {
namespace {

using testing::ScratchDir;

// Built-ins for tests: fixed, except an uptime that grows on every call.
FactSet::BuiltinSource fakeBuiltins(
    std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>()) {
  return [calls] {
    return Json{{"hostname", "builtin"},
                {"kernel", "Linux"},
                {"os", {{"family", "Debian"}}},
                {"uptime_seconds", ++*calls}};
  };
}

TEST(FactsSet, FileFactsOverrideBuiltins) {
  ScratchDir dir;
  auto file = dir.write("facts.yaml", "hostname: fromfile\nos:\n  name: Custom\nrole: web\n");
  FactSet facts(file, {}, fakeBuiltins());
  Json f = facts.snapshot();
  EXPECT_EQ(f["hostname"], "fromfile");
  EXPECT_EQ(f["kernel"], "Linux");
  EXPECT_EQ(f["role"], "web");
  EXPECT_EQ(f["os"], Json({{"name", "Custom"}})) << "a file key replaces the whole built-in";
}

TEST(FactsSet, RealBuiltinsByDefault) {
  FactSet facts;
  EXPECT_TRUE(facts.snapshot()["hostname"].is_string());
  EXPECT_TRUE(facts.classes().empty());
}

TEST(FactsSet, MissingFilesCountAsEmpty) {
  ScratchDir dir;
  FactSet facts(dir / "later.yaml", dir / "classes.txt", fakeBuiltins());
  EXPECT_EQ(facts.snapshot()["hostname"], "builtin");
  EXPECT_TRUE(facts.classes().empty());
  dir.write("later.yaml", "role: db\n");
  EXPECT_TRUE(facts.reload());
  EXPECT_EQ(facts.snapshot()["role"], "db");
}

TEST(FactsSet, BrokenFileAtStartupThrows) {
  ScratchDir dir;
  auto file = dir.write("facts.yaml", "role: [web\n");
  EXPECT_THROW(FactSet(file, {}, fakeBuiltins()), Error);
}

TEST(FactsSet, ReloadReportsChanges) {
  ScratchDir dir;
  auto file = dir.write("facts.yaml", "role: web\n");
  auto classes = dir.write("classes.txt", "role::web\n");
  FactSet facts(file, classes, fakeBuiltins());
  EXPECT_FALSE(facts.reload()) << "only the uptime moved";
  dir.write("facts.yaml", "role: db\n");
  EXPECT_TRUE(facts.reload());
  EXPECT_EQ(facts.snapshot()["role"], "db");
  EXPECT_FALSE(facts.reload());
  dir.write("classes.txt", "role::db\n");
  EXPECT_TRUE(facts.reload());
  EXPECT_EQ(facts.classes(), std::vector<std::string>{"role::db"});
  dir.write("facts.yaml", "role: db\nweight: 1\n");
  EXPECT_TRUE(facts.reload());
  dir.write("facts.yaml", "role: db\nweight: '1'\n");
  EXPECT_TRUE(facts.reload()) << "a type change is a change";
}

TEST(FactsSet, ReloadKeepsPreviousContentOfABrokenFile) {
  ScratchDir dir;
  auto file = dir.write("facts.yaml", "role: web\n");
  FactSet facts(file, {}, fakeBuiltins());
  dir.write("facts.yaml", "role: [half-written\n");
  EXPECT_FALSE(facts.reload());
  EXPECT_EQ(facts.snapshot()["role"], "web");
}

TEST(FactsSet, SnapshotsWhileReloading) {
  ScratchDir dir;
  auto file = dir.write("facts.yaml", "n: 0\n");
  FactSet facts(file, {}, fakeBuiltins());
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      Json f = facts.snapshot();
      ASSERT_TRUE(f["n"].is_number_integer());
      ASSERT_EQ(f["hostname"], "builtin");
    }
  });
  for (int i = 1; i <= 50; ++i) {
    dir.write("facts.yaml", "n: " + std::to_string(i) + "\n");
    EXPECT_TRUE(facts.reload());
  }
  stop = true;
  reader.join();
  EXPECT_EQ(facts.snapshot()["n"], 50);
}

TEST(FactsLookup, DottedNames) {
  Json f = Json::parse(R"({"ec2.tags": "literal", "ec2": {"tags": {"role": "web"}},
                           "os": {"family": "Debian"},
                           "interfaces": {"lo": {"ipv4": ["127.0.0.1"]}}, "region": "eu"})");
  ASSERT_NE(lookup(f, "region"), nullptr);
  EXPECT_EQ(*lookup(f, "region"), "eu");
  EXPECT_EQ(*lookup(f, "ec2.tags"), "literal") << "a literal top-level key wins";
  EXPECT_EQ(*lookup(f, "ec2.tags.role"), "web");
  EXPECT_EQ(*lookup(f, "os.family"), "Debian");
  EXPECT_EQ(*lookup(f, "interfaces.lo.ipv4.0"), "127.0.0.1");
  EXPECT_EQ(lookup(f, "interfaces.lo.ipv4.1"), nullptr);
  EXPECT_EQ(lookup(f, "interfaces.lo.ipv4.x"), nullptr);
  EXPECT_EQ(lookup(f, "os.family.more"), nullptr);
  EXPECT_EQ(lookup(f, "missing"), nullptr);
  EXPECT_EQ(lookup(f, "os."), nullptr);
  EXPECT_EQ(lookup(Json::array(), "a"), nullptr);
}

}  // namespace
}  // namespace drover::facts
