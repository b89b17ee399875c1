#pragma once
// Reading agent DDLs in the JSON shape of Choria's schema
// (https://choria.io/schemas/mcorpc/ddl/v1/agent.json), so existing Choria DDLs load
// unchanged. Keys outside the schema load with a warning each (Ddl::warnings), so later
// schema versions still load and nothing the file says is dropped silently; a known key
// with the wrong JSON type, a missing required key (metadata.name, actions[].action, an
// input's type), a regex RE2 cannot compile, a bad display policy, an aggregate over an
// undeclared output, or a default of the wrong type is a LoadError of the form
// "SOURCE: JSON.PATH: what is wrong", e.g.
//   ddl/puppet.json: actions[2].input.environment.validation: invalid regex '^([a-z]+$': ...
// `null` stands for an absent key, as the Choria generator writes "default": null.
// Agent and action names are the schema's short names (a-z, 0-9, _: they go into bus
// topics). Input and output names take what Choria takes, any printable ASCII ("OU" in
// choria_provision), up to 128 bytes, without whitespace, control characters or '='.
// A default that breaks its input's validation, maxlength or list loads with a warning
// in Ddl::warnings: Choria never checks defaults, and its own DDLs rely on that.
// A named validator or an input type this Drover does not know (plugins bring their own
// validators) loads with a warning too, as Choria loads it; validate() then refuses every
// value sent for that input, so the check is never skipped silently. An unknown output
// type (a hint for people) only warns.
#include <filesystem>
#include <string>
#include <string_view>

#include "core/ddl/ddl.hpp"
#include "core/util/json.hpp"

namespace drover::ddl {

/// Builds a Ddl from a parsed document; `source` names it in errors and in Ddl::source.
/// drover::Json sorts object keys, so inputs and outputs come out in name order: use
/// parseText() or loadFile() to keep the order of the file. Throws LoadError.
Ddl parse(const Json& doc, const std::string& source);

/// Parses JSON text, keeping the order of inputs and outputs as written. A syntax error
/// is a LoadError naming `source` and the byte offset (counted from 1, then line and
/// column). Throws LoadError.
Ddl parseText(std::string_view text, const std::string& source);

/// Reads and parses a DDL file; errors name the path as given. Throws LoadError, also
/// when the file cannot be read.
Ddl loadFile(const std::filesystem::path& path);

}  // namespace drover::ddl
