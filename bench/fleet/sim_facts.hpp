#pragma once
// The made-up identity and facts of one virtual node of the fleet simulator. They are a
// pure function of the node's index, so a benchmark can predict which nodes a filter
// selects (shard=3 is every tenth node) without asking them.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/util/json.hpp"

namespace drover::bench {

/// Regions the simulated fleet cycles over, by index.
inline constexpr std::string_view kSimRegions[] = {"eu-west-1", "us-east-1", "ap-south-1"};
/// Distinct values of the `shard` fact (index % kSimShards).
inline constexpr std::size_t kSimShards = 10;

/// `PREFIX-NNNN`: the index zero-padded to four digits (wider when it needs more).
std::string simIdentity(std::string_view prefix, std::size_t index);

/// How many of nodes 0..nodes-1 have `shard` == shard.
std::size_t simShardSize(std::size_t nodes, std::size_t shard);

/// Facts of node `index`: identity, hostname, region (cycling), role (web/db
/// alternating), shard (index % 10) and index, all with their natural YAML types.
Json simFacts(const std::string& identity, std::size_t index);

}  // namespace drover::bench
