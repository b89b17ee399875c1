#include "tests/unit/agents/cluster/cluster_fixture.hpp"

#include <algorithm>

#include "core/ddl/loader.hpp"
#include "core/util/base64.hpp"
#include "core/util/blob_store.hpp"
#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"

namespace drover::agents::cluster {

namespace fs = std::filesystem;

std::string makeBundle(const std::vector<BundleFile>& files,
                       const std::vector<std::string>& tarArgs) {
  testing::TempDir source;
  std::vector<std::string> argv{
      "tar", "-c", "-f", (source / "bundle.tar").string(), "-C", (source / "files").string()};
  argv.insert(argv.end(), tarArgs.begin(), tarArgs.end());
  for (const auto& file : files) {
    fs::path path = source / "files" / file.name;
    fs::create_directories(path.parent_path());
    util::writeFileAtomically(path, file.content, file.mode);
    fs::permissions(path, static_cast<fs::perms>(file.mode));
    argv.push_back(file.name);
  }
  auto made = util::runProcess(argv, "", std::chrono::seconds(60));
  EXPECT_EQ(made.exitCode, 0) << made.err;
  return util::readFile(source / "bundle.tar");
}

std::string scriptBundle(const std::string& script) {
  return makeBundle({{"bootstrap.sh", "#!/bin/sh\n" + script, 0755}});
}

void ClusterTest::restart() {
  agent_.reset();
  ClusterSettings settings;
  settings.root = root_.path();
  settings.config.maxBundleSize = 8 << 20;
  agent_ = std::make_unique<ClusterAgent>(
      ddl::loadFile(fs::path(DROVER_SOURCE_DIR) / "ddl/cluster.json"), settings);
}

Reply ClusterTest::call(const std::string& action, Json args) {
  Request request;
  request.action = action;
  request.callerRole = "provisioner";
  request.args = std::move(args);
  request.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  return agent_->handle(request);
}

Json ClusterTest::ok(const std::string& action, Json args) {
  Reply reply = call(action, std::move(args));
  EXPECT_TRUE(reply.status.ok()) << action << ": " << reply.status.message;
  return reply.data;
}

std::string ClusterTest::refused(const std::string& action, Json args) {
  Reply reply = call(action, std::move(args));
  EXPECT_EQ(reply.status.code, envelope::StatusCode::InvalidData) << reply.status.message;
  return reply.status.message;
}

std::string ClusterTest::upload(const std::string& bundle) {
  std::string digest = util::sha256Digest(bundle);
  for (std::size_t offset = 0; offset < bundle.size() || offset == 0;
       offset += util::kMaxChunkBytes) {
    std::string chunk = bundle.substr(offset, util::kMaxChunkBytes);
    Json held = ok("put_chunk", {{"digest", digest},
                                 {"size", bundle.size()},
                                 {"offset", offset},
                                 {"data", util::encodeBase64(chunk)}});
    EXPECT_EQ(held["held"], std::min(bundle.size(), offset + chunk.size()));
    if (bundle.empty()) break;
  }
  return digest;
}

Json ClusterTest::runStage(std::int64_t stage, const std::string& digest, Json extra) {
  Json args = {{"stage", stage}, {"digest", digest}, {"deployment", "shop"}};
  args.update(extra);
  return ok("run_stage", args);
}

}  // namespace drover::agents::cluster
