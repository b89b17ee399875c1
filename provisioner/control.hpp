#pragma once
// The `provisioner` agent: how `drover provision` talks to a running provisioner.
//
// The provisioner answers requests for agent `provisioner` the way a node answers its
// agents: on `<collective>.broadcast.agent.provisioner` (every provisioner answers,
// so `drover provision status` shows each of an HA pair) and on its own node topic
// `<collective>.node.<identity>`; replies are ordinary reply envelopes. Actions:
//   status                  counts, masters and every node's state (at most kMaxNodes)
//   history {node, limit}   one node's record and its attempts, oldest first
//   retry {node}            resume a failed, held or claimed-elsewhere node (or end a backoff)
//   hold {node}             stop a node at its next step boundary and release its claim
//   metrics                 the counters as JSON
//   names {service}         every name held or reserved (only a service's when given)
//   name_show {name}        a name's (alias's, node's) holding and history
//   name_release {name, dry_run}          free a name now (admin)
//   name_promote {node, dry_run}          make a slave its service's master (admin)
//   name_reserve {name, node, dry_run}    hold a name for a node that is coming (admin)
//   deploy_put_blob {digest, size, offset, data}   a chunk of a bundle or file (admin)
//   deploy_up {file, text, blobs, files}           launch and drive a deployment (admin)
//   deploy_status {name}, deploy_list {}           what each member does
//   deploy_wait {name, version, timeout_ms}        the status once it differs from `version`
//                                                  (the daemon parks the request until then)
//   deploy_down {name}                             stop every member, release names (admin)
// The name_* commands answer {changes, applied}; a refused one is status Aborted saying why.
// A node this provisioner does not know gets status Aborted with a message saying so.
#include "core/envelope/envelope.hpp"
#include "provisioner/deploy/deployment_keeper.hpp"
#include "provisioner/engine.hpp"
#include "provisioner/name_keeper.hpp"

namespace drover::provisioner {

inline constexpr const char* kControlAgent = "provisioner";

class Control {
 public:
  static constexpr std::size_t kMaxNodes = 5000;

  Control(Engine& engine, NameKeeper& names, DeploymentKeeper& deployments, Store& store,
          Metrics& metrics, std::string identity)
      : engine_(engine),
        names_(names),
        deployments_(deployments),
        store_(store),
        metrics_(metrics),
        identity_(std::move(identity)) {}

  /// Whether anyone verified may ask `action` (the others are for admins).
  static bool readOnly(const std::string& action);

  /// The reply to one request for the provisioner agent. Never throws.
  envelope::Envelope handle(const envelope::Envelope& request) noexcept;

 private:
  envelope::Envelope run(const envelope::Envelope& request);
  /// names, name_*: std::nullopt when `action` is not one of them.
  std::optional<Json> runNames(const envelope::Envelope& request, const std::string& by);
  /// deploy_*: std::nullopt when `action` is not one of them.
  std::optional<Json> runDeployments(const envelope::Envelope& request, const std::string& by);

  Engine& engine_;
  NameKeeper& names_;
  DeploymentKeeper& deployments_;
  Store& store_;
  Metrics& metrics_;
  std::string identity_;
};

}  // namespace drover::provisioner
