// drover cert: the collective's certificate authority from the command line. Creates
// the CA, makes keys and signing requests, signs, lists, revokes and shows
// certificates. Everything happens in local files; the broker is never contacted.
//
// The CA's own rules (core/security/ca.hpp, roles.hpp) decide what may be signed;
// every refusal becomes a UsageError naming the file or the name, so exit code 2.
#include <filesystem>
#include <memory>

#include "cli/commands/commands.hpp"
#include "core/security/asn1_time.hpp"
#include "core/security/ca.hpp"
#include "core/security/certificate.hpp"
#include "core/security/enrolment.hpp"
#include "core/security/keys.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "core/util/json.hpp"

namespace drover::cli {
namespace {

namespace fs = std::filesystem;
using security::CertificateAuthority;
using security::Role;

struct CertFlags {
  std::string dir;  // the CA directory
  std::string name;
  std::string role;
  std::string csr;
  std::string file;  // the certificate `show` reads
  std::string outKey;
  std::string outCsr;
  std::string outCert;
  int days = 0;  // 0: the CA's default
  bool json = false;
};

// Runs `work`, turning whatever the CA, OpenSSL or the file system refuses into a
// UsageError that names `subject` (the file or name the failure is about), as a
// prefix unless the message already names it.
template <typename Work>
auto refusalsAsUsage(const std::string& subject, Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    std::string message = e.what();
    if (message.find(subject) == std::string::npos) message = subject + ": " + message;
    throw UsageError(message);
  }
}

Role roleFrom(const std::string& text) {
  if (auto role = security::parseRole(text)) return *role;
  throw UsageError("unknown role '" + text + "' (expected admin, node or provisioner)");
}

CertificateAuthority::IssueOptions issueOptions(const CertFlags& flags) {
  CertificateAuthority::IssueOptions options;
  if (flags.days > 0) options.validityDays = flags.days;
  return options;
}

// A private key is never overwritten: it may be the only copy of a live identity.
void refuseExistingKey(const std::string& path) {
  if (fs::exists(path)) throw UsageError(path + " already exists; not overwriting a private key");
}

std::string statusAt(const security::IssuedCertificate& entry, std::int64_t nowMs) {
  if (entry.revoked) return "revoked";
  return entry.liveAt(nowMs) ? "valid" : "expired";
}

int runCaCreate(const CertFlags& flags) {
  return refusalsAsUsage(flags.dir, [&] {
    int days = flags.days > 0 ? flags.days : CertificateAuthority::kDefaultCaDays;
    CertificateAuthority ca = CertificateAuthority::create(flags.dir, flags.name, days);
    std::printf("created CA '%s' in %s, valid %d days\n", flags.name.c_str(), flags.dir.c_str(),
                days);
    std::printf("  CA certificate: %s (every node and client trusts this)\n",
                ca.certificateFile().c_str());
    std::printf("  CRL:            %s\n", ca.crlFile().c_str());
    return kExitOk;
  });
}

int runRequest(const CertFlags& flags) {
  refuseExistingKey(flags.outKey);
  return refusalsAsUsage(flags.name, [&] {
    security::PkeyPtr key = security::generateKey();
    std::string csr = security::csrToPem(security::makeCsr(key.get(), flags.name).get());
    security::writePrivateKey(flags.outKey, key.get());
    util::writeFileAtomically(flags.outCsr, csr);
    std::printf("wrote key %s (mode 0600) and request %s for '%s'\n", flags.outKey.c_str(),
                flags.outCsr.c_str(), flags.name.c_str());
    return kExitOk;
  });
}

int runToken(const CertFlags& flags) {
  if (fs::exists(flags.outKey)) {
    throw UsageError(flags.outKey + " already exists; not overwriting a provisioning token");
  }
  return refusalsAsUsage(flags.outKey, [&] {
    auto token = security::ProvisioningToken::generate(flags.days);
    util::writeFileAtomically(flags.outKey, token.toYaml(), 0600);
    std::printf("wrote provisioning token %s (mode 0600), %s\n", flags.outKey.c_str(),
                token.expiresMs ? ("valid until " + security::formatUtc(*token.expiresMs)).c_str()
                                : "never expires");
    return kExitOk;
  });
}

void printIssued(const std::string& certPem, const std::string& outFile) {
  security::X509Ptr cert = security::certificateFromPem(certPem);
  std::printf("issued '%s' serial %s, valid until %s: %s\n",
              security::certificateName(cert.get()).c_str(),
              security::serialHex(cert.get()).c_str(),
              security::formatUtc(security::notAfterMs(cert.get())).c_str(), outFile.c_str());
}

int runSign(const CertFlags& flags) {
  Role role = roleFrom(flags.role);
  std::string csr = refusalsAsUsage(flags.csr, [&] { return util::readFile(flags.csr); });
  CertificateAuthority ca =
      refusalsAsUsage(flags.dir, [&] { return CertificateAuthority::load(flags.dir); });
  return refusalsAsUsage(flags.csr, [&] {
    std::string certPem = ca.sign(csr, role, issueOptions(flags));
    util::writeFileAtomically(flags.outCert, certPem);
    printIssued(certPem, flags.outCert);
    return kExitOk;
  });
}

int runIssue(const CertFlags& flags) {
  Role role = roleFrom(flags.role);
  refuseExistingKey(flags.outKey);
  CertificateAuthority ca =
      refusalsAsUsage(flags.dir, [&] { return CertificateAuthority::load(flags.dir); });
  return refusalsAsUsage(flags.name, [&] {
    security::PkeyPtr key = security::generateKey();
    std::string csr = security::csrToPem(security::makeCsr(key.get(), flags.name).get());
    std::string certPem = ca.sign(csr, role, issueOptions(flags));
    security::writePrivateKey(flags.outKey, key.get());
    util::writeFileAtomically(flags.outCert, certPem);
    printIssued(certPem, flags.outCert);
    std::printf("key: %s (mode 0600)\n", flags.outKey.c_str());
    return kExitOk;
  });
}

Json issuedJson(const security::IssuedCertificate& entry, std::int64_t nowMs) {
  Json item = {{"name", entry.name},
               {"role", security::toString(entry.role)},
               {"serial", entry.serial},
               {"not_before", security::formatUtc(entry.notBeforeMs)},
               {"not_after", security::formatUtc(entry.notAfterMs)},
               {"fingerprint", entry.fingerprint},
               {"status", statusAt(entry, nowMs)}};
  if (entry.revoked) item["revoked_at"] = security::formatUtc(entry.revokedAtMs);
  return item;
}

int runList(const CertFlags& flags) {
  auto issued =
      refusalsAsUsage(flags.dir, [&] { return CertificateAuthority::load(flags.dir).issued(); });
  std::int64_t now = util::nowMs();
  if (flags.json) {
    Json list = Json::array();
    for (const auto& entry : issued) list.push_back(issuedJson(entry, now));
    std::printf("%s\n", list.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-40s %-12s %-8s %-21s %s\n", "NAME", "ROLE", "SERIAL", "NOT AFTER", "STATUS");
  for (const auto& entry : issued) {
    std::printf("%-40s %-12s %-8s %-21s %s\n", entry.name.c_str(),
                std::string(security::toString(entry.role)).c_str(), entry.serial.c_str(),
                security::formatUtc(entry.notAfterMs).c_str(), statusAt(entry, now).c_str());
  }
  return kExitOk;
}

int runRevoke(const CertFlags& flags) {
  CertificateAuthority ca =
      refusalsAsUsage(flags.dir, [&] { return CertificateAuthority::load(flags.dir); });
  return refusalsAsUsage(flags.name, [&] {
    ca.revoke(flags.name);
    std::printf("revoked '%s'; new CRL: %s\n", flags.name.c_str(), ca.crlFile().c_str());
    std::printf(
        "copy it to every node (or point the nodes at it) so they refuse the revoked\n"
        "certificate\n");
    return kExitOk;
  });
}

// The role a certificate carries in its subjectAltName, or why it has none.
std::string roleOf(X509* cert) {
  auto uris = security::roleUris(cert);
  if (uris.size() != 1) return "none (" + std::to_string(uris.size()) + " role URIs)";
  auto role =
      security::parseRole(std::string_view(uris.front()).substr(security::kRoleUriPrefix.size()));
  return role ? std::string(security::toString(*role)) : "unknown (" + uris.front() + ")";
}

std::string validityAt(X509* cert, std::int64_t nowMs) {
  if (nowMs < security::notBeforeMs(cert)) return "not yet valid";
  return nowMs < security::notAfterMs(cert) ? "valid" : "expired";
}

int runShow(const CertFlags& flags) {
  return refusalsAsUsage(flags.file, [&] {
    security::X509Ptr cert = security::parseCertificate(util::readFile(flags.file));
    X509* c = cert.get();
    std::printf("name:        %s\n", security::certificateName(c).c_str());
    std::printf("role:        %s\n", roleOf(c).c_str());
    std::printf("issuer:      %s\n", security::commonName(X509_get_issuer_name(c)).c_str());
    std::printf("serial:      %s\n", security::serialHex(c).c_str());
    std::printf("not before:  %s\n", security::formatUtc(security::notBeforeMs(c)).c_str());
    std::printf("not after:   %s (%s now)\n", security::formatUtc(security::notAfterMs(c)).c_str(),
                validityAt(c, util::nowMs()).c_str());
    std::printf("fingerprint: %s\n",
                security::fingerprintOf(security::certificateToDer(c)).c_str());
    return kExitOk;
  });
}

// Registers a leaf subcommand whose callback makes `run(*flags)` the chosen command.
CLI::App* leaf(CLI::App& parent, const char* name, const char* help, Command& chosen,
               const std::shared_ptr<CertFlags>& flags, int (*run)(const CertFlags&)) {
  CLI::App* command = parent.add_subcommand(name, help);
  command->callback([&chosen, flags, run] { chosen = [flags, run] { return run(*flags); }; });
  return command;
}

void addDirOption(CLI::App& command, CertFlags& flags, const char* help) {
  command.add_option("--dir", flags.dir, help)->required();
}

void addDaysOption(CLI::App& command, CertFlags& flags) {
  command.add_option("--days", flags.days, "Days the certificate is valid")
      ->check(CLI::PositiveNumber);
}

void addRoleOption(CLI::App& command, CertFlags& flags) {
  command.add_option("--role", flags.role, "admin, node or provisioner")->required();
}

void addCaCommands(CLI::App& cert, Command& chosen, const std::shared_ptr<CertFlags>& flags) {
  CLI::App* ca = cert.add_subcommand("ca", "The certificate authority itself");
  ca->require_subcommand(1);
  CLI::App* create = leaf(*ca, "create", "Create a new collective CA in an empty directory", chosen,
                          flags, runCaCreate);
  addDirOption(*create, *flags, "Directory for the CA (created mode 0700)");
  create->add_option("--name", flags->name, "Name of the CA")->required();
  addDaysOption(*create, *flags);
}

void addIssuingCommands(CLI::App& cert, Command& chosen, const std::shared_ptr<CertFlags>& flags) {
  CLI::App* request =
      leaf(cert, "request", "Make a private key and a signing request", chosen, flags, runRequest);
  request->add_option("--name", flags->name, "Principal name (alice.admin, web1.example.com)")
      ->required();
  request->add_option("--out-key", flags->outKey, "Private key file to write (0600)")->required();
  request->add_option("--out-csr", flags->outCsr, "Signing request file to write")->required();

  CLI::App* sign = leaf(cert, "sign", "Sign a request with the CA", chosen, flags, runSign);
  addDirOption(*sign, *flags, "CA directory");
  sign->add_option("--csr", flags->csr, "Signing request file")->required();
  addRoleOption(*sign, *flags);
  addDaysOption(*sign, *flags);
  sign->add_option("--out", flags->outCert, "Certificate file to write")->required();

  CLI::App* issue = leaf(cert, "issue", "Make a key and sign its certificate in one step", chosen,
                         flags, runIssue);
  addDirOption(*issue, *flags, "CA directory");
  issue->add_option("--name", flags->name, "Principal name")->required();
  addRoleOption(*issue, *flags);
  issue->add_option("--out-key", flags->outKey, "Private key file to write (0600)")->required();
  issue->add_option("--out-cert", flags->outCert, "Certificate file to write")->required();
  addDaysOption(*issue, *flags);

  CLI::App* token =
      leaf(cert, "token", "Make a provisioning token for node images (first-boot enrolment)",
           chosen, flags, runToken);
  token->add_option("--out", flags->outKey, "Token file to write (0600)")->required();
  token->add_option("--days", flags->days, "Days the token is accepted; 0 for no expiry")
      ->check(CLI::NonNegativeNumber);
}

void addInspectingCommands(CLI::App& cert, Command& chosen,
                           const std::shared_ptr<CertFlags>& flags) {
  CLI::App* list = leaf(cert, "list", "List issued certificates", chosen, flags, runList);
  addDirOption(*list, *flags, "CA directory");
  list->add_flag("-j,--json", flags->json, "Print the list as JSON");

  CLI::App* revoke = leaf(cert, "revoke", "Revoke a name's certificates and rewrite the CRL",
                          chosen, flags, runRevoke);
  addDirOption(*revoke, *flags, "CA directory");
  revoke->add_option("--name", flags->name, "Principal name")->required();

  CLI::App* show = leaf(cert, "show", "Show a certificate file", chosen, flags, runShow);
  show->add_option("file", flags->file, "Certificate (PEM or DER)")->required();
}

}  // namespace

void addCert(Context& context, Command& chosen) {
  auto flags = std::make_shared<CertFlags>();
  CLI::App* cert =
      context.app().add_subcommand("cert", "Certificate authority (local files, no broker)");
  cert->require_subcommand(1);
  addCaCommands(*cert, chosen, flags);
  addIssuingCommands(*cert, chosen, flags);
  addInspectingCommands(*cert, chosen, flags);
}

}  // namespace drover::cli
