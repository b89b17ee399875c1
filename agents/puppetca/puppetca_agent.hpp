#pragma once
// puppetca: the certificate authority of a Puppet master (list, sign, clean, status),
// loaded only on masters (server.yaml names puppetserver.config). Every action is
// idempotent: signing a signed certificate and cleaning nothing both succeed and say so.
// Contract: ddl/puppetca.json.
#include "agents/agent.hpp"
#include "agents/puppetca/puppet_ca.hpp"

namespace drover::agents::puppetca {

class PuppetcaAgent : public Agent {
 public:
  /// Throws std::invalid_argument if `ddl` names an action this class lacks.
  PuppetcaAgent(ddl::Ddl ddl, PuppetCa ca);

 protected:
  Reply run(const Request& request) override;

 private:
  Reply list(const Request& request) const;
  Reply sign(const Request& request) const;
  Reply clean(const Request& request) const;
  Reply status(const Request& request) const;

  PuppetCa ca_;
};

}  // namespace drover::agents::puppetca
