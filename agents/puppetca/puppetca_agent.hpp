#pragma once
// puppetca: the certificate authority of a Puppet master (list, sign, clean, status),
// loaded only on masters (server.yaml names puppetserver.config). Every action is
// idempotent: signing a signed certificate and cleaning nothing both succeed and say so.
// Given the node's key fingerprint, sign signs only a request for that key (anything
// else is key_mismatch, cleaned when asked) and status says whether the key matches.
// Contract: ddl/puppetca.json.
#include "agents/agent.hpp"
#include "agents/puppetca/puppet_ca.hpp"

namespace drover::agents::puppetca {

class PuppetcaAgent : public Agent {
 public:
  /// Throws RegistrationError if `ddl` and the actions of this class differ.
  PuppetcaAgent(ddl::Ddl ddl, PuppetCa ca);

 private:
  using Method = Reply (PuppetcaAgent::*)(const Request&) const;
  // Static: the table is made before the base class exists, so it gets `self`.
  static ActionTable actions(const PuppetcaAgent* self);
  /// Runs `method`, turning a CaError into a failed reply.
  Reply guarded(Method method, const Request& request) const;
  Reply list(const Request& request) const;
  Reply sign(const Request& request) const;
  Reply signChecked(const Request& request) const;
  Reply signedReply(const Request& request, const std::string& refusal) const;
  Reply keyMismatch(const Request& request, const CertEntry& entry,
                    const std::string& actual) const;
  [[noreturn]] void refuseState(const std::string& certname, const std::string& state,
                                const std::string& refusal) const;
  Reply clean(const Request& request) const;
  Reply status(const Request& request) const;
  /// The key fingerprint of a request or signed certificate; "" for other states, and
  /// when it cannot be told unless `required` (then CaError).
  std::string keyOf(const CertEntry& entry, bool required) const;

  PuppetCa ca_;
};

}  // namespace drover::agents::puppetca
