// Fuzz target for ddl::importRubyDdl (`drover ddl import`): MCollective's Ruby DDLs come
// from third-party plugin collections. Any text must convert or be an ImportError naming
// the file and a line; a conversion must load with Drover's own loader (importRubyDdl
// checks that) and carry the agent named after the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/ddl/ruby_import.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace drover;
  ddl::ImportedDdl imported;
  try {
    imported = ddl::importRubyDdl(fuzz::asText(data, size), "agent/fuzz.ddl");
  } catch (const ddl::ImportError& e) {
    if (std::string(e.what()).rfind("agent/fuzz.ddl:", 0) != 0) {
      fuzz::violated("an import error names the file", e.what());
    }
    return 0;
  }
  if (imported.agent != "fuzz" || imported.ddl.metadata.name != "fuzz") {
    fuzz::violated("the agent is named after the file", imported.json);
  }
  if (imported.ddl.actions.empty()) fuzz::violated("an agent DDL has actions", imported.json);
  return 0;
}
