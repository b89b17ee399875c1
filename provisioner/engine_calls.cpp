// Engine: the calls the machine asks for, made without the engine's lock, and their
// results as the machine's events. Enrolment is one exchange here (enrol, certify,
// keep the certificate, install) that ends in one EnrolmentEnded.
#include "core/log/log.hpp"
#include "core/templating/template.hpp"
#include "core/util/clock.hpp"
#include "provisioner/engine.hpp"
#include "provisioner/node_data.hpp"

namespace drover::provisioner {
namespace {

const log::Logger logger{"drover.provisioner.flow"};

// A master whose droverd answers for a puppetserver that does not (puppetca's
// ca_reachable: false) is as down as one that does not answer at all.
bool masterUp(const CallReply& reply) {
  if (!reply.replied) return false;
  auto it = reply.data.is_object() ? reply.data.find("ca_reachable") : reply.data.end();
  return it == reply.data.end() || *it != false;
}

EnrolmentEnded retryLater(std::string error) {
  return {Outcome::Retry, std::move(error), Json::object()};
}
EnrolmentEnded failed(std::string error, Json data = Json::object()) {
  return {Outcome::Fail, std::move(error), std::move(data)};
}

}  // namespace

NodeEvent Engine::perform(SendCall& call) {
  if (call.durable) {
    try {
      store_.sync();  // the intent must be on disk before the call can have any effect
    } catch (const StoreError& e) {
      return CallNotSent{std::string("not sent: ") + e.what()};
    }
  }
  if (call.kind == CallKind::Enrol) return enrol(call);
  if (!call.plan.naming.is_null()) return assignAndTell(call);
  if (std::string unsent = prepare(call.plan); !unsent.empty()) return CallNotSent{unsent};
  return CallReplied{executor_.call(call.plan.request), call.plan.lookupTiming};
}

// assign_name: the name is assigned and on disk before the node hears it; the node's
// reply (set_name) says what it holds now.
NodeEvent Engine::assignAndTell(SendCall& call) {
  CallRequest& request = call.plan.request;
  const std::string& node = request.nodes.front();
  if (!names_) return CallNotSent{"this provisioner keeps no names (assign_name needs them)"};
  const Json& facts = call.plan.context["node"]["facts"];
  NameAssigner::Given given = names_->assign(node, call.plan.naming, facts);
  if (!given.error.empty()) return CallNotSent{given.error};
  request.args = {{"name", given.name}, {"fqdn", given.fqdn}, {"aliases", given.aliases}};
  std::vector<CallReply> replies = executor_.call(request);
  CallReply& reply = replies.front();
  bool ok = reply.replied && reply.status.ok();
  names_->told(node, ok ? reply.data : Json());
  if (ok) {
    reply.data["name"] = given.name;
    reply.data["fqdn"] = given.fqdn;
  }
  return CallReplied{std::move(replies)};
}

std::string Engine::prepare(CallPlan& plan) {
  if (!plan.render) return "";
  try {
    if (mentionsNodeData(plan.request.args) ||
        (plan.lookup && mentionsNodeData(plan.lookup->args))) {
      // No node_data_dir: no data of the provisioner's, only the image's defaults. A bad
      // data file fails the step like an unset fact: retried, then failed, named.
      plan.context["node"]["data"] =
          options_.nodeDataDir.empty()
              ? Json::object()
              : loadNodeData(options_.nodeDataDir,
                             plan.context["node"]["identity"].get<std::string>());
    }
    if (plan.lookup) {
      plan.lookup->args = templating::renderValue(plan.lookup->args, plan.context);
      if (std::string unsent = askLookup(plan); !unsent.empty()) return unsent;
    }
    plan.request.args = templating::renderValue(plan.request.args, plan.context);
  } catch (const NodeDataError& e) {
    return std::string("arguments: {{node.data}}: ") + e.what();
  } catch (const templating::Error& e) {
    return std::string("arguments: ") + e.what();
  }
  return "";
}

// The lookup's reply is {{lookup}} in the call's arguments; without an OK reply the
// call is not made.
std::string Engine::askLookup(CallPlan& plan) {
  const CallRequest& ask = *plan.lookup;
  CallReply reply = executor_.call(ask).front();
  const std::string what = "lookup " + ask.agent + "#" + ask.action + " ";
  if (!reply.replied || !reply.status.ok()) {
    return what + "failed, call not made: " + describe(reply);
  }
  plan.context["lookup"] = reply.data;
  plan.lookupTiming = reply.timing;
  logger()->debug("node={} {}{} answered {}", plan.context["node"]["identity"].get<std::string>(),
                  what, reply.node, reply.data.dump());
  return "";
}

void Engine::recordMasterHealth(const std::vector<CallReply>& replies, std::int64_t now) {
  for (const auto& reply : replies) {
    if (masterUp(reply))
      masters_.answered(reply.node);
    else
      masters_.failed(reply.node, now);
  }
}

std::optional<std::string> Engine::issuedBefore(const std::string& identity) {
  try {
    auto rows = store_.history(identity, 1000);
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
      if (it->step == "certificate_issued" && it->data.contains("certificate") &&
          it->data["certificate"].is_string()) {
        return it->data["certificate"].get<std::string>();
      }
    }
  } catch (const StoreError& e) {
    logger()->warn("node={}: cannot read its history: {}", identity, e.what());
  }
  return std::nullopt;
}

