#pragma once
// A cluster agent (behind ddl/cluster.json) over a node root in a temporary directory,
// and bundles made with the real tar.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agents/cluster/cluster_agent.hpp"
#include "testing/process.hpp"

namespace drover::agents::cluster {

/// One file of a bundle: its name in the tar, its text and mode.
struct BundleFile {
  std::string name;
  std::string content;
  unsigned mode = 0644;
};

/// A tar of `files` (made in a temporary directory with the real tar; `tarArgs` go
/// before the member names, which are the files' names).
std::string makeBundle(const std::vector<BundleFile>& files,
                       const std::vector<std::string>& tarArgs = {});

/// A bundle whose bootstrap.sh runs `script` (a POSIX sh body).
std::string scriptBundle(const std::string& script);

class ClusterTest : public ::testing::Test {
 protected:
  ClusterTest() { restart(); }

  /// A new agent over the same root, as after a droverd restart.
  void restart();

  Reply call(const std::string& action, Json args = Json::object());
  /// The reply's data; fails the test (naming the message) unless it is OK.
  Json ok(const std::string& action, Json args = Json::object());
  /// The reply's status message; fails the test unless it is InvalidData.
  std::string refused(const std::string& action, Json args);

  /// Sends `bundle` with put_chunk in chunks of at most 512 KiB; returns its digest.
  std::string upload(const std::string& bundle);

  Json runStage(std::int64_t stage, const std::string& digest, Json extra = Json::object());

  std::filesystem::path root() const { return root_.path(); }

  testing::TempDir root_;
  std::unique_ptr<ClusterAgent> agent_;
};

}  // namespace drover::agents::cluster
