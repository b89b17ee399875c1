#pragma once
// The one dynamic value type of Drover: arguments, reply data, facts and DDL documents.
// JSON maps one-to-one onto msgpack on the wire and onto YAML scalars in facts files.
#include <nlohmann/json.hpp>

namespace drover {
using Json = nlohmann::json;
}  // namespace drover
