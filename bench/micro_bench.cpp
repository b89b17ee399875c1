// drover-micro-bench: Google Benchmark cases for the per-message work of the hot
// path: envelope encode/decode, filter parse and match, DDL validation of a typical
// request, and one node answering one ping (decode, inspect, execute, encode).
#include <benchmark/benchmark.h>

#include "agents/builtin.hpp"
#include "bench/fleet/sim_facts.hpp"
#include "core/bus/topics.hpp"
#include "core/ddl/loader.hpp"
#include "core/ddl/repository.hpp"
#include "core/ddl/validator.hpp"
#include "core/envelope/envelope.hpp"
#include "core/filter/filter.hpp"
#include "core/util/clock.hpp"
#include "node/node_core.hpp"

namespace {

using drover::Json;
namespace envelope = drover::envelope;

constexpr const char* kCompoundFilter =
    "region=eu-west-1 and (role=web or role=db) and not maintenance=true";

// A typical RPC: a fact-filtered rpcutil get_fact, as the CLI sends it.
envelope::Envelope typicalRequest() {
  envelope::Envelope env;
  env.id = "0123456789abcdef0123456789abcdef";
  env.sender = "admin@workstation.example.org";
  env.collective = "drover";
  env.agent = "rpcutil";
  env.action = "get_fact";
  env.args = Json{{"fact", "region"}};
  env.filter = "shard == 3";
  env.time = drover::util::nowMs();
  env.replyTo = "drover.reply.fedcba9876543210fedcba9876543210";
  return env;
}

envelope::Envelope typicalReply() {
  return envelope::makeReply(typicalRequest(), "sim-0003", {},
                             Json{{"fact", "region"}, {"value", "eu-west-1"}});
}

// Facts of a realistic node: the simulator's plus a few nested built-in ones.
Json nodeFacts() {
  Json facts = drover::bench::simFacts("web-0042", 42);
  facts["os"] = {
      {"family", "Debian"}, {"name", "Debian"}, {"release", "12"}, {"codename", "bookworm"}};
  facts["processorcount"] = 2;
  facts["memorysize_mb"] = 3936;
  facts["interfaces"] = {{"eth0", {{"ipv4", {"10.0.3.42"}}, {"mac", "02:42:ac:11:00:02"}}}};
  return facts;
}

drover::ddl::Repository& ddls() {
  static drover::ddl::Repository repository({DROVER_BENCH_DDL_DIR});
  return repository;
}

// A Puppet-style action with the usual validations: regex, shellsafe, enum, types.
const drover::ddl::Action& runonceAction() {
  static const drover::ddl::Ddl ddl = drover::ddl::parseText(R"({
    "metadata": {"name": "puppet", "description": "d", "author": "a", "license": "l",
                 "version": "1", "url": "u", "timeout": 60},
    "actions": [{"action": "runonce", "description": "d", "display": "always",
      "input": {
        "environment": {"prompt": "e", "description": "d", "type": "string", "optional": true,
                        "validation": "^[a-zA-Z0-9_]+$", "maxlength": 50},
        "tags": {"prompt": "t", "description": "d", "type": "string", "optional": true,
                 "validation": "shellsafe", "maxlength": 200},
        "noop": {"prompt": "n", "description": "d", "type": "boolean", "optional": true},
        "splaylimit": {"prompt": "s", "description": "d", "type": "integer", "optional": true},
        "mode": {"prompt": "m", "description": "d", "type": "list", "optional": true,
                 "list": ["foreground", "background"], "default": "background"}},
      "output": {}}]})",
                                                             "puppet.json");
  return ddl.actions.front();
}

void encodeRequest(benchmark::State& state) {
  auto env = typicalRequest();
  for (auto _ : state) benchmark::DoNotOptimize(envelope::encode(env));
}
BENCHMARK(encodeRequest);

void decodeRequest(benchmark::State& state) {
  std::string bytes = envelope::encode(typicalRequest());
  for (auto _ : state) benchmark::DoNotOptimize(envelope::decode(bytes));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(decodeRequest);

void encodeReply(benchmark::State& state) {
  auto env = typicalReply();
  for (auto _ : state) benchmark::DoNotOptimize(envelope::encode(env));
}
BENCHMARK(encodeReply);

void decodeReply(benchmark::State& state) {
  std::string bytes = envelope::encode(typicalReply());
  for (auto _ : state) benchmark::DoNotOptimize(envelope::decode(bytes));
}
BENCHMARK(decodeReply);

void parseFilter(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(drover::filter::Filter::parse(kCompoundFilter));
}
BENCHMARK(parseFilter);

void matchFilter(benchmark::State& state, const char* expression) {
  auto filter = drover::filter::Filter::parse(expression);
  Json facts = nodeFacts();
  std::vector<std::string> classes{"role::web", "profile::base"};
  std::vector<std::string> agents{"puppet", "rpcutil"};
  std::string identity = "web-0042";
  for (auto _ : state) benchmark::DoNotOptimize(filter.matches({facts, classes, agents, identity}));
}
BENCHMARK_CAPTURE(matchFilter, compound, kCompoundFilter);
BENCHMARK_CAPTURE(matchFilter, shard, "shard=3");
BENCHMARK_CAPTURE(matchFilter, regex_identity, "identity(/^web-\\d+$/) and os.family=Debian");

void validateGetFact(benchmark::State& state) {
  const auto* action = ddls().find("rpcutil")->findAction("get_fact");
  Json args{{"fact", "os.family"}};
  for (auto _ : state) {
    Json copy = args;
    benchmark::DoNotOptimize(drover::ddl::validate(*action, copy));
  }
}
BENCHMARK(validateGetFact);

void validateRunonce(benchmark::State& state) {
  const auto& action = runonceAction();
  Json args{{"environment", "bootstrap"}, {"tags", "ntp,ssh"}, {"noop", false}, {"splaylimit", 30}};
  for (auto _ : state) {
    Json copy = args;
    benchmark::DoNotOptimize(drover::ddl::validate(action, copy));
  }
}
BENCHMARK(validateRunonce);

// What one simulated (or real) node spends on a broadcast ping that matches it.
void nodeAnswersPing(benchmark::State& state) {
  drover::node::NodeIdentity id;
  id.identity = "sim-0042";
  drover::node::NodeCore core(id);
  core.setFacts(drover::bench::simFacts(id.identity, 42));
  for (auto& agent : drover::agents::makeBuiltinAgents(ddls(), core))
    core.addAgent(std::move(agent));
  auto request = typicalRequest();
  request.action = "ping";
  request.args = Json::object();
  request.filter = "index>=0";
  std::string bytes = envelope::encode(request);
  for (auto _ : state) {
    auto decoded = envelope::decode(bytes);
    auto decision =
        core.inspect(decoded, drover::bus::broadcastTopic(decoded.collective, decoded.agent));
    benchmark::DoNotOptimize(envelope::encode(core.execute(decision, decoded)));
  }
}
BENCHMARK(nodeAnswersPing);

}  // namespace

BENCHMARK_MAIN();
