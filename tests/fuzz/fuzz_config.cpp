// Fuzz target for the config loader, config::loadText, with the tables of server.yaml,
// client.yaml and broker.yaml: every input is read as each of the three files.
// A rejected file must be a config::Error. A config that loads, written out again as
// its example YAML (which lists each option at its current value), must load again to
// the same values: that is how `--print-config`-style output and the shipped examples
// stay loadable.
#include <cstddef>
#include <cstdint>
#include <string>

#include "broker/broker_config.hpp"
#include "core/config/example.hpp"
#include "core/config/loader.hpp"
#include "core/config/values.hpp"
#include "core/rpc/client_config.hpp"
#include "node/node_config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace drover;

template <typename Config>
void checkRewrite(const config::Table<Config>& table, Config& loaded) {
  const auto fields = table.bind(loaded);
  const std::string yaml = config::exampleYaml(fields, "");
  Config reloaded;
  try {
    reloaded = config::loadText(table, yaml, "rewritten.yaml");
  } catch (const config::Error& e) {
    fuzz::violated("a loaded config written out loads again", yaml + "\n" + e.what());
  }
  const auto again = table.bind(reloaded);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    // Host-dependent defaults are written commented out, so they are not carried over.
    if (!fields[i].spec->shownDefault.empty()) continue;
    const auto before = config::formatValue(fields[i].field);
    const auto after = config::formatValue(again[i].field);
    if (before != after) {
      fuzz::violated("option '" + fields[i].spec->key + "' keeps its value when written out",
                     before + " != " + after + "\n" + yaml);
    }
  }
}

template <typename Config>
void fuzzOne(const config::Table<Config>& table, const std::string& text) {
  Config loaded;
  try {
    loaded = config::loadText(table, text, "fuzz.yaml");
  } catch (const config::Error&) {
    return;
  }
  checkRewrite(table, loaded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::asText(data, size));
  fuzzOne(node::NodeConfig::table(), text);
  fuzzOne(rpc::ClientConfig::table(), text);
  fuzzOne(broker::BrokerConfig::table(), text);
  return 0;
}
