// provision#certificate_status: whether the node holds a signed certificate that
// belongs to its private key, read from Puppet's ssldir with OpenSSL.
#include "agents/provision/actions.hpp"
#include "agents/provision/local_certificate.hpp"

namespace drover::agents::provision {

Reply certificateStatus(const Request& request, ProvisionContext& context) {
  const std::string certname = context.certname(request);
  auto local = inspectLocalCertificate(context.puppet().path("ssldir"), certname);
  return {{}, toJson(local)};
}

}  // namespace drover::agents::provision
