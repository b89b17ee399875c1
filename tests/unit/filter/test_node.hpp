#pragma once
// A node to evaluate filters against, owning what NodeView refers to.
#include <string>
#include <string_view>
#include <vector>

#include "core/filter/filter.hpp"
#include "core/util/json.hpp"

namespace drover::filter::test {

struct TestNode {
  Json facts = Json::object();
  std::vector<std::string> classes;
  std::vector<std::string> agents;
  std::string identity = "web1.example.com";
  std::vector<std::string> names;  // assigned name and held aliases

  NodeView view() const { return {facts, classes, agents, identity, names}; }
};

/// Parses `expression` and evaluates it on `node`.
inline bool matches(std::string_view expression, const TestNode& node) {
  return Filter::parse(expression).matches(node.view());
}

// The FilterError message that `call` throws, or "" when it does not throw.
template <typename Call>
std::string errorOf(Call call) {
  try {
    call();
  } catch (const FilterError& error) {
    return error.what();
  }
  return "";
}

}  // namespace drover::filter::test
