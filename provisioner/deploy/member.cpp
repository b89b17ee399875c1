#include "provisioner/deploy/member.hpp"

#include <array>
#include <stdexcept>
#include <utility>

namespace drover::provisioner {
namespace {

constexpr std::array<std::pair<MemberPhase, const char*>, 10> kPhases{{
    {MemberPhase::Launching, "launching"},
    {MemberPhase::Booting, "booting"},
    {MemberPhase::Provisioning, "provisioning"},
    {MemberPhase::Wiring, "wiring"},
    {MemberPhase::Waiting, "waiting"},
    {MemberPhase::Files, "files"},
    {MemberPhase::Stages, "stages"},
    {MemberPhase::Done, "done"},
    {MemberPhase::Failed, "failed"},
    {MemberPhase::Stopping, "stopping"},
}};

template <typename T>
T field(const Json& json, const char* key, T fallback) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string(key) + ": " + e.what());
  }
}

}  // namespace

std::string toString(MemberPhase phase) {
  for (const auto& [p, text] : kPhases)
    if (p == phase) return text;
  return "unknown";
}

std::optional<MemberPhase> memberPhaseFrom(const std::string& text) {
  for (const auto& [p, name] : kPhases)
    if (text == name) return p;
  return std::nullopt;
}

void DeploymentMember::recordStage(StageRun run) {
  for (auto& held : stages) {
    if (held.stage == run.stage) {
      held = std::move(run);
      return;
    }
  }
  stages.push_back(std::move(run));
}

bool DeploymentMember::wired() const {
  return phase == MemberPhase::Wiring || phase == MemberPhase::Waiting ||
         phase == MemberPhase::Files || phase == MemberPhase::Stages ||
         phase == MemberPhase::Done || (phase == MemberPhase::Failed && !rootKey.empty());
}

Json toJson(const StageRun& run) {
  return {{"stage", run.stage},
          {"digest", run.digest},
          {"exit_code", run.exitCode},
          {"duration_ms", run.durationMs},
          {"output_tail", run.outputTail},
          {"at_ms", run.atMs}};
}

StageRun stageRunFrom(const Json& json) {
  StageRun run;
  run.stage = field(json, "stage", 0);
  run.digest = field(json, "digest", std::string());
  run.exitCode = field(json, "exit_code", 0);
  run.durationMs = field(json, "duration_ms", std::int64_t{0});
  run.outputTail = field(json, "output_tail", std::string());
  run.atMs = field(json, "at_ms", std::int64_t{0});
  return run;
}

Json toJson(const DeploymentMember& m) {
  Json stages = Json::array();
  for (const auto& run : m.stages) stages.push_back(toJson(run));
  return {{"pool", m.pool},
          {"slot", m.slot},
          {"launcher_id", m.launcherId},
          {"launch", m.launch},
          {"phase", toString(m.phase)},
          {"step", m.step},
          {"waiting_for", m.waitingFor},
          {"error", m.error},
          {"root_key", m.rootKey},
          {"host_keys", m.hostKeys},
          {"stages", stages},
          {"updated_ms", m.updatedMs},
          {"launched_ms", m.launchedMs},
          {"failed_in_flow", m.failedInFlow},
          {"flow", m.flow},
          {"params", m.params}};
}

DeploymentMember deploymentMemberFrom(const std::string& identity, const Json& json) {
  DeploymentMember m;
  m.identity = identity;
  m.deployment = field(json, "deployment", std::string());
  m.pool = field(json, "pool", std::string());
  m.slot = field(json, "slot", 0);
  m.launcherId = field(json, "launcher_id", std::string());
  m.launch = field(json, "launch", Json::object());
  std::string phase = field(json, "phase", std::string());
  auto parsed = memberPhaseFrom(phase);
  if (!parsed) throw std::invalid_argument("phase: unknown phase '" + phase + "'");
  m.phase = *parsed;
  m.step = field(json, "step", std::string());
  m.waitingFor = field(json, "waiting_for", std::vector<std::string>{});
  m.error = field(json, "error", std::string());
  m.rootKey = field(json, "root_key", std::string());
  m.hostKeys = field(json, "host_keys", std::vector<std::string>{});
  for (const auto& run : field(json, "stages", Json::array()))
    m.stages.push_back(stageRunFrom(run));
  m.updatedMs = field(json, "updated_ms", std::int64_t{0});
  m.launchedMs = field(json, "launched_ms", std::int64_t{0});
  m.failedInFlow = field(json, "failed_in_flow", false);
  m.flow = field(json, "flow", std::string());
  m.params = field(json, "params", Json::object());
  if (m.pool.empty()) throw std::invalid_argument("pool: missing");
  return m;
}

Json statusJson(const DeploymentMember& m) {
  Json stages = Json::array();
  for (const auto& run : m.stages) stages.push_back(toJson(run));
  return {{"identity", m.identity},
          {"pool", m.pool},
          {"slot", m.slot},
          {"name", m.name},
          {"fqdn", m.fqdn},
          {"address", m.address},
          {"state", toString(m.phase)},
          {"step", m.step},
          {"waiting_for", m.waitingFor},
          {"error", m.error},
          {"registered", m.registered},
          {"launch", m.launch},
          {"flow", m.flow},
          {"stages", stages}};
}

}  // namespace drover::provisioner
