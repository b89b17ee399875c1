// cluster#put_chunk, cluster#run_stage and cluster#stages: bundles in, stages run once
// per digest, their records out.
#include <algorithm>
#include <climits>
#include <set>

#include "agents/cluster/cluster_agent.hpp"
#include "agents/cluster/file_ops.hpp"
#include "agents/cluster/inputs.hpp"
#include "agents/cluster/stage_runner.hpp"
#include "agents/naming/hostname.hpp"
#include "core/log/log.hpp"
#include "core/util/base64.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"

namespace drover::agents::cluster {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const log::Logger logger{"drover.agents.cluster"};

constexpr std::size_t kMaxChunkText = (util::kMaxChunkBytes + 2) / 3 * 4;
constexpr std::size_t kMaxArgs = 64;
constexpr std::size_t kMaxArgBytes = 4096;
constexpr std::size_t kMaxParamsBytes = 64 * 1024;
constexpr std::int64_t kMaxStage = 999;
constexpr std::int64_t kMaxTimeoutSeconds = 86400;

std::string digestInput(const Json& args) {
  std::string digest = stringInput(args, "digest", 128);
  if (std::string why = util::checkDigest(digest); !why.empty()) badInput("digest: " + why);
  return digest;
}

std::vector<std::string> argsInput(const Json& args) {
  const Json& list = arrayInput(args, "args", kMaxArgs);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    out.push_back(stringItem(list[i], "args[" + std::to_string(i) + "]", kMaxArgBytes));
  }
  return out;
}

// The time a stage may run: its timeout, cut to what is left of the request's deadline
// (less a margin for the reply), so the caller still hears how it ended.
milliseconds stageTimeout(const Request& request, milliseconds wanted) {
  if (request.deadline == std::chrono::steady_clock::time_point{}) return wanted;
  auto left = std::chrono::duration_cast<milliseconds>(request.deadline -
                                                       std::chrono::steady_clock::now()) -
              std::chrono::seconds(2);
  return std::clamp(left, milliseconds(1000), wanted);
}

Json recordOf(std::int64_t stage, const std::string& digest, const StageOutcome& outcome,
              std::int64_t startedAt) {
  return {{"stage", stage},
          {"digest", digest},
          {"exit_code", outcome.exitCode},
          {"timed_out", outcome.timedOut},
          {"duration_ms", outcome.durationMs},
          {"output_tail", outcome.outputTail},
          {"started_at", startedAt}};
}

}  // namespace

Reply ClusterAgent::putChunk(const Request& request) {
  const Json& args = request.args;
  std::string digest = digestInput(args);
  auto size = integerInput(args, "size", 0, INT64_MAX);
  auto offset = integerInput(args, "offset", 0, INT64_MAX);
  auto data = util::decodeBase64(stringInput(args, "data", kMaxChunkText));
  if (!data) badInput("data: not base64 (RFC 4648, with padding, no line breaks)");
  try {
    util::BlobProgress progress = blobs_.put(digest, static_cast<std::uint64_t>(size),
                                             static_cast<std::uint64_t>(offset), *data);
    return {{}, {{"held", progress.held}, {"complete", progress.complete}}};
  } catch (const util::BlobError& e) {
    badInput(e.what());
  }
}

Reply ClusterAgent::runStage(const Request& request) {
  StageRun run = stageRun(request);
  auto bundle = blobs_.find(run.digest);
  if (!bundle) {
    badInput("digest: bundle " + run.digest +
             " is not held complete on this node; send it with put_chunk first");
  }
  std::lock_guard lock(stageMutex_);
  Json done = recordedStage(run.context.stage, run.digest);
  if (!done.is_null() && done.value("exit_code", -1) == 0) {
    done["ran"] = false;
    return {{}, done};
  }
  run.timeout = stageTimeout(request, run.timeout);  // after any wait for the stage before
  Json record = runRecorded(run, *bundle);
  record["ran"] = true;
  return {{}, record};
}

StageRun ClusterAgent::stageRun(const Request& request) const {
  const Json& args = request.args;
  StageRun run;
  run.context.stage = integerInput(args, "stage", 0, kMaxStage);
  run.context.deployment = deploymentInput(args);
  run.context.name = naming::currentHostname();
  run.context.home = underRoot("/root");
  run.context.factsFile = factsFile();
  run.context.paramsFile = stateDir() / ("params-" + std::to_string(run.context.stage) + ".json");
  run.digest = digestInput(args);
  run.args = argsInput(args);
  run.params = objectInput(args, "params", kMaxParamsBytes);
  run.environment = stageEnvironment(run.context, run.params);
  run.timeout = std::chrono::seconds(integerInput(args, "timeout", 1, kMaxTimeoutSeconds));
  return run;
}

// Unpacks, runs, and records before anything is answered: a reply lost on the way
// leaves the record for the next run_stage to answer.
Json ClusterAgent::runRecorded(const StageRun& run, const fs::path& bundle) {
  std::int64_t stage = run.context.stage;
  std::int64_t startedAt = util::nowMs();
  fs::path dir = stateDir() / ("stage-" + std::to_string(stage));
  unpackBundle(bundle, dir);
  util::writeFileAtomically(run.context.paramsFile, run.params.dump(2) + "\n", 0600);
  makeDirectory(run.context.home, 0700);  // a fresh root has none; a stage may write there
  StageOutcome outcome = runBootstrap(dir, run.args, run.environment, run.timeout);
  Json record = recordOf(stage, run.digest, outcome, startedAt);
  remember([&](Json& state) { state["stages"][std::to_string(stage)] = record; });
  sweepBundles();
  logger()->info("cluster: stage={} digest={} exit_code={} duration_ms={}{}", stage, run.digest,
                 outcome.exitCode, outcome.durationMs, outcome.timedOut ? " timed out" : "");
  return record;
}

// The bundles of the latest run of each stage stay (a failed one is run again with the
// same bundle); earlier ones go once older than an hour, so a bundle sent for a stage
// not run yet stays too.
void ClusterAgent::sweepBundles() {
  std::set<std::string> keep;
  Json records = state_.read().value("stages", Json::object());  // items() needs it alive
  for (const auto& [unused, record] : records.items()) {
    if (record.is_object()) keep.insert(record.value("digest", ""));
  }
  if (std::size_t removed = blobs_.sweep(keep, std::chrono::hours(1)); removed > 0) {
    logger()->info("cluster: {} bundle(s) no stage runs any more removed", removed);
  }
}

Json ClusterAgent::recordedStage(std::int64_t stage, const std::string& digest) const {
  Json record = state_.read().value("stages", Json::object()).value(std::to_string(stage), Json());
  if (!record.is_object() || record.value("digest", "") != digest) return nullptr;
  return record;
}

Reply ClusterAgent::stages(const Request&) const {
  Json records = state_.read().value("stages", Json::object());
  std::vector<Json> list;
  for (const auto& [unused, record] : records.items()) list.push_back(record);
  std::sort(list.begin(), list.end(),
            [](const Json& a, const Json& b) { return a.value("stage", 0) < b.value("stage", 0); });
  return {{}, {{"stages", list}}};
}

}  // namespace drover::agents::cluster
