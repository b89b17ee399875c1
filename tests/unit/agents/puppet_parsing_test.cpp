// Parsing what Puppet prints and writes, from samples taken off a real puppetserver
// 7.9 / puppet 7.23 (tests/unit/agents/data), and the mapping of exit codes.
#include <filesystem>

#include <gtest/gtest.h>

#include "agents/puppet/last_run_summary.hpp"
#include "agents/puppet/puppet_command.hpp"
#include "agents/puppet/puppet_runner.hpp"
#include "agents/puppet/run_outcome.hpp"
#include "agents/puppetca/ca_listing.hpp"
#include "agents/puppetca/puppet_ca.hpp"
#include "core/util/files.hpp"

namespace drover::agents {
namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(DROVER_SOURCE_DIR) / "tests/unit/agents/data";

std::string sample(const std::string& name) { return util::readFile(kData / name); }

// ---- puppetserver ca list --format json -------------------------------------------

TEST(CaListing, PendingRequestWithItsSha256Fingerprint) {
  auto listing = puppetca::parseCaListing(sample("ca_list_pending.json"));
  ASSERT_EQ(listing.requested.size(), 1u);
  const auto& entry = listing.requested[0];
  EXPECT_EQ(entry.name, "x3.example");
  EXPECT_EQ(entry.state, "requested");
  EXPECT_EQ(entry.fingerprint.size(), 95u);  // 32 bytes as XX: pairs
  EXPECT_EQ(entry.fingerprint.substr(0, 6), "96:B4:");
  EXPECT_EQ(listing.stateOf("x3.example"), "requested");
  Json json = puppetca::toJson(entry);
  EXPECT_EQ(json["name"], "x3.example");
  EXPECT_EQ(json["fingerprint"], entry.fingerprint);
}

TEST(CaListing, AllStatesWithValidity) {
  auto listing = puppetca::parseCaListing(sample("ca_list_all.json"));
  EXPECT_TRUE(listing.requested.empty());
  ASSERT_EQ(listing.signedCerts.size(), 2u);
  EXPECT_EQ(listing.stateOf("x2.example"), "signed");
  const auto* entry = listing.find("x2.example");
  ASSERT_NE(entry, nullptr);
  EXPECT_FALSE(entry->notAfter.empty());
  EXPECT_EQ(entry->dnsAltNames, std::vector<std::string>{"DNS:x2.example"});
  EXPECT_EQ(listing.stateOf("nobody.example"), "missing");
}

TEST(CaListing, MissingName) {
  auto listing = puppetca::parseCaListing(sample("ca_list_missing.json"));
  EXPECT_EQ(listing.missing, std::vector<std::string>{"nosuch.example"});
  EXPECT_EQ(listing.stateOf("nosuch.example"), "missing");
}

TEST(CaListing, EmptyAndRevoked) {
  EXPECT_TRUE(puppetca::parseCaListing(R"({"requested":[]})").requested.empty());
  auto listing = puppetca::parseCaListing(
      R"({"revoked":[{"name":"old.example","state":"revoked","fingerprints":{"SHA256":"AA:BB"}}]})");
  EXPECT_EQ(listing.stateOf("old.example"), "revoked");
  EXPECT_EQ(listing.find("old.example")->fingerprint, "AA:BB");
}

TEST(CaListing, RejectsWhatIsNotTheListJson) {
  EXPECT_THROW(puppetca::parseCaListing("No certificates to list"), std::runtime_error);
  EXPECT_THROW(puppetca::parseCaListing("[]"), std::runtime_error);
  EXPECT_THROW(puppetca::parseCaListing(R"({"requested":{}})"), std::runtime_error);
  EXPECT_THROW(puppetca::parseCaListing(R"({"requested":[{"state":"requested"}]})"),
               std::runtime_error);
}

// ---- puppetserver ca clean: exit codes and output ---------------------------------

util::SubprocessResult ran(int code, std::string out, std::string err = "") {
  util::SubprocessResult result;
  result.exitCode = code;
  result.out = std::move(out);
  result.err = std::move(err);
  return result;
}

TEST(CaClean, ExitCodesAndOutputMapToOutcomes) {
  using puppetca::classifyClean;
  using puppetca::CleanOutcome;
  EXPECT_EQ(
      classifyClean(ran(0, "Certificate for n1 has been revoked\nCleaned files related to n1\n")),
      CleanOutcome::RevokedAndRemoved);
  EXPECT_EQ(classifyClean(ran(0, "Cleaned files related to n1\n")), CleanOutcome::RemovedRevoked);
  EXPECT_EQ(classifyClean(ran(24, "Cleaned files related to n1\n")), CleanOutcome::RemovedRequest);
  EXPECT_EQ(classifyClean(ran(1, "", "Error:\n    Could not find files to clean for n1\n")),
            CleanOutcome::NothingToClean);
  auto down =
      ran(1, "Fatal error when running action 'clean'\n",
          "Error: Failed connecting to https://127.0.0.1:8140/puppet-ca/v1/certificate_status/\n"
          "  Root cause: Failed to open TCP connection to 127.0.0.1:8140 (Connection refused)\n");
  EXPECT_EQ(classifyClean(down), CleanOutcome::Failed);
  EXPECT_TRUE(puppetca::isUnreachable(down));
  EXPECT_EQ(classifyClean(ran(1, "", "Error:\nCould not read file '/nope.conf'\n")),
            CleanOutcome::Failed);
  auto timedOut = ran(-1, "");
  timedOut.timedOut = true;
  EXPECT_EQ(classifyClean(timedOut), CleanOutcome::Failed);
}

TEST(CaClean, FailureTextIsOneLine) {
  auto result = ran(1, "",
                    "Error:\n    When attempting to sign certificate request 'n1', received\n"
                    "      code: 409\n      body: Cannot sign certificate for host n1\n");
  EXPECT_EQ(puppetca::failureText(result),
            "Error: When attempting to sign certificate request 'n1', received code: 409 body: "
            "Cannot sign certificate for host n1");
}

// ---- last_run_summary.yaml ---------------------------------------------------------

TEST(LastRunSummary, RunThatFellBackToProduction) {
  auto s = puppet::parseLastRunSummary(sample("last_run_summary_fallback.yaml"));
  EXPECT_EQ(s.lastRun, 1795327301);
  EXPECT_EQ(s.changedResources, 1);
  EXPECT_EQ(s.failedResources, 0);
  EXPECT_EQ(s.outOfSyncResources, 1);
  EXPECT_EQ(s.totalResources, 9);
  EXPECT_NEAR(s.totalTime, 3.465, 0.001);
  EXPECT_NEAR(s.configRetrievalTime, 0.233, 0.001);
  EXPECT_EQ(s.configVersion, "1795327301");
  EXPECT_EQ(s.puppetVersion, "7.23.0");
  EXPECT_EQ(s.initialEnvironment, "nosuchenv");
  EXPECT_EQ(s.convergedEnvironment, "production");
}

TEST(LastRunSummary, RunWithAFailedResource) {
  auto s = puppet::parseLastRunSummary(sample("last_run_summary_failures.yaml"));
  EXPECT_EQ(s.failedResources, 1);
  EXPECT_EQ(s.totalResources, 10);
  EXPECT_EQ(s.failedEvents, 1);
}

TEST(LastRunSummary, CompileErrorHasNoConfigVersion) {
  auto s = puppet::parseLastRunSummary(sample("last_run_summary_compile_error.yaml"));
  EXPECT_EQ(s.configVersion, "");
  EXPECT_EQ(s.totalResources, 0);
  EXPECT_GT(s.lastRun, 0);
}

TEST(LastRunSummary, JsonOutputsAndAge) {
  auto s = puppet::parseLastRunSummary(sample("last_run_summary_failures.yaml"));
  Json json = puppet::toJson(s, s.lastRun + 42);
  EXPECT_EQ(json["since_lastrun"], 42);
  EXPECT_EQ(json["failed_resources"], 1);
  EXPECT_EQ(puppet::toJson(puppet::LastRunSummary{}, 100)["since_lastrun"], -1);
}

TEST(LastRunSummary, GarbageIsAnErrorAndAbsenceIsNot) {
  EXPECT_THROW(puppet::parseLastRunSummary("- a\n- b\n"), std::runtime_error);
  EXPECT_THROW(puppet::parseLastRunSummary("a: [1,"), std::runtime_error);
  EXPECT_FALSE(puppet::readLastRunSummary(kData / "no-such-file.yaml"));
}

// ---- puppet agent --test exit codes --------------------------------------------------

TEST(RunOutcome, DetailedExitCodes) {
  using puppet::RunOutcome;
  EXPECT_EQ(puppet::outcomeForExitCode(0), RunOutcome::NoChanges);
  EXPECT_EQ(puppet::outcomeForExitCode(2), RunOutcome::Changes);
  EXPECT_EQ(puppet::outcomeForExitCode(4), RunOutcome::Failures);
  EXPECT_EQ(puppet::outcomeForExitCode(6), RunOutcome::ChangesAndFailures);
  EXPECT_EQ(puppet::outcomeForExitCode(1), RunOutcome::Failed);
  EXPECT_EQ(puppet::outcomeForExitCode(127), RunOutcome::Failed);
  EXPECT_TRUE(puppet::succeeded(RunOutcome::NoChanges));
  EXPECT_TRUE(puppet::succeeded(RunOutcome::Changes));
  EXPECT_FALSE(puppet::succeeded(RunOutcome::Failures));
  EXPECT_FALSE(puppet::succeeded(RunOutcome::ChangesAndFailures));
  for (auto outcome :
       {RunOutcome::NoChanges, RunOutcome::Changes, RunOutcome::Failures,
        RunOutcome::ChangesAndFailures, RunOutcome::Failed, RunOutcome::TimedOut,
        RunOutcome::WrongEnvironment, RunOutcome::Disabled, RunOutcome::CertificateMismatch}) {
    EXPECT_EQ(puppet::runOutcomeFromString(puppet::toString(outcome)), outcome);
  }
}

TEST(RunOutcome, FallbackToAnotherEnvironmentIsNotSuccess) {
  using puppet::RunOutcome;
  auto fallback = puppet::parseLastRunSummary(sample("last_run_summary_fallback.yaml"));
  EXPECT_EQ(puppet::judgeRun(RunOutcome::Changes, "nosuchenv", fallback),
            RunOutcome::WrongEnvironment);
  EXPECT_EQ(puppet::judgeRun(RunOutcome::Changes, "production", fallback), RunOutcome::Changes);
  EXPECT_EQ(puppet::judgeRun(RunOutcome::Changes, std::nullopt, fallback), RunOutcome::Changes);
  EXPECT_EQ(puppet::judgeRun(RunOutcome::Failed, "nosuchenv", fallback), RunOutcome::Failed);
}

TEST(RunOutcome, FailedRunReplyKeepsItsOutputs) {
  puppet::RunReport report;
  report.outcome = puppet::RunOutcome::Failures;
  report.exitCode = 4;
  report.summary = puppet::parseLastRunSummary(sample("last_run_summary_failures.yaml"));
  report.summaryLine = "Error: /Stage[main]/Main/Node[default]/Exec[lab_resource_failure]/returns";
  Reply reply = puppet::toReply(report);
  EXPECT_EQ(reply.status.code, envelope::StatusCode::Aborted);
  EXPECT_NE(reply.status.message.find("failures"), std::string::npos);
  EXPECT_EQ(reply.data["failed_resources"], 1);
  EXPECT_EQ(reply.data["exitcode"], 4);
}

// ---- puppet config print and error lines --------------------------------------------

TEST(PuppetCommand, ConfigPrintLines) {
  auto values = puppet::parseConfigPrint(
      "lastrunfile = /var/cache/puppet/public/last_run_summary.yaml\n"
      "ssldir = /var/lib/puppet/ssl\r\ncertname = vm\n");
  EXPECT_EQ(values["lastrunfile"], "/var/cache/puppet/public/last_run_summary.yaml");
  EXPECT_EQ(values["ssldir"], "/var/lib/puppet/ssl");
  EXPECT_EQ(values["certname"], "vm");
}

// What Debian's puppet 7 prints for these settings with its default layout.
const char* kDefaultSsl =
    "certname = vm\nca_server = puppet\n"
    "hostprivkey = /var/lib/puppet/ssl/private_keys/vm.pem\n"
    "hostpubkey = /var/lib/puppet/ssl/public_keys/vm.pem\n"
    "hostcsr = /var/lib/puppet/ssl/certificate_requests/vm.pem\n"
    "hostcert = /var/lib/puppet/ssl/certs/vm.pem\n"
    "passfile = /var/lib/puppet/ssl/private/password\n"
    "localcacert = /var/lib/puppet/ssl/certs/ca.pem\n"
    "hostcrl = /var/lib/puppet/ssl/crl.pem\n"
    "privatekeydir = /var/lib/puppet/ssl/private_keys\n"
    "publickeydir = /var/lib/puppet/ssl/public_keys\n"
    "requestdir = /var/lib/puppet/ssl/certificate_requests\n"
    "certdir = /var/lib/puppet/ssl/certs\n"
    "privatedir = /var/lib/puppet/ssl/private\n"
    "ssldir = /var/lib/puppet/ssl\n";

// The files `puppet ssl clean --localca` removes for another certname, as its source
// (application/ssl.rb) lists them, when the layout is Puppet's default.
TEST(PuppetCommand, SslCleanFilesForAnotherCertnameFollowTheDefaultLayout) {
  auto files = puppet::sslCleanFiles(puppet::parseConfigPrint(kDefaultSsl), "web-1.example");
  ASSERT_TRUE(files.has_value());
  EXPECT_EQ(*files, (std::vector<std::filesystem::path>{
                        "/var/lib/puppet/ssl/private_keys/web-1.example.pem",
                        "/var/lib/puppet/ssl/public_keys/web-1.example.pem",
                        "/var/lib/puppet/ssl/certificate_requests/web-1.example.pem",
                        "/var/lib/puppet/ssl/certs/web-1.example.pem",
                        "/var/lib/puppet/ssl/private/password",
                        "/var/lib/puppet/ssl/certs/ca.pem",
                        "/var/lib/puppet/ssl/crl.pem",
                    }));
}

// For Puppet's own certname the files are the paths it printed, whatever the layout: a
// node root whose path holds the certname (as in the tests and the demo) is no matter.
TEST(PuppetCommand, SslCleanFilesForPuppetsOwnCertnameAreWhatItPrinted) {
  auto settings = puppet::parseConfigPrint(
      "certname = app-1\nhostprivkey = /srv/app-1/ssl/k/app-1.pem\n"
      "hostpubkey = /srv/app-1/ssl/p/app-1.pem\nhostcsr = /srv/app-1/ssl/r/app-1.pem\n"
      "hostcert = /etc/host.pem\npassfile = /srv/app-1/ssl/private/password\n"
      "localcacert = /srv/app-1/ssl/certs/ca.pem\nhostcrl = /srv/app-1/ssl/crl.pem\n");
  auto files = puppet::sslCleanFiles(settings, "app-1");
  ASSERT_TRUE(files.has_value());
  EXPECT_EQ(files->size(), 7u);
  EXPECT_EQ(files->at(3), "/etc/host.pem");
  EXPECT_FALSE(puppet::sslCleanFiles(settings, "app-2"));  // directories name app-1
}

// Whatever Puppet's reported settings cannot tell for another certname is left to it.
TEST(PuppetCommand, SslCleanFilesAreUnknownOffTheDefaultLayout) {
  auto with = [](const std::string& line) {
    auto settings = puppet::parseConfigPrint(kDefaultSsl);
    auto more = puppet::parseConfigPrint(line);
    for (auto& [key, value] : more) settings[key] = value;
    return settings;
  };
  EXPECT_FALSE(puppet::sslCleanFiles(with("hostcert = /etc/certs/host.pem\n"), "web-1"));
  EXPECT_FALSE(
      puppet::sslCleanFiles(with("passfile = /var/lib/puppet/ssl/private/vm.pw\n"), "web-1"));
  EXPECT_FALSE(puppet::sslCleanFiles(with("hostcrl = \n"), "web-1"));  // not reported
  EXPECT_FALSE(puppet::sslCleanFiles(with("hostcrl = /var/lib/puppet/ssl/vm.crl\n"), "web-1"));
  EXPECT_FALSE(puppet::sslCleanFiles(
      with("certdir = /var/lib/puppet/ssl/vm-certs\nhostcert = "
           "/var/lib/puppet/ssl/vm-certs/vm.pem\n"),
      "web-1"));  // a directory naming the certname: $certname, for all one can tell
  EXPECT_FALSE(puppet::sslCleanFiles(puppet::parseConfigPrint(kDefaultSsl), "puppet"));  // the CA's
  EXPECT_FALSE(puppet::sslCleanFiles(puppet::parseConfigPrint("certname = vm\n"), "web-1"));
}

TEST(PuppetCommand, TellingLineSkipsFacterNoise) {
  auto result = ran(1, "Info: Retrieving plugin\n",
                    "Error: Facter: Permission denied @ rb_sysopen - /proc/1/environ\n"
                    "Error: Could not run: The certificate for 'n1' has not yet been signed\n");
  EXPECT_EQ(puppet::tellingLine(result),
            "Error: Could not run: The certificate for 'n1' has not yet been signed");
  EXPECT_EQ(puppet::tellingLine(ran(1, "Notice: something\n", "")), "Notice: something");
}

}  // namespace
}  // namespace drover::agents
