// Fuzz target for the provisioning flow parser, provisioner::parseFlow
// (etc/flows/classic.yaml). A rejected file must be a FlowError naming the file first;
// a flow that loads has at least one step, unique step names, and templates that render
// or fail with templating::Error against a sample node and master.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "core/templating/template.hpp"
#include "provisioner/flow.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace drover;
using namespace drover::provisioner;

constexpr const char* kFile = "flow.yaml";

const Json& sampleContext() {
  static const Json context = Json::parse(R"({
    "node": {"identity": "web1", "facts": {"region": "eu-west-1", "cpus": 4, "os": {"family": "Debian"}}},
    "master": {"identity": "pm1", "facts": {"fqdn": "pm1.example.com", "ipaddress": "10.0.0.1"}},
    "provisioner": {"identity": "p.provisioner"}})");
  return context;
}

void renderSample(const Json& args) {
  try {
    templating::renderValue(args, sampleContext());
  } catch (const templating::Error&) {
    // An unset fact is a step failure at run time, not a crash.
  }
}

void checkFlow(const Flow& flow) {
  if (flow.steps.empty()) fuzz::violated("a loaded flow has a step");
  std::set<std::string> names;
  for (const auto& step : flow.steps) {
    if (!names.insert(step.name).second) fuzz::violated("step names are unique", step.name);
    if (step.kind != StepKind::Action) continue;
    renderSample(step.call.args);
    if (step.verify) renderSample(step.verify->call.args);
    for (int attempt = 0; attempt < 40; attempt += 7) {
      if (step.backoff.delay(attempt) > step.backoff.max) fuzz::violated("backoff stays under max");
    }
    for (const auto& rule : step.outcomes) judge({rule}, "ok", rule.when);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Flow flow;
  try {
    flow = parseFlow(std::string(fuzz::asText(data, size)), kFile);
  } catch (const FlowError& e) {
    if (std::string(e.what()).rfind(std::string(kFile) + ":", 0) != 0) {
      fuzz::violated("a flow error names the file first", e.what());
    }
    return 0;
  }
  checkFlow(flow);
  return 0;
}
