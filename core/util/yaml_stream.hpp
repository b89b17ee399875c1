#pragma once
// Reading a YAML stream for readers that take exactly one document (config and policy
// files), without YAML::LoadAll().
//
// In yaml-cpp 0.7 (Debian 12) LoadAll() never returns on some malformed streams, such as
// "," or ",a: 1": the parser hands out the same empty document again and again without
// consuming the ',', and LoadAll() collects them until memory runs out (fixed upstream
// after 0.8). loadYamlStream() reports a document that starts where the previous one did
// as a syntax error instead.
#include <cstddef>
#include <string>

#include <yaml-cpp/yaml.h>

namespace drover::util {

struct YamlStream {
  std::size_t documents = 0;  // how many documents the text holds
  YAML::Node first;           // the first document; a null node when there is none
  YAML::Mark second;          // where the second document's root is, when there is one
};

/// Parses `text`. Throws YAML::Exception (with the position) for a syntax error,
/// including the stream yaml-cpp cannot get past described above.
YamlStream loadYamlStream(const std::string& text);

/// What a node is, for "expected ..., got X" messages: "a map", "a list", "nothing", or
/// the scalar quoted ('abc').
std::string describeYamlNode(const YAML::Node& node);

}  // namespace drover::util
