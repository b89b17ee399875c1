// Every action of every built-in agent, run through the node in the sandbox with valid
// inputs, answers with data the DDL describes: each key of the reply's data is a
// declared output of the action (a key the DDL does not declare is one no client can
// render, aggregate or document). Each action has a driver below, with what it needs
// set up first; an action without one fails the suite.
#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "core/security/certificate.hpp"
#include "core/util/base64.hpp"
#include "core/util/blob_store.hpp"
#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"
#include "tests/conformance/actions.hpp"
#include "tests/conformance/samples.hpp"
#include "tests/conformance/sandbox.hpp"

namespace drover::conformance {
namespace {

namespace fs = std::filesystem;
using envelope::Envelope;

struct Driver {
  std::function<Envelope(Sandbox&)> run;
  bool ok = true;  // the reply is expected to be OK (else: a failure that still has data)
};

// The action with its sample inputs (samples.cpp), `drop` left out.
Driver sample(const std::string& agent, const std::string& action,
              std::vector<std::string> drop = {}) {
  return {[=](Sandbox& sandbox) {
    Json args = validInputs(agent, action).value_or(Json::object());
    for (const auto& name : drop) args.erase(name);
    return sandbox.call(agent, action, args);
  }};
}

Driver call(const std::string& agent, const std::string& action, Json args) {
  return {[=](Sandbox& sandbox) { return sandbox.call(agent, action, args); }};
}

// The CA (data/puppetserver) holding a request for the node.
Driver withPendingRequest(const std::string& action, Json args) {
  return {[=](Sandbox& sandbox) {
    fs::path pending = sandbox.caConfig().parent_path() / "fake-ca" / kIdentity;
    fs::create_directories(pending.parent_path());
    util::writeFileAtomically(pending, "requested\n");
    return sandbox.call("puppetca", action, args);
  }};
}

// enrol, the CA signs the CSR, then install_certificate with that certificate.
Envelope installCertificate(Sandbox& sandbox) {
  Envelope enrolled = sandbox.call("provision", "enrol", Json::object());
  std::string csr = enrolled.data.value("csr", "");
  if (csr.empty()) return enrolled;
  std::string pem = sandbox.collective().ca().sign(csr, security::Role::Node);
  return sandbox.call("provision", "install_certificate", {{"certificate", pem}});
}

// A bundle whose bootstrap.sh prints a line, sent with put_chunk, then run_stage.
Envelope runStage(Sandbox& sandbox) {
  fs::path source = sandbox.root() / "bundle-source";
  fs::create_directories(source);
  util::writeFileAtomically(source / "bootstrap.sh", "#!/bin/sh\necho staged\n", 0755);
  auto made = util::runProcess(
      {"tar", "-c", "-f", (source / "b.tar").string(), "-C", source.string(), "bootstrap.sh"}, "",
      std::chrono::seconds(30));
  if (made.exitCode != 0) throw std::runtime_error("tar: " + made.err);
  std::string bundle = util::readFile(source / "b.tar");
  std::string digest = util::sha256Digest(bundle);
  sandbox.call("cluster", "put_chunk",
               {{"digest", digest},
                {"size", bundle.size()},
                {"offset", 0},
                {"data", util::encodeBase64(bundle)}});
  Json args = validInputs("cluster", "run_stage").value_or(Json::object());
  args["digest"] = digest;
  return sandbox.call("cluster", "run_stage", args);
}

const std::map<std::string, Driver>& drivers() {
  static const std::map<std::string, Driver> kDrivers{
      {"rpcutil#ping", sample("rpcutil", "ping")},
      {"rpcutil#inventory", sample("rpcutil", "inventory")},
      {"rpcutil#get_fact", sample("rpcutil", "get_fact")},
      {"rpcutil#get_facts", sample("rpcutil", "get_facts")},
      {"rpcutil#agent_inventory", sample("rpcutil", "agent_inventory")},
      {"rpcutil#collective_info", sample("rpcutil", "collective_info")},
      {"rpcutil#daemon_stats", sample("rpcutil", "daemon_stats")},
      // An agent run, as a local apply (data/puppet): no master runs here.
      {"puppet#runonce", sample("puppet", "runonce", {"splay", "splaylimit"})},
      {"puppet#status", sample("puppet", "status")},
      {"puppet#last_run_summary", sample("puppet", "last_run_summary")},
      {"puppet#disable", sample("puppet", "disable")},
      {"puppet#enable", sample("puppet", "enable")},
      {"provision#set_puppet_server", sample("provision", "set_puppet_server")},
      // The real `puppet ssl submit_request` to a port where no master listens: an
      // "unreachable" failure, whose data still describes the node's key and request.
      {"provision#request_certificate",
       {call("provision", "request_certificate",
             {{"server", "127.0.0.1"}, {"port", ::drover::testing::freePort()}})
            .run,
        false}},
      {"provision#certificate_status", sample("provision", "certificate_status")},
      {"provision#run_puppet", sample("provision", "run_puppet")},
      {"provision#status", sample("provision", "status")},
      {"provision#claim", sample("provision", "claim")},
      {"provision#release", sample("provision", "release")},
      {"provision#enrol", sample("provision", "enrol")},
      {"provision#install_certificate", {installCertificate}},
      {"provision#set_node_data", sample("provision", "set_node_data")},
      {"provision#apply", sample("provision", "apply")},
      {"naming#set_name", sample("naming", "set_name")},
      {"naming#update_hosts", sample("naming", "update_hosts")},
      {"naming#status", sample("naming", "status")},
      {"cluster#ssh_keys", sample("cluster", "ssh_keys")},
      {"cluster#set_trust", sample("cluster", "set_trust")},
      {"cluster#set_facts", sample("cluster", "set_facts")},
      {"cluster#put_chunk", sample("cluster", "put_chunk")},
      {"cluster#run_stage", {runStage}},
      {"cluster#stages", sample("cluster", "stages")},
      {"cluster#write_file", sample("cluster", "write_file")},
      {"puppetca#list", withPendingRequest("list", Json::object())},
      {"puppetca#sign", withPendingRequest("sign", {{"certname", kIdentity}})},
      {"puppetca#clean", withPendingRequest("clean", {{"certname", kIdentity}})},
      {"puppetca#status", withPendingRequest("status", {{"certname", kIdentity}})},
  };
  return kDrivers;
}

class Outputs : public ::testing::TestWithParam<AgentAction> {};

TEST_P(Outputs, EveryKeyOfTheReplyIsADeclaredOutput) {
  const auto& [agent, action] = GetParam();
  auto driver = drivers().find(agent + "#" + action);
  ASSERT_NE(driver, drivers().end())
      << "no driver for " << agent << "#" << action << " in tests/conformance/outputs_test.cpp";
  Sandbox sandbox;
  Envelope reply = driver->second.run(sandbox);
  if (driver->second.ok) {
    EXPECT_TRUE(reply.status.ok()) << reply.status.message;
  } else {
    EXPECT_FALSE(reply.status.ok()) << "expected the failure this driver sets up";
  }
  ASSERT_TRUE(reply.data.is_object()) << reply.data.dump();
  EXPECT_FALSE(reply.data.empty()) << "no data: " << reply.status.message;
  const ddl::Action* declared = sandbox.ddls().find(agent)->findAction(action);
  for (const auto& [key, value] : reply.data.items()) {
    EXPECT_NE(declared->findOutput(key), nullptr)
        << agent << "#" << action << " returns '" << key << "', which ddl/" << agent
        << ".json does not declare as an output";
  }
}

INSTANTIATE_TEST_SUITE_P(Builtin, Outputs, ::testing::ValuesIn(builtinActions()), nameOf);

}  // namespace
}  // namespace drover::conformance
