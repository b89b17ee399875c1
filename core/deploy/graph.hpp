#pragma once
// The requirements graph of a deployment: pool A requires pool B when A's params or
// config files reference B, or A lists B in `after` (Pool::requires_; a pool naming its
// own members is no requirement). A cycle among distinct pools can never be satisfied:
// the loader refuses it, naming the cycle (`app -> db -> app`) at its first pool's line.
#include <string>
#include <vector>

#include "core/deploy/deployment.hpp"
#include "core/deploy/reader.hpp"

namespace drover::deploy {

/// A cycle as pool names, its first pool (in file order) first and again last
/// ({app, db, app}); empty when there is none.
std::vector<std::string> findCycle(const Deployment& deployment);

/// Pool names, each after every pool it requires; file order among pools free to go.
/// Pools on a cycle come last, in file order.
std::vector<std::string> dependencyOrder(const Deployment& deployment);

/// Records a cycle in `reader`, else sets deployment.order. Internal to the loader.
void checkRequirements(Reader& reader, Deployment& deployment);

}  // namespace drover::deploy
