#pragma once
// Launchers start and stop the members of a deployment: real machines, namespaces on
// this host (local) or anything a program can drive (exec). The provisioner names,
// provisions and wires each member over the bus once it is up; a launcher only makes it
// exist, with its identity and naming declaration, and makes it go away again.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace YAML {
class Node;
}

namespace drover::launchers {

struct Volume {
  std::uint64_t sizeBytes = 0;
  std::string mount;           // absolute path inside the member
  std::string kind = "tmpfs";  // tmpfs | image
};

struct MemberLaunch {
  std::string identity;                   // shop-db-0: the member's bus identity
  std::string pool, service, namingType;  // naming declaration the member starts with
  Json settings = Json::object();         // the pool's `launcher:` object
  std::vector<Volume> volumes;
};

struct Instance {
  std::string id, identity;
  std::string state;              // running | stopped
  Json details = Json::object();  // local: {pid, address, netns, root}
};

/// Every failure of a launcher: the message names the member and the step that failed.
class LaunchError : public std::runtime_error {
  using runtime_error::runtime_error;
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  /// Starts every member; a member that fails is undone and the call throws
  /// LaunchError (members started before it stay up and are listed).
  virtual std::vector<Instance> launch(const std::string& deployment,
                                       const std::vector<MemberLaunch>& members) = 0;
  /// Stops and removes the instances `ids`; an id that is already gone is no error.
  virtual void terminate(const std::string& deployment, const std::vector<std::string>& ids) = 0;
  /// The deployment's instances as they are now (also after the launcher restarted).
  virtual std::vector<Instance> list(const std::string& deployment) = 0;
};

/// The launcher `settings` describes ({type: local|exec, ...}; see README.md).
/// Throws LaunchError naming the key that is missing, unknown or of the wrong type.
std::unique_ptr<Launcher> makeLauncher(const Json& settings);

/// A YAML settings mapping as JSON: booleans, integers and floats typed as YAML reads
/// them, everything else a string. Throws LaunchError for aliases to nothing or tags.
Json settingsFromYaml(const YAML::Node& node);

/// Wire forms of the exec contract ({size, mount, kind} and {id, identity, state, details}).
Json toJson(const Volume& volume);
Json toJson(const MemberLaunch& member);
Json toJson(const Instance& instance);
/// Throws LaunchError naming `where` and the bad field.
Instance instanceFromJson(const Json& json, const std::string& where);

}  // namespace drover::launchers
