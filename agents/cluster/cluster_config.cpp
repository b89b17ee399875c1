#include "agents/cluster/cluster_config.hpp"

#include <climits>

namespace drover::agents::cluster {
namespace {

config::Check absolutePath() {
  return {"an absolute path", [](const std::string& v) { return !v.empty() && v.front() == '/'; }};
}

config::Check program() {
  return {"a program name or path", [](const std::string& v) { return !v.empty(); }};
}

config::Table<ClusterConfig> makeTable() {
  config::Table<ClusterConfig> t;
  t.add("cluster.state_dir", &ClusterConfig::stateDir,
        "Where deployments' bundles, stages and records are kept (under root)")
      .checkedBy(absolutePath());
  t.add("cluster.max_bundle_size", &ClusterConfig::maxBundleSize,
        "Largest bundle (bytes) put_chunk accepts")
      .between(1, INT_MAX);
  t.add("cluster.ssh_keygen", &ClusterConfig::sshKeygen,
        "The ssh-keygen program that makes the root and host keys")
      .checkedBy(program());
  return t;
}

}  // namespace

const config::Table<ClusterConfig>& ClusterConfig::table() {
  static const config::Table<ClusterConfig> kTable = makeTable();
  return kTable;
}

}  // namespace drover::agents::cluster
