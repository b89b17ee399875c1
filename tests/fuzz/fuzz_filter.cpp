// Fuzz target for the filter language: Filter::parse (every node parses the filter of
// every request it receives), Filter::matches and combine (the CLI's -F -C -A -I -S).
//
// Input: the whole text is one expression for Filter::parse. Read as lines, a line that
// starts with F, C, A, I or S gives the rest of the line to that flag of combine().
// Properties: rejection is a FilterError; canonical text parses back to itself and to a
// filter that matches the same nodes; combine's result is canonical text that parses,
// that combine accepts again as one -S, and that a fact-name check only ever refuses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/filter/filter.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace drover;

struct SampleNode {
  Json facts;
  std::vector<std::string> classes;
  std::vector<std::string> agents;
  std::string identity;
};

// Nodes covering every fact type the language distinguishes.
const std::vector<SampleNode>& sampleNodes() {
  static const std::vector<SampleNode> nodes{
      {Json::parse(R"({
         "region": "eu-west-1", "role": "web", "cpus": 4, "ratio": 2.0, "load": 0.25,
         "virtual": true, "maintenance": false, "kernel": "5.10", "port": "80",
         "ports": [22, 80, "443", null, {"a": 1}, [1]], "none": null, "empty": "",
         "os": {"family": "Debian", "release": {"major": 12}}, "os.family": "debian",
         "negative": -3, "huge": 18446744073709551615, "tiny": -9223372036854775808,
         "hostname": "web12"})"),
       {"role::web", "base", "Role::Web"},
       {"rpcutil", "puppet"},
       "web12.example.com"},
      {Json::object(), {}, {}, ""},
      {Json::parse(R"({"cpus": "4", "ratio": 1e300, "os": "linux", "virtual": "TRUE",
                       "ports": [], "region": ["eu-west-1", "us-east-1"]})"),
       {"and", "/x/"},
       {"puppetca"},
       "db-01"},
  };
  return nodes;
}

std::vector<bool> matchAll(const filter::Filter& f) {
  std::vector<bool> results;
  for (const auto& node : sampleNodes()) {
    results.push_back(f.matches({node.facts, node.classes, node.agents, node.identity}));
  }
  return results;
}

void checkCanonical(const filter::Filter& parsed, const std::string& what) {
  filter::Filter again;
  try {
    again = filter::Filter::parse(parsed.text());
  } catch (const filter::FilterError& e) {
    fuzz::violated(what + " parses again", parsed.text() + "\n" + e.what());
  }
  if (again.text() != parsed.text()) {
    fuzz::violated(what + " is a fixed point", parsed.text() + "\n" + again.text());
  }
  if (matchAll(again) != matchAll(parsed)) {
    fuzz::violated(what + " matches the same nodes", parsed.text());
  }
}

void fuzzParse(std::string_view text) {
  filter::Filter parsed;
  try {
    parsed = filter::Filter::parse(text);
  } catch (const filter::FilterError& e) {
    if (e.position() > text.size()) fuzz::violated("error position lies within the text", e.what());
    return;
  }
  if (parsed.empty() != parsed.text().empty()) fuzz::violated("empty filter has empty text");
  matchAll(parsed);
  checkCanonical(parsed, "canonical text");
}

// Reserves one fact name, as drover rpc reserves its action's inputs.
std::string reserveNoop(const filter::FactUse& use) { return use.name == "noop" ? "reserved" : ""; }

// The client must accept the text it sends, and a check may refuse but never rewrite.
void checkClientAccepts(const std::string& combined, const std::vector<std::string>* flags) {
  std::string again;
  try {
    again = filter::combine({}, {}, {}, {}, {combined});
  } catch (const filter::FilterError& e) {
    fuzz::violated("combine accepts its own text as -S", combined + "\n" + e.what());
  }
  if (again != combined) fuzz::violated("combine keeps its own text", combined + "\n" + again);
  try {
    const auto checked =
        filter::combine(flags[0], flags[1], flags[2], flags[3], flags[4], reserveNoop);
    if (checked != combined)
      fuzz::violated("a fact check never rewrites", combined + "\n" + checked);
  } catch (const filter::FilterError&) {
  }
}

void fuzzCombine(std::string_view text) {
  std::vector<std::string> flags[5];  // F C A I S
  static constexpr std::string_view kLetters = "FCAIS";
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty()) {
      if (auto slot = kLetters.find(line.front()); slot != std::string_view::npos) {
        flags[slot].emplace_back(line.substr(1));
      }
    }
    start = end + 1;
  }
  std::string combined;
  try {
    combined = filter::combine(flags[0], flags[1], flags[2], flags[3], flags[4]);
  } catch (const filter::FilterError&) {
    return;
  }
  if (combined.empty()) return;
  filter::Filter parsed;
  try {
    parsed = filter::Filter::parse(combined);
  } catch (const filter::FilterError& e) {
    fuzz::violated("combined text parses", combined + "\n" + e.what());
  }
  if (parsed.text() != combined) fuzz::violated("combined text is canonical", combined);
  checkClientAccepts(combined, flags);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::asText(data, size);
  fuzzParse(text);
  fuzzCombine(text);
  return 0;
}
