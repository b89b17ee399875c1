#pragma once
// Helpers of the DDL loader tests: a document's load error as text, and a small document
// whose last action takes extra members.
#include <string>

#include "core/ddl/loader.hpp"

namespace drover::ddl::testing {

/// The LoadError `text` raises, or "(loaded)".
inline std::string loadError(const std::string& text, const std::string& source = "t.json") {
  try {
    parseText(text, source);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "(loaded)";
}

/// A document with three actions, the last one with an output `version` and `members`.
inline std::string withAction(const std::string& members) {
  return R"({"metadata": {"name": "puppet"}, "actions": [
      {"action": "one"}, {"action": "two"},
      {"action": "three", "output": {"version": {"display_as": "Version"}})" +
         (members.empty() ? "" : ", " + members) + "}]}";
}

}  // namespace drover::ddl::testing
