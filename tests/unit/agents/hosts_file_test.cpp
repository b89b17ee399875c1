// provision's hosts-file entry: one managed line, every other byte kept.
#include "agents/provision/hosts_file.hpp"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "testing/process.hpp"

namespace drover::agents::provision {
namespace {

namespace fs = std::filesystem;

const std::string kHosts =
    "127.0.0.1\tlocalhost\n"
    "# the old puppet master, kept by hand\n"
    "10.9.9.9 puppetdb.internal puppet-reports # puppet reporting\n"
    "::1     localhost ip6-localhost ip6-loopback\r\n"
    "\n"
    "192.168.1.5 fileserver\n";

TEST(HostsFile, AppendsOneManagedEntryAndKeepsEveryOtherByte) {
  HostsEdit edit = withManagedEntry(kHosts, "puppet", "10.0.0.7");
  EXPECT_TRUE(edit.changed);
  EXPECT_EQ(edit.content, kHosts + "10.0.0.7 puppet # drover: puppet server\n");
}

TEST(HostsFile, SecondApplicationChangesNothing) {
  HostsEdit first = withManagedEntry(kHosts, "puppet", "10.0.0.7");
  HostsEdit second = withManagedEntry(first.content, "puppet", "10.0.0.7");
  EXPECT_FALSE(second.changed);
  EXPECT_EQ(second.content, first.content);
}

TEST(HostsFile, ReplacesTheManagedEntryInPlace) {
  std::string managed =
      "127.0.0.1 localhost\n"
      "10.0.0.7 puppet # drover: puppet server\n"
      "192.168.1.5 fileserver\n";
  HostsEdit edit = withManagedEntry(managed, "puppet.eu", "10.1.0.1");
  EXPECT_EQ(edit.content,
            "127.0.0.1 localhost\n"
            "10.1.0.1 puppet.eu # drover: puppet server\n"
            "192.168.1.5 fileserver\n");
}

TEST(HostsFile, DropsDuplicateManagedEntries) {
  std::string twice =
      "10.0.0.7 puppet # drover: puppet server\n"
      "127.0.0.1 localhost\n"
      "10.0.0.8 puppet # drover: puppet server  \n";
  HostsEdit edit = withManagedEntry(twice, "puppet", "10.0.0.9");
  EXPECT_EQ(edit.content,
            "10.0.0.9 puppet # drover: puppet server\n"
            "127.0.0.1 localhost\n");
}

// The resolver takes the first line naming a host, so ours must come before a foreign
// line for the same name, which itself stays as it was.
TEST(HostsFile, GoesBeforeAForeignLineForTheSameName) {
  std::string foreign =
      "127.0.0.1 localhost\n"
      "10.5.5.5 puppet\n"
      "192.168.1.5 fileserver\n";
  HostsEdit edit = withManagedEntry(foreign, "puppet", "10.0.0.7");
  EXPECT_EQ(edit.content,
            "127.0.0.1 localhost\n"
            "10.0.0.7 puppet # drover: puppet server\n"
            "10.5.5.5 puppet\n"
            "192.168.1.5 fileserver\n");
  EXPECT_FALSE(withManagedEntry(edit.content, "puppet", "10.0.0.7").changed);
}

TEST(HostsFile, ANameInACommentIsNotAForeignEntry) {
  std::string commented = "# puppet lives elsewhere\n127.0.0.1 localhost # not puppet\n";
  HostsEdit edit = withManagedEntry(commented, "puppet", "10.0.0.7");
  EXPECT_EQ(edit.content, commented + "10.0.0.7 puppet # drover: puppet server\n");
}

TEST(HostsFile, LastLineWithoutNewlineIsNotGluedToTheEntry) {
  HostsEdit edit = withManagedEntry("127.0.0.1 localhost", "puppet", "10.0.0.7");
  EXPECT_EQ(edit.content, "127.0.0.1 localhost\n10.0.0.7 puppet # drover: puppet server\n");
}

TEST(HostsFile, EmptyFileGetsJustTheEntry) {
  EXPECT_EQ(withManagedEntry("", "puppet", "::1").content, "::1 puppet # drover: puppet server\n");
}

TEST(HostsFile, WritesAtomicallyKeepingModeAndLeavingNoTemporaryFile) {
  testing::TempDir dir;
  fs::path file = dir.write("hosts", kHosts);
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);

  EXPECT_TRUE(setManagedEntry(file, "puppet", "10.0.0.7"));
  struct stat after {};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_NE(after.st_ino, before.st_ino) << "replaced by rename, not rewritten in place";
  EXPECT_EQ(after.st_mode & 07777, 0640u);
  EXPECT_EQ(util::readFile(file), kHosts + "10.0.0.7 puppet # drover: puppet server\n");

  EXPECT_FALSE(setManagedEntry(file, "puppet", "10.0.0.7"));
  struct stat again {};
  ASSERT_EQ(::stat(file.c_str(), &again), 0);
  EXPECT_EQ(again.st_ino, after.st_ino) << "an unchanged file is not rewritten";
  std::size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST(HostsFile, CreatesAMissingFileAndItsDirectory) {
  testing::TempDir dir;
  fs::path file = dir / "etc/hosts";
  EXPECT_TRUE(setManagedEntry(file, "puppet", "10.0.0.7"));
  EXPECT_EQ(util::readFile(file), "10.0.0.7 puppet # drover: puppet server\n");
}

}  // namespace
}  // namespace drover::agents::provision
