#pragma once
// Loading deployment texts in tests: a given source with two bundles and chosen files,
// and the problems a text raises.
#include <map>
#include <string>
#include <vector>

#include "core/deploy/deployment.hpp"

namespace drover::deploy::testing {

inline const Blob kBase{"sha256:" + std::string(64, 'a'), 10240};
inline const Blob kApp{"sha256:" + std::string(64, 'b'), 20480};

inline std::map<std::string, Blob> bundles() {
  return {{"bundles/base.tar", kBase}, {"bundles/app.tar", kApp}};
}

inline Deployment load(const std::string& text, std::map<std::string, std::string> files = {}) {
  return parseDeployment(text, "shop.yaml", *givenSource(bundles(), std::move(files)));
}

/// The problems `text` raises (empty when it loads).
inline std::vector<std::string> problems(const std::string& text,
                                         std::map<std::string, std::string> files = {}) {
  try {
    load(text, std::move(files));
  } catch (const DeploymentError& e) {
    return e.problems();
  }
  return {};
}

/// The one problem `text` raises, or a description of how many there were.
inline std::string problem(const std::string& text, std::map<std::string, std::string> files = {}) {
  auto found = problems(text, std::move(files));
  if (found.size() == 1) return found.front();
  std::string all = std::to_string(found.size()) + " problems:";
  for (const auto& line : found) all += "\n" + line;
  return all;
}

}  // namespace drover::deploy::testing
