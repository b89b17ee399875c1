#include "provisioner/masters.hpp"

#include <tuple>

#include "core/templating/template.hpp"

namespace drover::provisioner {

std::size_t matchRank(const Json& nodeFacts, const Json& masterFacts,
                      const std::vector<std::string>& factOrder) {
  for (std::size_t i = 0; i < factOrder.size(); ++i) {
    const Json* mine = templating::lookupPath(nodeFacts, factOrder[i]);
    if (mine == nullptr || mine->is_null()) continue;
    const Json* theirs = templating::lookupPath(masterFacts, factOrder[i]);
    if (theirs != nullptr && *theirs == *mine) return i;
  }
  return factOrder.size();
}

std::optional<std::string> selectMaster(const Json& nodeFacts,
                                        const std::vector<MasterCandidate>& candidates,
                                        const std::vector<std::string>& factOrder) {
  const MasterCandidate* best = nullptr;
  std::size_t bestRank = 0;
  for (const auto& candidate : candidates) {
    std::size_t rank = matchRank(nodeFacts, candidate.facts, factOrder);
    if (best == nullptr || std::tie(rank, candidate.inFlight, candidate.identity) <
                               std::tie(bestRank, best->inFlight, best->identity)) {
      best = &candidate;
      bestRank = rank;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->identity;
}

void MasterDirectory::seen(const std::string& identity, Json facts, std::int64_t nowMs) {
  MasterState& master = masters_[identity];
  master.identity = identity;
  master.facts = std::move(facts);
  master.lastSeenMs = nowMs;
}

void MasterDirectory::answered(const std::string& identity) {
  auto it = masters_.find(identity);
  if (it != masters_.end()) it->second.failures = 0;
}

void MasterDirectory::failed(const std::string& identity, std::int64_t nowMs) {
  auto it = masters_.find(identity);
  if (it == masters_.end()) return;
  ++it->second.failures;
  it->second.lastFailureMs = nowMs;
}

bool MasterDirectory::healthy(const MasterState& master, std::int64_t nowMs) const {
  if (nowMs - master.lastSeenMs > heartbeatAgeMs_) return false;
  // A failing master gets another chance once it has been left alone for a while.
  return master.failures < failureLimit_ || nowMs - master.lastFailureMs > heartbeatAgeMs_;
}

bool MasterDirectory::healthy(const std::string& identity, std::int64_t nowMs) const {
  auto it = masters_.find(identity);
  return it != masters_.end() && healthy(it->second, nowMs);
}

std::vector<MasterCandidate> MasterDirectory::candidates(std::int64_t nowMs) const {
  std::vector<MasterCandidate> out;
  for (const auto& [name, master] : masters_) {
    if (healthy(master, nowMs)) out.push_back({name, master.facts, master.inFlight});
  }
  return out;
}

const MasterState* MasterDirectory::find(const std::string& identity) const {
  auto it = masters_.find(identity);
  return it == masters_.end() ? nullptr : &it->second;
}

void MasterDirectory::addInFlight(const std::string& identity, int delta) {
  masters_[identity].identity = identity;
  masters_[identity].inFlight += delta;
}

int MasterDirectory::inFlight(const std::string& identity) const {
  auto it = masters_.find(identity);
  return it == masters_.end() ? 0 : it->second.inFlight;
}

}  // namespace drover::provisioner
