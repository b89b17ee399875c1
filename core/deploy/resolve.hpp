#pragma once
// Runtime resolution of a deployment's templates over the cluster view: the members the
// provisioner knows, each {identity, pool, service, name ("" until named), fqdn, address
// ("" until registered), facts (the chosen ones), registered}. Pure functions.
//
// A reference is missing when no member of the view holds the name it points at
// (pools.db.master -> db-master, by NAME, never by launch order), or that member is not
// registered, or it lacks the field (an empty string or an absent fact). A wildcard
// (pools.worker.*) covers the names of the pool's count (worker-0 .. worker-<count-1>) and
// is missing while any of them is. Missing references are named `<name>.<field>`
// (`db-master.address`, `worker-*.name`). Every reference of a template is waited for,
// alternatives (`||`) included, so a rendered value never depends on which peer came first.
#include <string>
#include <vector>

#include "core/deploy/deployment.hpp"

namespace drover::deploy {

struct Member {
  std::string identity;
  std::string pool;
  std::string service;
  std::string name;
  std::string fqdn;
  std::string address;
  Json facts = Json::object();
  bool registered = false;
};
using ClusterView = std::vector<Member>;

/// The params of a member, or what they wait for.
struct Resolution {
  Json params = Json::object();      // every value rendered (set when missing is empty)
  std::vector<std::string> missing;  // sorted, each once
  bool ready() const { return missing.empty(); }
};

/// Renders `pool`'s params for `self`: each string rendered, a string that is one whole
/// expression keeping the value's type.
Resolution resolveParams(const Deployment& deployment, const Pool& pool, const Member& self,
                         const ClusterView& view);

/// A config file's text for `self`, with `params` (the member's resolved params).
/// Throws templating::Error when the file names a path below a param that the rendered
/// value does not have (parsing checked it only for params given literally).
struct RenderedFile {
  std::string text;  // set when missing is empty
  std::vector<std::string> missing;
};
RenderedFile renderFile(const Deployment& deployment, const FileSpec& file, const Member& self,
                        const ClusterView& view, const Json& params);

/// {NAME: {name, fqdn, address, identity, pool, service, facts}} for every named,
/// registered member (the contents of /etc/drover/cluster_facts.json).
Json clusterFacts(const ClusterView& view);

/// The chosen facts of a node's full facts: {"os.family": "Debian", ...}, each name as
/// listed in `facts:`, absent facts left out.
Json chosenFacts(const std::vector<std::string>& names, const Json& facts);

}  // namespace drover::deploy
