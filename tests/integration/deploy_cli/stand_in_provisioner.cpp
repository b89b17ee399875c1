#include "tests/integration/deploy_cli/stand_in_provisioner.hpp"

#include <future>
#include <stdexcept>

#include "core/bus/topics.hpp"
#include "core/security/signing.hpp"

namespace drover::integration {

using namespace std::chrono_literals;

namespace {

constexpr const char* kCollective = "drover";

security::Signer signerFor(Fleet& fleet, const std::string& name) {
  Credentials credentials = fleet.issue(name, security::Role::Provisioner);
  return security::Signer::fromFiles(credentials.key, credentials.cert);
}

}  // namespace

StandInProvisioner::StandInProvisioner(Fleet& fleet, const std::string& name, Script script)
    : name_(name), script_(std::move(script)), signer_(signerFor(fleet, name)) {
  std::promise<std::string> ready;
  auto started = ready.get_future();
  thread_ = std::thread([this, endpoints = fleet.endpoints(), &ready] { serve(endpoints, ready); });
  std::string error = started.get();
  if (!error.empty()) {
    thread_.join();
    throw std::runtime_error(error);
  }
}

StandInProvisioner::~StandInProvisioner() {
  stop_ = true;
  thread_.join();
}

void StandInProvisioner::serve(const bus::Endpoints& endpoints, std::promise<std::string>& ready) {
  zmq::context_t context(1);
  bus::ZmqConnection connection(context, endpoints);
  connection.subscribe(bus::broadcastTopic(kCollective, "provisioner"));
  connection.subscribe(bus::nodeTopic(kCollective, name_));
  if (!connection.waitReady(10s)) {
    ready.set_value("stand-in provisioner: broker not reachable at " + endpoints.subscribe);
    return;
  }
  ready.set_value("");
  while (!stop_) {
    auto message = connection.receive(100ms);
    if (!message) continue;
    try {
      envelope::Envelope env = envelope::decode(message->body);
      if (env.type == envelope::MessageType::Request && env.agent == "provisioner") {
        answer(connection, env);
      }
    } catch (const envelope::DecodeError&) {
      // a readiness probe, not a request
    }
  }
}

void StandInProvisioner::answer(bus::ZmqConnection& connection, const envelope::Envelope& request) {
  ProvisionerRequest asked{request.action, request.args};
  ProvisionerAnswer answer = script_(asked);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(asked));
  }
  arrived_.notify_all();
  if (!answer) return;
  envelope::Envelope reply = envelope::makeReply(request, name_, answer->first, answer->second);
  security::signEnvelope(reply, signer_);
  connection.publish(request.replyTo, envelope::encode(reply));
}

std::vector<ProvisionerRequest> StandInProvisioner::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<std::string> StandInProvisioner::actions() const {
  std::vector<std::string> actions;
  for (const auto& request : requests()) actions.push_back(request.action);
  return actions;
}

std::size_t StandInProvisioner::countOf(const std::string& action) const {
  std::size_t count = 0;
  for (const auto& request : requests_) count += request.action == action ? 1 : 0;
  return count;
}

bool StandInProvisioner::waitForRequest(const std::string& action, std::size_t count,
                                        std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return countOf(action) >= count; });
}

}  // namespace drover::integration
