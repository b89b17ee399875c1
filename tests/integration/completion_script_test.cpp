// etc/bash_completion/drover in a real bash against the real drover: a command that met
// the nodes (find, inventory) leaves what the next TAB offers.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

using ::testing::ElementsAre;

class CompletionScript : public FleetSuite {
 protected:
  static void SetUpTestSuite() { startFleet({}); }

  // COMPREPLY for a command line ending at the cursor; `words` as bash splits it
  // (COMP_WORDBREAKS cuts at '=').
  std::vector<std::string> complete(const std::string& line,
                                    const std::vector<std::string>& words) {
    std::string script = "source " DROVER_SOURCE_DIR
                         "/etc/bash_completion/drover\n"
                         "COMP_LINE=\"$1\"; COMP_POINT=${#COMP_LINE}; shift\n"
                         "COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                         "_drover; printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    std::vector<std::string> argv{"/bin/bash", "-c", script, "bash", line};
    argv.insert(argv.end(), words.begin(), words.end());
    std::string out = testing::runChecked(argv);
    std::vector<std::string> replies;
    for (std::size_t at = 0, end; (end = out.find('\n', at)) != std::string::npos; at = end + 1) {
      if (end > at) replies.push_back(out.substr(at, end - at));
    }
    return replies;
  }
};

TEST_F(CompletionScript, NodesAndFactsMetByEarlierCommandsComplete) {
  NodeSpec spec;
  spec.identity = "complete-web-1";
  spec.facts = "region: eu-west-1\nos:\n  family: Debian\n";
  fleet().addNode(spec);
  // The script runs the drover named on the line, as a user's shell does.
  std::string prog = testing::binary("drover").string();
  std::string config = fleet().clientConfig().string();
  auto line = [&](const std::string& rest) { return prog + " --config " + config + " " + rest; };
  auto split = [&](std::vector<std::string> rest) {
    std::vector<std::string> words{prog, "--config", config};
    words.insert(words.end(), rest.begin(), rest.end());
    return words;
  };

  EXPECT_THAT(complete(line("inventory comp"), split({"inventory", "comp"})), ::testing::IsEmpty());
  Result find = fleet().drover({"find", "-F", "region=eu-west-1"});
  ASSERT_EQ(find.exitCode, 0) << find;
  EXPECT_THAT(complete(line("inventory comp"), split({"inventory", "comp"})),
              ElementsAre("complete-web-1"));

  Result inventory = fleet().drover({"inventory", "complete-web-1"});
  ASSERT_EQ(inventory.exitCode, 0) << inventory;
  EXPECT_THAT(complete(line("find -F os.fa"), split({"find", "-F", "os.fa"})),
              ElementsAre("os.family="));
  // bash's word is what follows '=': the candidates are cut to it.
  EXPECT_THAT(complete(line("find -F os.family=De"), split({"find", "-F", "os.family", "=", "De"})),
              ElementsAre("Debian"));
  EXPECT_THAT(complete(line("rpc rpcutil get_fact f"), split({"rpc", "rpcutil", "get_fact", "f"})),
              ElementsAre("fact="));
}

}  // namespace
}  // namespace drover::integration
