// Fuzz target for the deployment file loader, deploy::parseDeployment
// (etc/deployments/shop.yaml), with a given source holding two bundles and one config
// file. A rejected file must be a DeploymentError whose every problem names the file
// first; a deployment that loads has pools in an order that lists each once with every
// pool after those it requires, no cycle, counts in range, and its parameters resolve
// (or say what they miss) over an empty and a full cluster view without throwing.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "core/deploy/deployment.hpp"
#include "core/deploy/graph.hpp"
#include "core/deploy/resolve.hpp"
#include "core/templating/template.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace drover;
using namespace drover::deploy;

constexpr const char* kFile = "shop.yaml";

const FileSource& source() {
  static const auto given =
      givenSource({{"bundles/base.tar", {"sha256:" + std::string(64, 'a'), 2048}},
                   {"bundles/app.tar", {"sha256:" + std::string(64, 'b'), 4096}}},
                  {{"files/app/app.conf", "db_host={{params.db_host}}\n"}});
  return *given;
}

void checkProblems(const DeploymentError& e) {
  if (e.problems().empty()) fuzz::violated("a refusal lists a problem", e.what());
  for (const auto& problem : e.problems()) {
    if (problem.rfind(std::string(kFile) + ":", 0) != 0 && problem.rfind("files/", 0) != 0)
      fuzz::violated("every problem names its file first", problem);
  }
}

void checkOrder(const Deployment& d) {
  if (d.pools.empty()) fuzz::violated("a loaded deployment has a pool");
  if (!findCycle(d).empty()) fuzz::violated("a loaded deployment has no cycle");
  std::set<std::string> seen;
  for (const auto& name : d.order) {
    const Pool* pool = d.pool(name);
    if (!pool || !seen.insert(name).second) fuzz::violated("order lists each pool once", name);
    if (pool->count < 0 || pool->count > kMaxCount) fuzz::violated("count in range", name);
    for (const auto& required : pool->requires_)
      if (required != name && !seen.count(required))
        fuzz::violated("a pool comes after the pools it requires", name + " " + required);
  }
  if (seen.size() != d.pools.size()) fuzz::violated("order lists every pool");
}

// Every member of every pool, named and registered.
ClusterView fullView(const Deployment& d) {
  ClusterView view;
  for (const auto& pool : d.pools) {
    for (int n = 0; n < std::min(pool.count, 20); ++n) {
      std::string name = pool.memberName(n);
      view.push_back({d.name + "-" + pool.name + "-" + std::to_string(n), pool.name, pool.service,
                      name, name + ".example", "10.0.0." + std::to_string(n + 2),
                      Json{{"ipaddress", "10.0.0.9"}}, true});
    }
  }
  return view;
}

void checkResolution(const Deployment& d) {
  ClusterView full = fullView(d);
  for (const auto& pool : d.pools) {
    Member self{d.name + "-" + pool.name + "-0",
                pool.name,
                pool.service,
                pool.memberName(0),
                "",
                "10.0.0.2",
                Json::object(),
                true};
    Resolution none = resolveParams(d, pool, self, {});
    Resolution all = resolveParams(d, pool, self, full);
    for (const auto& file : pool.files) {
      try {
        renderFile(d, file, self, full, all.params);
      } catch (const templating::Error&) {
        // Documented: a path below a param whose value is a template. Never a literal one.
      }
    }
    (void)none;
  }
  (void)clusterFacts(full);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Deployment d;
  try {
    d = parseDeployment(std::string(fuzz::asText(data, size)), kFile, source());
  } catch (const DeploymentError& e) {
    checkProblems(e);
    return 0;
  }
  checkOrder(d);
  checkResolution(d);
  return 0;
}
