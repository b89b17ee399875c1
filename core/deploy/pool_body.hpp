#pragma once
// The keys a pool shares with `defaults:` (flow, launcher, volumes, stages, params,
// stage_timeout), read and checked, and how a pool's own keys merge over the defaults:
// launcher and params key by key, the others replaced whole.
// Internal to the loader.
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/deploy/deployment.hpp"
#include "core/deploy/reader.hpp"

namespace drover::deploy {

struct PoolBody {
  std::optional<std::string> flow;
  std::string flowWhere;  // FILE:LINE:COLUMN: KEY of flow
  std::optional<Json> launcher;
  std::optional<std::vector<Volume>> volumes;
  std::optional<std::vector<Stage>> stages;
  Json params = Json::object();
  std::map<std::string, std::set<std::string>> paramPools;  // param key -> pools it names
  std::optional<std::chrono::milliseconds> stageTimeout;
};

inline const std::vector<std::string> kBodyKeys{"flow",   "launcher", "volumes",
                                                "stages", "params",   "stage_timeout"};

/// Reads the body keys of `map` (other keys are the caller's). Templates in params are
/// checked against `deployment`'s pools (already read) and facts.
PoolBody readBody(Reader& reader, const YAML::Node& map, const std::string& prefix,
                  const Deployment& deployment, const FileSource& source);

/// `own` over `defaults` into `pool` (the deployment's flow when neither names one); the
/// pools its params name go into requires_.
void mergeBody(Pool& pool, const PoolBody& defaults, const PoolBody& own);

}  // namespace drover::deploy
