#include "core/deploy/graph.hpp"

#include <algorithm>
#include <map>

namespace drover::deploy {
namespace {

enum class Mark { New, Open, Done };

// Depth-first search from `name`; fills `path` with the cycle when one closes.
bool closesCycle(const Deployment& deployment, const std::string& name,
                 std::map<std::string, Mark>& marks, std::vector<std::string>& path) {
  marks[name] = Mark::Open;
  path.push_back(name);
  const Pool* pool = deployment.pool(name);
  for (const auto& next : pool == nullptr ? std::vector<std::string>{} : pool->requires_) {
    if (marks[next] == Mark::Open) {
      path.erase(path.begin(), std::find(path.begin(), path.end(), next));
      path.push_back(next);
      return true;
    }
    if (marks[next] == Mark::New && closesCycle(deployment, next, marks, path)) return true;
  }
  marks[name] = Mark::Done;
  path.pop_back();
  return false;
}

std::size_t fileIndex(const Deployment& deployment, const std::string& name) {
  for (std::size_t i = 0; i < deployment.pools.size(); ++i) {
    if (deployment.pools[i].name == name) return i;
  }
  return deployment.pools.size();
}

// The same cycle starting (and ending) at its pool that comes first in the file.
std::vector<std::string> rotated(const Deployment& deployment, std::vector<std::string> cycle) {
  cycle.pop_back();
  auto first = std::min_element(cycle.begin(), cycle.end(), [&](const auto& a, const auto& b) {
    return fileIndex(deployment, a) < fileIndex(deployment, b);
  });
  std::rotate(cycle.begin(), first, cycle.end());
  cycle.push_back(cycle.front());
  return cycle;
}

bool ready(const Pool& pool, const std::vector<std::string>& placed) {
  return std::all_of(pool.requires_.begin(), pool.requires_.end(), [&](const std::string& name) {
    return std::find(placed.begin(), placed.end(), name) != placed.end();
  });
}

}  // namespace

std::vector<std::string> findCycle(const Deployment& deployment) {
  std::map<std::string, Mark> marks;
  for (const auto& pool : deployment.pools) {
    std::vector<std::string> path;
    if (marks[pool.name] == Mark::New && closesCycle(deployment, pool.name, marks, path)) {
      return rotated(deployment, path);
    }
  }
  return {};
}

std::vector<std::string> dependencyOrder(const Deployment& deployment) {
  std::vector<std::string> placed;
  bool progress = true;
  while (progress) {
    progress = false;
    for (const auto& pool : deployment.pools) {
      bool done = std::find(placed.begin(), placed.end(), pool.name) != placed.end();
      if (done || !ready(pool, placed)) continue;
      placed.push_back(pool.name);
      progress = true;
      break;  // start again from the top: file order among the pools free to go
    }
  }
  for (const auto& pool : deployment.pools) {
    if (std::find(placed.begin(), placed.end(), pool.name) == placed.end())
      placed.push_back(pool.name);
  }
  return placed;
}

void checkRequirements(Reader& reader, Deployment& deployment) {
  auto cycle = findCycle(deployment);
  if (cycle.empty()) {
    deployment.order = dependencyOrder(deployment);
    return;
  }
  std::string text;
  for (const auto& name : cycle) text += (text.empty() ? "" : " -> ") + name;
  const Pool* first = deployment.pool(cycle.front());
  YAML::Mark mark;
  mark.line = first->line - 1;
  mark.column = first->column - 1;
  reader.problem(mark, (first->instance ? "instances." : "pools.") + first->name,
                 "a cycle of requirements: " + text + " (params, files or after)");
}

}  // namespace drover::deploy
