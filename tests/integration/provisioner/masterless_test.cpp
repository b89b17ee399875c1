// The shipped masterless flow (etc/flows/masterless.yaml) end to end: a real broker, a
// real drover-provisioner with node_data_dir, and a real droverd whose Puppet lives under
// its own root, running the real `puppet apply`. Three layers of Hiera data reach one
// file the node's manifest manages:
//   the image's <confdir>/data/common.yaml     greeting, colour, site
//   the provisioner's node data common.yaml    site               (over the image)
//   the provisioner's node data <node>.yaml    greeting           (over both)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "tests/integration/provisioner/provisioner_it.hpp"
#include "tests/support/puppet_master.hpp"

namespace drover::integration {
namespace {

constexpr const char* kNode = "ml-node-1.example";

fs::path masterlessFlow() { return fs::path(DROVER_SOURCE_DIR) / "etc/flows/masterless.yaml"; }

// A node image: Puppet's settings under `root`, the image's Hiera defaults, and a
// production environment whose manifest writes three looked-up values to <root>/var/motd.
void writeImage(const fs::path& root) {
  fs::create_directories(root / "etc");
  util::writeFileAtomically(root / "etc/hosts", "127.0.0.1 localhost\n");
  const fs::path confdir = testing::writeNodePuppetConfig(root, {}, {{"certname", kNode}});
  fs::create_directories(confdir / "data");
  util::writeFileAtomically(confdir / "data/common.yaml",
                            "drover_test::greeting: \"image greeting\"\n"
                            "drover_test::colour: \"grey\"\n"
                            "drover_test::site: \"image site\"\n");
  const fs::path manifests = confdir / "code/environments/production/manifests";
  fs::create_directories(manifests);
  util::writeFileAtomically(manifests / "site.pp",
                            "file { '" + (root / "var/motd").string() +
                                "':\n"
                                "  content => \"greeting=${lookup('drover_test::greeting')}\\n"
                                "colour=${lookup('drover_test::colour')}\\n"
                                "site=${lookup('drover_test::site')}\\n\",\n"
                                "}\n");
}

TEST(MasterlessFlow, PuppetApplyLayersNodeDataOverTheImageDefaults) {
  testing::TempDir root;
  testing::TempDir data;
  writeImage(root.path());
  data.write("common.yaml", "drover_test::site: \"fleet site\"\n");
  data.write(std::string(kNode) + ".yaml", "drover_test::greeting: \"hello from node data\"\n");

  Fleet fleet;
  NodeSpec node;
  node.identity = kNode;
  node.facts = "region: eu\n";
  node.extraArgs = {"--root",      root.path().string(), "--puppet-confdir",
                    "/etc/puppet", "--hosts-file",       "/etc/hosts"};
  fleet.addNode(node);

  // No master anywhere on the bus: the node must not wait for one.
  Provisioner p(fleet, "prov1.provisioner", {"--node-data-dir", data.path().string()},
                fs::relative(masterlessFlow(), here()).string());
  p.start();
  bool done = testing::waitFor(
      [&] {
        return p.events().find("\"event\":\"provisioned\"") != std::string::npos ||
               p.events().find("\"event\":\"failed\"") != std::string::npos;
      },
      180s);
  ASSERT_TRUE(done) << p.log() << fleet.logs();
  ASSERT_THAT(p.events(), ::testing::HasSubstr("\"event\":\"provisioned\""))
      << p.events() << p.log();

  EXPECT_EQ(readFile(root / "var/motd"),
            "greeting=hello from node data\ncolour=grey\nsite=fleet site\n");
  Json nodeData = Json::parse(readFile(root / "etc/puppet/data/drover-node.json"));
  EXPECT_EQ(nodeData, (Json{{"drover_test::greeting", "hello from node data"},
                            {"drover_test::site", "fleet site"}}));
  Json state = Json::parse(readFile(root / "var/lib/drover/provision.json"));
  ASSERT_TRUE(state["steps"].contains("apply:production")) << state.dump();
  EXPECT_THAT(state["steps"]["apply:production"]["outcome"].get<std::string>(),
              ::testing::AnyOf("changes", "no_changes"));

  Result history = fleet.drover({"provision", "history", kNode});
  EXPECT_THAT(history.out, ::testing::HasSubstr("production_apply")) << history;
  EXPECT_THAT(history.out, ::testing::Not(::testing::HasSubstr("pick_master"))) << history;
}

}  // namespace
}  // namespace drover::integration
