#include "agents/puppetca/puppetca_agent.hpp"

#include "agents/puppet/puppet_runner.hpp"

namespace drover::agents::puppetca {
namespace {

using puppet::timeLeft;

[[noreturn]] void abort(const std::string& message) {
  throw ActionError(envelope::StatusCode::Aborted, message);
}

std::string certnameOf(const Request& request) { return request.args.value("certname", ""); }

}  // namespace

PuppetcaAgent::PuppetcaAgent(ddl::Ddl ddl, PuppetCa ca)
    : Agent(std::move(ddl), actions(this)), ca_(std::move(ca)) {}

// The handlers use `self` only when called, once it is fully built.
ActionTable PuppetcaAgent::actions(const PuppetcaAgent* self) {
  auto bind = [self](Method method) {
    return [self, method](const Request& request) { return self->guarded(method, request); };
  };
  return {{"list", bind(&PuppetcaAgent::list)},
          {"sign", bind(&PuppetcaAgent::sign)},
          {"clean", bind(&PuppetcaAgent::clean)},
          {"status", bind(&PuppetcaAgent::status)}};
}

Reply PuppetcaAgent::guarded(Method method, const Request& request) const {
  try {
    return (this->*method)(request);
  } catch (const CaError& e) {
    // ca_reachable false tells the provisioner this master is down even though its
    // droverd answered, so it stops choosing it.
    if (e.unreachable()) {
      return {{envelope::StatusCode::Aborted, e.what()}, Json{{"ca_reachable", false}}};
    }
    abort(e.what());
  }
}

Reply PuppetcaAgent::list(const Request& request) const {
  CaListing listing = ca_.listPending(timeLeft(request));
  Json requests = Json::array();
  for (const auto& entry : listing.requested) {
    Json item = toJson(entry);
    item["key_fingerprint"] = keyOf(entry, false);
    requests.push_back(std::move(item));
  }
  std::size_t count = requests.size();
  return {{}, {{"requests", std::move(requests)}, {"count", count}}};
}

// Without a key to check: sign first and ask only when the CA refused, so the common
// case costs one CLI call.
Reply PuppetcaAgent::sign(const Request& request) const {
  if (request.args.contains("key_fingerprint")) return signChecked(request);
  const std::string certname = certnameOf(request);
  std::string refusal = ca_.sign(certname, timeLeft(request));
  return signedReply(request, refusal);
}

// The key is checked against what the CA holds at this moment, just before signing:
// whatever the caller remembers, a request for a key the node no longer has is never
// signed. The CA keeps one request per name and refuses another while it is pending,
// so the request checked is the one signed unless it is cleaned in between.
Reply PuppetcaAgent::signChecked(const Request& request) const {
  const std::string certname = certnameOf(request);
  CaListing listing = ca_.listOne(certname, timeLeft(request));
  const CertEntry* entry = listing.find(certname);
  if (entry == nullptr || (entry->state != "requested" && entry->state != "signed")) {
    refuseState(certname, listing.stateOf(certname), "");
  }
  const std::string expected = request.args.value("key_fingerprint", "");
  const std::string actual = ca_.keyFingerprint(*entry);
  if (actual != expected || expected.empty()) return keyMismatch(request, *entry, actual);
  if (entry->state == "signed") {
    return {{},
            {{"certname", certname},
             {"signed", false},
             {"already_signed", true},
             {"outcome", "already_signed"},
             {"fingerprint", entry->fingerprint},
             {"key_fingerprint", actual}}};
  }
  Reply reply = signedReply(request, ca_.sign(certname, timeLeft(request)));
  reply.data["key_fingerprint"] = actual;
  return reply;
}

// After a sign call: what the CA holds for the name now.
Reply PuppetcaAgent::signedReply(const Request& request, const std::string& refusal) const {
  const std::string certname = certnameOf(request);
  CaListing listing = ca_.listOne(certname, timeLeft(request));
  const CertEntry* entry = listing.find(certname);
  std::string state = listing.stateOf(certname);
  bool already = !refusal.empty() && state == "signed";
  Json data{{"certname", certname},
            {"signed", refusal.empty()},
            {"already_signed", already},
            {"outcome", already ? "already_signed" : "signed"},
            {"fingerprint", entry ? entry->fingerprint : ""}};
  if (refusal.empty() || state == "signed") return {{}, std::move(data)};
  refuseState(certname, state, refusal);
}

Reply PuppetcaAgent::keyMismatch(const Request& request, const CertEntry& entry,
                                 const std::string& actual) const {
  const std::string certname = certnameOf(request);
  const std::string expected = request.args.value("key_fingerprint", "");
  const bool clean = request.args.value("clean_mismatch", false);
  if (clean) ca_.clean(certname, timeLeft(request));
  std::string held = entry.state == "requested" ? "a request" : "a certificate";
  std::string theirs =
      expected.empty() ? "the node holds no key" : "not for the node's key " + expected;
  return {{envelope::StatusCode::Aborted,
           "key_mismatch: the CA of " + ca_.config().string() + " holds " + held + " for " +
               certname + " made for key " + actual + ", " + theirs +
               (clean ? "; cleaned it: the node must request again" : "; not signed")},
          {{"certname", certname},
           {"signed", false},
           {"already_signed", false},
           {"outcome", "key_mismatch"},
           {"fingerprint", entry.fingerprint},
           {"key_fingerprint", actual},
           {"cleaned", clean}}};
}

void PuppetcaAgent::refuseState(const std::string& certname, const std::string& state,
                                const std::string& refusal) const {
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

// key_fingerprint: the key in the request or certificate. Asked to compare it with the
// node's, a key that cannot be told is an error; otherwise it is left empty.
Reply PuppetcaAgent::status(const Request& request) const {
  const std::string certname = certnameOf(request);
  CaListing listing = ca_.listOne(certname, timeLeft(request));
  const CertEntry* entry = listing.find(certname);
  const bool compare = request.args.contains("key_fingerprint");
  std::string key = entry ? keyOf(*entry, compare) : "";
  const std::string expected = request.args.value("key_fingerprint", "");
  return {{},
          {{"certname", certname},
           {"state", listing.stateOf(certname)},
           {"fingerprint", entry ? entry->fingerprint : ""},
           {"not_after", entry ? entry->notAfter : ""},
           {"key_fingerprint", key},
           {"key_matches", compare && !key.empty() && key == expected}}};
}

std::string PuppetcaAgent::keyOf(const CertEntry& entry, bool required) const {
  if (entry.state != "requested" && entry.state != "signed") return "";
  try {
    return ca_.keyFingerprint(entry);
  } catch (const CaError&) {
    if (required) throw;
    return "";
  }
}

}  // namespace drover::agents::puppetca
