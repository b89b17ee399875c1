#pragma once
// Parameter references: the names a deployment's templates (pool params, config files)
// may use, in the {{...}} language of core/templating:
//   pools.<pool>.<selector>.<field>   selector: master, slave-N (masterful pools), N
//                                     (iterative pools), * (every member: a list)
//   self.<field>                      the member itself
//   deployment.name
//   params.<key>                      files only: the member's resolved params
// fields: name, fqdn, address, identity, pool, service, facts.<fact> (a fact listed in the
// deployment's `facts:`). A member is found by its NAME (db-master, worker-2), never by
// launch order. checkTemplate refuses, when the file loads, every reference that cannot
// exist: an unknown pool, a selector the pool cannot have (master of an iterative pool,
// slave-N or N at or past its count, N of a masterful pool), an unknown field, a fact not
// chosen, a bad template.
#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/deploy/deployment.hpp"

namespace drover::deploy {

enum class TemplateKind { Params, File };

/// One pool reference: pools.<pool>.<selector>.<field>.
struct Reference {
  std::string pool;
  std::string selector;
  std::string field;  // "address", "facts.os.family"
};

/// pools.<pool>.<selector>.<field> split up; nullopt for any other path.
std::optional<Reference> poolReference(const std::string& path);

struct TemplateCheck {
  struct Problem {
    std::size_t offset;  // of the expression in the text
    std::string what;
  };
  std::vector<Problem> problems;
  std::set<std::string> pools;  // pools the text references (every valid pools.<pool>...)
};

/// Checks `text` against `deployment`'s pools and facts. `owner` is the pool whose params
/// a file may name (params.<key>); Params templates cannot name params.
TemplateCheck checkTemplate(const std::string& text, const Deployment& deployment,
                            const Pool* owner, TemplateKind kind);

/// Every template string inside `value` (objects and arrays walked), with its key path.
void forEachString(const Json& value, const std::string& key,
                   const std::function<void(const std::string& key, const std::string& text)>& fn);

}  // namespace drover::deploy
