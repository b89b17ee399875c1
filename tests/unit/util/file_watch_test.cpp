// FileWatch (core/util/file_watch.hpp): which writes of watched files it reports, and
// that it keeps reporting them as the directories around them are made, removed and
// swapped. inotify queues an event in the system call that causes it, so each check
// reads the events right after the change, without waiting.
#include "core/util/file_watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "testing/process.hpp"

namespace drover::util {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Targets = std::vector<FileWatch::Target>;

bool readable(const FileWatch& watch) {
  pollfd item{watch.fd(), POLLIN, 0};
  return ::poll(&item, 1, 0) == 1;
}

void writeInPlace(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

TEST(FileWatch, AFileReplacedByRenameOrWrittenInPlaceIsReportedAndNothingElse) {
  testing::TempDir dir;
  fs::path facts = dir / "facts.yaml";
  fs::path classes = dir / "classes.txt";
  writeInPlace(facts, "a: 1\n");
  FileWatch watch(Targets{{facts}, {classes}});
  EXPECT_EQ(watch.problem(), "");
  EXPECT_FALSE(readable(watch));
  EXPECT_THAT(watch.takeChanged(), IsEmpty());

  writeFileAtomically(facts, "a: 2\n");  // a temporary file renamed over it
  EXPECT_TRUE(readable(watch));
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
  EXPECT_FALSE(readable(watch));

  writeInPlace(classes, "role::web\n");  // created, written, closed
  EXPECT_THAT(watch.takeChanged(), ElementsAre(1u));

  writeInPlace(dir / "other.yaml", "b: 1\n");  // a neighbour: not watched
  writeInPlace(dir / "facts.yaml.bak", "b: 1\n");
  EXPECT_THAT(watch.takeChanged(), IsEmpty());

  fs::remove(classes);
  EXPECT_THAT(watch.takeChanged(), ElementsAre(1u));
}

TEST(FileWatch, AFileStillBeingWrittenIsNotReportedUntilClosed) {
  testing::TempDir dir;
  fs::path facts = dir / "facts.yaml";
  FileWatch watch(Targets{{facts}});
  int fd = ::open(facts.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "region: eu", 10), 10);
  EXPECT_THAT(watch.takeChanged(), IsEmpty()) << "a half-written file was reported";
  ASSERT_EQ(::write(fd, "-west-1\n", 8), 8);
  ::close(fd);
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
}

TEST(FileWatch, DirectoriesMadeLaterAreWatchedAsTheyAppear) {
  testing::TempDir dir;
  fs::path crl = dir / "etc" / "drover" / "ssl" / "crl.pem";
  FileWatch watch(Targets{{crl}});
  EXPECT_EQ(watch.problem(), "");
  // One level at a time: each new directory is reported, and watched in turn.
  for (const fs::path& level : {dir / "etc", dir / "etc" / "drover", crl.parent_path()}) {
    fs::create_directory(level);
    EXPECT_THAT(watch.takeChanged(), ElementsAre(0u)) << level;
  }
  writeInPlace(crl, "first\n");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
}

TEST(FileWatch, DirectoriesMadeAtOnceAreWatchedAtTheirDeepest) {
  testing::TempDir dir;
  fs::path crl = dir / "etc" / "drover" / "ssl" / "crl.pem";
  FileWatch watch(Targets{{crl}});
  fs::create_directories(crl.parent_path());  // `mkdir -p`: only the top one is seen
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
  writeFileAtomically(crl, "second\n");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
}

TEST(FileWatch, ADirectoryRemovedAndMadeAgainIsWatchedAgain) {
  testing::TempDir dir;
  fs::path facts = dir / "conf" / "facts.yaml";
  fs::create_directories(facts.parent_path());
  writeInPlace(facts, "a: 1\n");
  FileWatch watch(Targets{{facts}});

  fs::remove_all(facts.parent_path());
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
  fs::create_directories(facts.parent_path());
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
  writeInPlace(facts, "a: 2\n");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
}

// Kubernetes mounts a ConfigMap as FILE -> ..data/FILE, ..data -> ..<timestamp>/, and
// updates it by making a new ..<timestamp>/ and renaming a new ..data link over the old.
TEST(FileWatch, ASymbolicLinkSwappedToANewTargetIsReported) {
  testing::TempDir dir;
  // What the kubelet does for version `to`, the previous one being `from`.
  auto update = [&](const std::string& from, const std::string& to, const std::string& text) {
    fs::create_directory(dir / to);
    writeInPlace(dir / to / "facts.yaml", text);
    fs::create_directory_symlink(to, dir / "..data_tmp");
    fs::rename(dir / "..data_tmp", dir / "..data");
    if (!from.empty()) fs::remove_all(dir / from);
  };
  update("", "..2026_01", "a: 1\n");
  fs::create_symlink("..data/facts.yaml", dir / "facts.yaml");
  FileWatch watch(Targets{{dir / "facts.yaml"}});

  update("..2026_01", "..2026_02", "a: 2\n");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
  // And the new target is watched in turn.
  update("..2026_02", "..2026_03", "a: 3\n");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
}

TEST(FileWatch, ANewSymbolicLinkIsCompleteAtOnce) {
  testing::TempDir dir;
  writeInPlace(dir / "real.yaml", "a: 1\n");
  FileWatch watch(Targets{{dir / "facts.yaml"}});
  fs::create_symlink(dir / "real.yaml", dir / "facts.yaml");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
}

TEST(FileWatch, ADirectoryTargetReportsItsEntries) {
  testing::TempDir dir;
  fs::path policies = dir / "policies";
  fs::path crl = dir / "crl.pem";
  FileWatch watch(Targets{{crl}, {policies, true}});

  fs::create_directory(policies);
  EXPECT_THAT(watch.takeChanged(), ElementsAre(1u));
  writeInPlace(policies / "puppet.yaml", "default: deny\n");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(1u));
  writeFileAtomically(policies / "rpcutil.yaml", "default: allow\n");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(1u));
  fs::remove(policies / "puppet.yaml");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(1u));
  writeInPlace(crl, "x\n");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u));
}

TEST(FileWatch, TwoFilesInOneDirectoryAreToldApart) {
  testing::TempDir dir;
  FileWatch watch(Targets{{dir / "a"}, {dir / "b"}, {dir / "c"}});
  writeInPlace(dir / "c", "1");
  writeInPlace(dir / "a", "1");
  EXPECT_THAT(watch.takeChanged(), ElementsAre(0u, 2u));
}

TEST(FileWatch, ADirectoryItCannotReadIsNamedAsTheProblem) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every directory";
  testing::TempDir dir;
  fs::create_directory(dir / "locked");
  fs::permissions(dir / "locked", fs::perms::none);
  FileWatch watch(Targets{{dir / "locked" / "facts.yaml"}});
  EXPECT_THAT(watch.problem(), ::testing::HasSubstr((dir / "locked").string()));
  fs::permissions(dir / "locked", fs::perms::owner_all);
}

}  // namespace
}  // namespace drover::util
