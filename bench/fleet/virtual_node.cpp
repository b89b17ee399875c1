#include "bench/fleet/virtual_node.hpp"

#include "agents/builtin.hpp"
#include "bench/fleet/sim_facts.hpp"
#include "core/bus/topics.hpp"

namespace drover::bench {
namespace {

node::NodeIdentity identityOf(const std::string& identity, const std::string& collective) {
  node::NodeIdentity id;
  id.identity = identity;
  id.mainCollective = collective;
  id.collectives = {collective};
  return id;
}

}  // namespace

VirtualNode::VirtualNode(zmq::context_t& context, const bus::Endpoints& endpoints,
                         const bus::ConnectionOptions& options, const ddl::Repository& ddls,
                         std::string identity, std::size_t index, const std::string& collective,
                         std::shared_ptr<node::NodeSecurity> security)
    : identity_(std::move(identity)),
      collective_(collective),
      nodeTopic_(bus::nodeTopic(collective, identity_)),
      replyPrefix_(bus::replyTopic(collective, "")),
      core_(identityOf(identity_, collective), std::move(security)) {
  core_.setFacts(simFacts(identity_, index));
  for (auto& agent : agents::makeBuiltinAgents(ddls, core_)) core_.addAgent(std::move(agent));
  connection_ = bus::connect(context, endpoints, options);
  for (const auto& topic : core_.topics()) connection_->subscribe(topic);
}

std::size_t VirtualNode::serve() {
  std::size_t taken = 0;
  while (auto message = connection_->tryReceive()) {
    ++taken;
    ++counters_.received;
    handle(*message);
  }
  return taken;
}

void VirtualNode::handle(const bus::Message& message) {
  if (message.topic.empty()) {
    ++counters_.malformed;
    return;
  }
  envelope::Envelope request;
  try {
    request = envelope::decode(message.body);
  } catch (const envelope::DecodeError&) {
    // droverd answers an unknown version; every simulated caller speaks v1.
    ++counters_.malformed;
    return;
  }
  if (trace_ != nullptr) trace_->arrived(request.id, request.time, wallMicros());
  node::Decision decision = core_.inspect(request, message.topic);
  switch (decision.kind) {
    case node::Decision::Kind::Ignore: ++counters_.ignored; return;
    case node::Decision::Kind::Drop: ++counters_.refused; return;
    case node::Decision::Kind::Reply:
      ++counters_.refused;
      send(request, decision.reply);
      return;
    case node::Decision::Kind::Run: send(request, core_.execute(decision, request)); return;
  }
}

void VirtualNode::send(const envelope::Envelope& request, const envelope::Envelope& reply) {
  // Same rule as droverd: a caller must not make nodes publish onto request topics.
  bool validTopic = request.replyTo.size() > replyPrefix_.size() &&
                    request.replyTo.compare(0, replyPrefix_.size(), replyPrefix_) == 0 &&
                    bus::validTopicPart(request.replyTo);
  if (!validTopic || !connection_->publish(request.replyTo, envelope::encode(reply))) {
    ++counters_.dropped;
    return;
  }
  core_.countReply();
  ++counters_.answered;
  if (trace_ != nullptr) trace_->replied(request.id, wallMicros());
}

void VirtualNode::announce() {
  connection_->publish(bus::registrationTopic(collective_),
                       envelope::encode(core_.registration(collective_)));
}

}  // namespace drover::bench
