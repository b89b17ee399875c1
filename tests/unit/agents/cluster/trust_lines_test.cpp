// The lines set_trust writes (agents/cluster/trust_lines.hpp), checked and deduplicated.
#include "agents/cluster/trust_lines.hpp"

#include <gtest/gtest.h>

#include "agents/agent.hpp"

namespace drover::agents::cluster {
namespace {

// ssh-ed25519 blob: length 11, "ssh-ed25519", length 32, 32 bytes.
const std::string kKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

std::string refusal(const std::function<void()>& run) {
  try {
    run();
  } catch (const ActionError& e) {
    return e.what();
  }
  return "";
}

TEST(TrustLines, AuthorizedKeysKeepEachKeyOnceWithItsFirstComment) {
  EXPECT_EQ(authorizedKeysBody({kKey + " a@x", kKey, kKey + "   b@y  "}), kKey + " a@x\n");
}

TEST(TrustLines, KnownHostsJoinNamesAndDropComments) {
  Json entries = {{{"names", {"db-master", "10.0.0.5", "fe80::1"}}, {"key", kKey + " c"}},
                  {{"names", {"db-master", "10.0.0.5", "fe80::1"}}, {"key", kKey}}};
  EXPECT_EQ(knownHostsBody(entries), "db-master,10.0.0.5,fe80::1 " + kKey + "\n");
}

TEST(TrustLines, RefusesOtherTypesOptionsAndBrokenEntries) {
  EXPECT_NE(
      refusal([] { authorizedKeysBody({"ssh-dss AAAA"}); }).find("is not an OpenSSH public key"),
      std::string::npos);
  EXPECT_NE(refusal([] { authorizedKeysBody({42}); }).find("authorized_keys[0]: expected a string"),
            std::string::npos);
  EXPECT_NE(refusal([] {
              knownHostsBody({{{"names", Json::array()}, {"key", kKey}}});
            }).find("known_hosts[0].names: expected a list of 1 to 64 names"),
            std::string::npos);
  EXPECT_NE(
      refusal([] { knownHostsBody({"db-master"}); }).find("known_hosts[0]: expected an object"),
      std::string::npos);
  EXPECT_NE(refusal([] {
              knownHostsBody({{{"names", {"x"}}, {"key", "ssh-rsa " + kKey.substr(12)}}});
            }).find("not base64 of a ssh-rsa key"),
            std::string::npos);
}

}  // namespace
}  // namespace drover::agents::cluster
