#pragma once
// The seam between the provisioning state machine and the bus: the engine hands every
// agent call to a StepExecutor. BusExecutor (bus_executor.hpp) sends it over the broker;
// tests pass a fake that answers in memory.
#include <chrono>
#include <string>
#include <vector>

#include "core/envelope/envelope.hpp"
#include "core/util/json.hpp"

namespace drover::provisioner {

struct CallRequest {
  std::string agent;
  std::string action;
  Json args = Json::object();
  std::vector<std::string> nodes;  // addressed directly
  std::chrono::milliseconds timeout{10000};
  // Accept replies with neither signature nor certificate: only while a node enrols
  // (it has no key yet). Forged or untrusted signatures are refused all the same.
  bool acceptUnsigned = false;
};

struct CallReply {
  std::string node;
  bool replied = false;  // false: silence until the timeout, or the call could not be sent
  envelope::Status status;
  Json data = Json::object();
  std::string requestId;      // id of the request answered (an enrolment proof covers it)
  bool verified = false;      // signed by the node's valid certificate
  envelope::Timing timing{};  // what the node says its action took (zero: not said)

  /// "ok", "failed" (a reply that is not OK) or "no_reply", as flow outcome rules name them.
  std::string outcome() const {
    if (!replied) return "no_reply";
    return status.ok() ? "ok" : "failed";
  }
};

class StepExecutor {
 public:
  virtual ~StepExecutor() = default;
  /// Runs one call and waits for it: one CallReply per node of the request, in its
  /// order. Thread safe: the engine calls it from many threads at once. Never throws;
  /// a call that cannot be sent comes back as replied=false with a message.
  virtual std::vector<CallReply> call(const CallRequest& request) = 0;
};

}  // namespace drover::provisioner
