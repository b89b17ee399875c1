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
// A node this provisioner does not know gets status Aborted with a message saying so.
#include "core/envelope/envelope.hpp"
#include "provisioner/engine.hpp"

namespace drover::provisioner {

inline constexpr const char* kControlAgent = "provisioner";

class Control {
 public:
  static constexpr std::size_t kMaxNodes = 5000;

  Control(Engine& engine, Store& store, Metrics& metrics, std::string identity)
      : engine_(engine), store_(store), metrics_(metrics), identity_(std::move(identity)) {}

  /// The reply to one request for the provisioner agent. Never throws.
  envelope::Envelope handle(const envelope::Envelope& request) noexcept;

 private:
  envelope::Envelope run(const envelope::Envelope& request);

  Engine& engine_;
  Store& store_;
  Metrics& metrics_;
  std::string identity_;
};

}  // namespace drover::provisioner
