#include "bench/fleet/sim_facts.hpp"

#include <fmt/format.h>

namespace drover::bench {

std::string simIdentity(std::string_view prefix, std::size_t index) {
  return fmt::format("{}-{:04}", prefix, index);
}

std::size_t simShardSize(std::size_t nodes, std::size_t shard) {
  return nodes > shard ? (nodes - shard - 1) / kSimShards + 1 : 0;
}

Json simFacts(const std::string& identity, std::size_t index) {
  constexpr std::size_t kRegions = std::size(kSimRegions);
  return Json{{"identity", identity},
              {"hostname", identity},
              {"region", std::string(kSimRegions[index % kRegions])},
              {"role", index % 2 == 0 ? "web" : "db"},
              {"shard", index % kSimShards},
              {"index", index},
              {"simulated", true}};
}

}  // namespace drover::bench
