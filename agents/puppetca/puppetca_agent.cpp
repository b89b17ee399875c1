#include "agents/puppetca/puppetca_agent.hpp"

#include <set>

#include "agents/puppet/puppet_runner.hpp"

namespace drover::agents::puppetca {
namespace {

using puppet::timeLeft;

const std::set<std::string> kActions{"list", "sign", "clean", "status"};

[[noreturn]] void abort(const std::string& message) {
  throw ActionError(envelope::StatusCode::Aborted, message);
}

std::string certnameOf(const Request& request) { return request.args.value("certname", ""); }

}  // namespace

PuppetcaAgent::PuppetcaAgent(ddl::Ddl ddl, PuppetCa ca) : Agent(std::move(ddl)), ca_(std::move(ca)) {
  for (const auto& action : this->ddl().actions) {
    if (!kActions.count(action.name)) {
      throw std::invalid_argument("DDL of puppetca lists action '" + action.name +
                                  "' that the built-in agent does not implement");
    }
  }
}

Reply PuppetcaAgent::run(const Request& request) {
  try {
    if (request.action == "list") return list(request);
    if (request.action == "sign") return sign(request);
    if (request.action == "clean") return clean(request);
    if (request.action == "status") return status(request);
  } catch (const CaError& e) {
    // ca_reachable false tells the provisioner this master is down even though its
    // droverd answered, so it stops choosing it.
    if (e.unreachable()) {
      return {{envelope::StatusCode::Aborted, e.what()}, Json{{"ca_reachable", false}}};
    }
    abort(e.what());
  }
  throw ActionError(envelope::StatusCode::UnknownAction, "not implemented");
}

Reply PuppetcaAgent::list(const Request& request) const {
  CaListing listing = ca_.listPending(timeLeft(request));
  Json requests = Json::array();
  for (const auto& entry : listing.requested) requests.push_back(toJson(entry));
  std::size_t count = requests.size();
  return {{}, {{"requests", std::move(requests)}, {"count", count}}};
}

// Sign first and ask only when the CA refused: the common case costs one CLI call.
Reply PuppetcaAgent::sign(const Request& request) const {
  const std::string certname = certnameOf(request);
  std::string refusal = ca_.sign(certname, timeLeft(request));
  CaListing listing = ca_.listOne(certname, timeLeft(request));
  const CertEntry* entry = listing.find(certname);
  std::string state = listing.stateOf(certname);
  Json data{{"certname", certname},
            {"signed", refusal.empty()},
            {"already_signed", !refusal.empty() && state == "signed"},
            {"fingerprint", entry ? entry->fingerprint : ""}};
  if (refusal.empty() || state == "signed") return {{}, std::move(data)};
  if (state == "missing") {
    abort("no certificate request for " + certname + " on the CA of " + ca_.config().string() +
          " (the node has not asked yet, or it was cleaned)");
  }
  if (state == "revoked") {
    abort(certname + " has a revoked certificate on the CA of " + ca_.config().string() +
          "; clean it, then have the node request a certificate again");
  }
  abort("the CA of " + ca_.config().string() + " refused to sign " + certname + ": " + refusal);
}

Reply PuppetcaAgent::clean(const Request& request) const {
  const std::string certname = certnameOf(request);
  CleanOutcome outcome = ca_.clean(certname, timeLeft(request));
  const char* previous = "missing";
  if (outcome == CleanOutcome::RevokedAndRemoved) previous = "signed";
  if (outcome == CleanOutcome::RemovedRevoked) previous = "revoked";
  if (outcome == CleanOutcome::RemovedRequest) previous = "requested";
  return {{},
          {{"certname", certname},
           {"cleaned", outcome != CleanOutcome::NothingToClean},
           {"revoked", outcome == CleanOutcome::RevokedAndRemoved},
           {"previous_state", previous}}};
}

Reply PuppetcaAgent::status(const Request& request) const {
  const std::string certname = certnameOf(request);
  CaListing listing = ca_.listOne(certname, timeLeft(request));
  const CertEntry* entry = listing.find(certname);
  return {{},
          {{"certname", certname},
           {"state", listing.stateOf(certname)},
           {"fingerprint", entry ? entry->fingerprint : ""},
           {"not_after", entry ? entry->notAfter : ""}}};
}

}  // namespace drover::agents::puppetca
