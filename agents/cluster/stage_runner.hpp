#pragma once
// One stage of a deployment's bootstrap: a bundle (a tar file holding an executable
// bootstrap.sh at its top) unpacked into an emptied directory and run there, without a
// shell, as the node's user (root), with an environment made only of what the stage is
// told (stageEnvironment), killed at its timeout, stdout and stderr merged and the
// last kOutputTailBytes kept.
//
// Unpacking refuses a bundle with a member that would land outside the directory (an
// absolute name or a ".." component), before anything is written; GNU tar (no -P) then
// also keeps links from leading writes out of it.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.hpp"

namespace drover::agents::cluster {

inline constexpr std::size_t kOutputTailBytes = 4096;
inline constexpr std::size_t kMaxBundleMembers = 100000;

/// What a stage is told, besides its params.
struct StageContext {
  std::int64_t stage = 0;
  std::string deployment;
  std::string name;                  // the node's hostname
  std::filesystem::path home;        // <root>/root
  std::filesystem::path factsFile;   // the cluster facts file
  std::filesystem::path paramsFile;  // <state_dir>/params-N.json
};

/// One run_stage request, checked.
struct StageRun {
  StageContext context;
  std::string digest;
  std::vector<std::string> args;
  Json params = Json::object();
  std::vector<std::string> environment;  // stageEnvironment(context, params)
  std::chrono::milliseconds timeout{0};  // as asked; run_stage cuts it to the deadline
};

struct StageOutcome {
  int exitCode = -1;  // 128 + signal when a signal ended it (as a shell reports)
  bool timedOut = false;
  std::int64_t durationMs = 0;
  std::string outputTail;
};

/// "" when a member named `name` stays inside the directory it is unpacked into, else why.
std::string checkMemberName(std::string_view name);

/// The environment of a stage: PATH, HOME, DROVER_CLUSTER_FACTS, DROVER_PARAMS,
/// DROVER_STAGE, DROVER_DEPLOYMENT, DROVER_NAME and DROVER_PARAM_<KEY> for each param
/// (the key upper-cased, each character but a letter or digit made '_'; a string as it
/// is, any other value as JSON). Throws ActionError(InvalidData) for a key that is empty
/// or longer than 128 bytes, a value holding a NUL byte, or two keys that give one name.
std::vector<std::string> stageEnvironment(const StageContext& context, const Json& params);

/// Empties `dir` and unpacks `bundle` into it. Throws ActionError: InvalidData naming
/// the member that would escape, or when tar cannot read the bundle; Aborted when tar
/// fails while unpacking.
void unpackBundle(const std::filesystem::path& bundle, const std::filesystem::path& dir);

/// Runs <dir>/bootstrap.sh with `args`, in `dir`. Throws ActionError(InvalidData) when
/// bootstrap.sh is not an executable regular file there.
StageOutcome runBootstrap(const std::filesystem::path& dir, const std::vector<std::string>& args,
                          const std::vector<std::string>& environment,
                          std::chrono::milliseconds timeout);

}  // namespace drover::agents::cluster
