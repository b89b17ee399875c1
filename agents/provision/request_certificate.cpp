// provision#request_certificate: a key (made once, kept after) and a CSR for the
// node's certname, sent to its master with `puppet ssl submit_request`. The master's
// "conflict" answer covers both a pending request and a signed certificate, so
// `puppet ssl download_cert` tells them apart. After reset_ssl the key is brand new, so
// a request the master already holds was made with an earlier key (an earlier call,
// perhaps one still running when the provisioner restarted): signing it would give the
// node a certificate for a key it no longer has, so that is stale_request, never
// already_pending.
#include <system_error>

#include "agents/provision/actions.hpp"
#include "agents/provision/local_certificate.hpp"
#include "agents/puppet/puppet_runner.hpp"

namespace drover::agents::provision {
namespace {

namespace fs = std::filesystem;

bool says(const util::SubprocessResult& result, std::string_view text) {
  return result.out.find(text) != std::string::npos || result.err.find(text) != std::string::npos;
}

struct Outcome {
  std::string name;  // the DDL's outcome
  bool ok = false;
  std::string summary;
};

// Failures of submit_request that are not a conflict.
Outcome submitFailure(const util::SubprocessResult& result) {
  std::string line = puppet::tellingLine(result);
  if (result.timedOut) return {"failed", false, "puppet ssl submit_request timed out"};
  if (says(result, "unable to get local issuer") || says(result, "certificate verify failed")) {
    return {"wrong_ca", false,
            "the node trusts another CA than this master's (request again with reset_ssl=true): " +
                line};
  }
  if (says(result, "Connection refused") || says(result, "Failed to open TCP") ||
      says(result, "Name or service not known")) {
    return {"unreachable", false, "master not reachable: " + line};
  }
  return {"failed", false, line};
}

Outcome classifyConflict(const puppet::PuppetInvocation& puppet,
                         const std::vector<std::string>& target, const Request& request,
                         bool freshKey) {
  auto download =
      puppet::runPuppet(puppet, {"ssl", "download_cert"}, target, puppet::timeLeft(request));
  if (download.exitCode == 0) {
    return {"already_signed", true, "the master had already signed a certificate for this key"};
  }
  if (says(download, "has not yet been signed")) {
    if (freshKey) {
      return {"stale_request", false,
              "the master holds a request for this name made with an earlier key: clean it on "
              "the master, then request again"};
    }
    return {"already_pending", true, "a request for this name is already waiting on the master"};
  }
  if (says(download, "does not match its private key")) {
    return {"certificate_mismatch", false,
            "the master holds a certificate for this name made for another key: clean it on "
            "the master, then request again"};
  }
  return {"conflict", false, "the master refused the request: " + puppet::tellingLine(download)};
}

void removeStaleCertificate(const fs::path& ssldir, const std::string& certname, Json& data) {
  // The CA accepted a new request, so it holds no certificate for this name: a local
  // one is dead (cleaned on the master) and would make the next run fail its handshake.
  std::error_code ec;
  data["removed_stale_certificate"] = fs::remove(ssldir / "certs" / (certname + ".pem"), ec);
}

bool nothingToClean(puppet::PuppetSettings& settings, const std::string& certname) {
  auto files = puppet::sslCleanFiles(settings.all(), certname);
  if (!files) return false;
  for (const auto& file : *files) {
    std::error_code ec;
    // Absent, and nothing else: what cannot be looked at may be there, and Puppet decides.
    if (fs::symlink_status(file, ec).type() != fs::file_type::not_found) return false;
  }
  return true;
}

}  // namespace

Reply requestCertificate(const Request& request, ProvisionContext& context) {
  const std::string certname = context.certname(request);
  const std::string server = request.args.value("server", "");
  const int port = request.args.value("port", 8140);
  const auto& puppet = context.settings().puppet;
  // --waitforcert=0: on any error (a master refusing connections, one that went away)
  // `puppet ssl` would otherwise sleep and try again every 120 s until our deadline,
  // and the flow would learn nothing until then.
  std::vector<std::string> target{
      "--certname",         certname,          "--server",     server, "--serverport",
      std::to_string(port), "--waitforcert=0", "--color=false"};
  fs::path ssldir = context.puppet().path("ssldir");
  Json data{{"certname", certname}, {"removed_stale_certificate", false}, {"ssl_clean", ""}};
  const bool reset = request.args.value("reset_ssl", false);

  // A fresh node has nothing to clean: Puppet, started only to find that out, would take
  // a second or more of the step (several under load).
  if (reset && nothingToClean(context.puppet(), certname)) {
    data["ssl_clean"] = "skipped";
  } else if (reset) {
    data["ssl_clean"] = "ran";
    std::vector<std::string> args{"--localca"};
    args.insert(args.end(), target.begin(), target.end());
    auto wiped = puppet::runPuppet(puppet, {"ssl", "clean"}, args, puppet::timeLeft(request));
    if (wiped.exitCode != 0) {
      throw ActionError(envelope::StatusCode::Aborted,
                        "puppet ssl clean --localca failed: " + puppet::tellingLine(wiped));
    }
  }
  auto submit =
      puppet::runPuppet(puppet, {"ssl", "submit_request"}, target, puppet::timeLeft(request));
  Outcome outcome;
  if (submit.exitCode == 0) {
    outcome = {"submitted", true, "request sent to " + server + ":" + std::to_string(port)};
    removeStaleCertificate(ssldir, certname, data);
  } else if (says(submit, "conflict on the server")) {
    outcome = classifyConflict(puppet, target, request, reset);
  } else {
    outcome = submitFailure(submit);
  }

  data["outcome"] = outcome.name;
  data["summary"] = outcome.summary;
  // What the node holds now, after this call: the key whose request may be signed.
  LocalCertificate local = inspectLocalCertificate(ssldir, certname);
  data["csr_fingerprint"] = local.csrFingerprint;
  data["key_fingerprint"] = local.keyFingerprint;
  data["request_key_fingerprint"] = local.requestKeyFingerprint;
  if (!outcome.ok) {
    return {{envelope::StatusCode::Aborted,
             "certificate request for " + certname + " " + outcome.name + ": " + outcome.summary},
            std::move(data)};
  }
  context.state().update([&](Json& state) {
    state["certname"] = certname;
    state["server"] = server;
    state["port"] = port;
  });
  context.state().recordStep(
      "request_certificate",
      {{"certname", certname}, {"server", server}, {"port", port}, {"outcome", outcome.name}},
      context.nowMs());
  return {{}, std::move(data)};
}

}  // namespace drover::agents::provision
