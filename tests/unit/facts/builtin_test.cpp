// Built-in facts: present, of the right types, and a failing source is skipped.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/facts/builtin.hpp"

namespace drover::facts {
namespace {

TEST(FactsBuiltin, NamesAndKernel) {
  Json f = builtinFacts();
  ASSERT_TRUE(f["hostname"].is_string());
  EXPECT_FALSE(f["hostname"].get<std::string>().empty());
  EXPECT_EQ(f["hostname"].get<std::string>().find('.'), std::string::npos);
  ASSERT_TRUE(f["fqdn"].is_string());
  EXPECT_EQ(f["fqdn"].get<std::string>().rfind(f["hostname"].get<std::string>(), 0), 0u);
  if (f.contains("domain")) {
    EXPECT_TRUE(f["domain"].is_string());
  }
  EXPECT_EQ(f["kernel"], "Linux");
  EXPECT_TRUE(f["kernelrelease"].is_string());
  EXPECT_TRUE(f["architecture"].is_string());
}

TEST(FactsBuiltin, Os) {
  Json f = builtinFacts();
  ASSERT_TRUE(f["os"].is_object()) << f.dump();
  EXPECT_TRUE(f["os"]["name"].is_string());
  EXPECT_TRUE(f["os"]["family"].is_string());
  if (f["os"].contains("release")) {
    EXPECT_TRUE(f["os"]["release"].is_string());
  }
}

TEST(FactsBuiltin, Network) {
  Json f = builtinFacts();
  ASSERT_TRUE(f["interfaces"].is_object()) << f.dump();
  ASSERT_TRUE(f["interfaces"].contains("lo")) << f["interfaces"].dump();
  const Json& lo = f["interfaces"]["lo"];
  EXPECT_TRUE(lo["ipv4"].is_array());
  EXPECT_TRUE(lo["ipv6"].is_array());
  EXPECT_NE(std::find(lo["ipv4"].begin(), lo["ipv4"].end(), Json("127.0.0.1")), lo["ipv4"].end());
  EXPECT_FALSE(lo.contains("mac")) << "loopback has no hardware address";
  if (f.contains("ipaddress")) {
    EXPECT_TRUE(f["ipaddress"].is_string());
    EXPECT_NE(f["ipaddress"], "127.0.0.1");
  }
  if (f.contains("ipaddress6")) {
    EXPECT_TRUE(f["ipaddress6"].is_string());
  }
}

TEST(FactsBuiltin, ProcessorsMemoryUptime) {
  Json f = builtinFacts();
  ASSERT_TRUE(f["processorcount"].is_number_integer());
  EXPECT_GE(f["processorcount"].get<int>(), 1);
  ASSERT_TRUE(f["memorysize_mb"].is_number_integer());
  EXPECT_GT(f["memorysize_mb"].get<long long>(), 0);
  ASSERT_TRUE(f["uptime_seconds"].is_number_integer());
  EXPECT_GE(f["uptime_seconds"].get<long long>(), 0);
}

TEST(FactsBuiltin, FailingSourceIsSkippedAndOthersResolve) {
  std::vector<FactSource> sources{{"first", [](Json& f) { f["a"] = 1; }},
                                  {"broken",
                                   [](Json& f) {
                                     f["half"] = "written";
                                     throw std::runtime_error("no such device");
                                   }},
                                  {"last", [](Json& f) { f["b"] = 2; }}};
  EXPECT_EQ(resolveFacts(sources), Json({{"a", 1}, {"b", 2}}));
}

TEST(FactsBuiltin, OsRelease) {
  Json debian = parseOsRelease(
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
      "VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n");
  EXPECT_EQ(
      debian,
      Json(
          {{"name", "Debian"}, {"family", "Debian"}, {"release", "12"}, {"codename", "bookworm"}}));
  Json ubuntu =
      parseOsRelease("ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\nUBUNTU_CODENAME=jammy\n");
  EXPECT_EQ(ubuntu["family"], "Debian");
  EXPECT_EQ(ubuntu["name"], "Ubuntu");
  EXPECT_EQ(ubuntu["codename"], "jammy");
  Json rocky = parseOsRelease("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID='9.3'\n");
  EXPECT_EQ(rocky, Json({{"name", "Rocky"}, {"family", "RedHat"}, {"release", "9.3"}}));
  Json odd = parseOsRelease("# comment\nID=nixos\nVERSION_ID=\"say \\\"hi\\\"\"\n");
  EXPECT_EQ(odd["name"], "Nixos");
  EXPECT_EQ(odd["family"], "Nixos");
  EXPECT_EQ(odd["release"], "say \"hi\"");
}

}  // namespace
}  // namespace drover::facts