EnrolmentEnded Engine::enrol(SendCall& call) {
  const std::string identity = call.plan.request.nodes.front();
  CallReply enrolled = executor_.call(call.plan.request).front();
  if (!enrolled.replied) return retryLater("provision#enrol: " + describe(enrolled));
  if (!enrolled.status.ok()) return failed("provision#enrol refused: " + describe(enrolled));
  if (enrolled.data.value("enrolled", false)) {
    if (!enrolled.verified) {
      return failed("provision#enrol: " + identity +
                    " says it is enrolled but its reply is not signed by its certificate");
    }
    return {Outcome::AlreadyEnrolled, "", Json::object()};
  }
  if (enrolled.data.value("csr", "").empty() || enrolled.data.value("proof", "").empty() ||
      enrolled.requestId.empty()) {
    return failed("provision#enrol: the reply of " + identity + " lacks its csr or proof");
  }
  return certifyAndInstall(call, enrolled);
}

EnrolmentEnded Engine::certifyAndInstall(SendCall& call, const CallReply& enrolled) {
  const std::string identity = call.plan.request.nodes.front();
  IssuedIdentity issued;
  try {
    issued =
        enroller_->certify(identity, enrolled.requestId, enrolled.data.value("csr", ""),
                           enrolled.data.value("proof", ""), issuedBefore(identity), util::nowMs());
  } catch (const Enroller::Refused& e) {
    return failed(e.what(), Json{{"refused", true}});
  } catch (const std::exception& e) {
    return failed(std::string("no certificate issued: ") + e.what());
  }
  Json summary{{"fingerprint", issued.fingerprint},
               {"token", issued.tokenSource},
               {"reused", issued.reused}};
  // On disk before it leaves: a restart re-uses it instead of asking the CA twice.
  Attempt row = *call.issued;
  row.finishedMs = util::nowMs();
  row.outcome = issued.reused ? Outcome::Reused : Outcome::Issued;
  row.data = summary;
  row.data["certificate"] = issued.certificatePem;
  store_.putAttempt(toRecord(row, identity));
  try {
    store_.sync();
  } catch (const StoreError& e) {
    return {Outcome::Retry, std::string("certificate not kept, so not installed: ") + e.what(),
            summary};
  }
  CallRequest install{kEnrolmentAgent,
                      "install_certificate",
                      Json{{"certificate", issued.certificatePem}},
                      {identity},
                      call.plan.request.timeout};
  install.acceptUnsigned = true;
  CallReply installed = executor_.call(install).front();
  if (!installed.replied)
    return {Outcome::Retry, "provision#install_certificate: " + describe(installed), summary};
  if (!installed.status.ok()) {
    return {Outcome::Fail, "provision#install_certificate refused: " + describe(installed),
            summary};
  }
  summary["reply_signed"] = installed.verified;
  return {Outcome::Enrolled, "", summary};
}

}  // namespace drover::provisioner
