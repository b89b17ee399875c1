#pragma once
// A valid value for every input the built-in agents' DDLs declare, one request per
// action. A DDL that gains an input, or an agent that gains an action, fails the suite
// (inputs_test.cpp) until its sample is written here.
#include <optional>
#include <string>

#include "core/util/json.hpp"

namespace drover::conformance {

/// Every declared input of agent#action at a valid value, or std::nullopt when this
/// file has no sample for the action.
std::optional<Json> validInputs(const std::string& agent, const std::string& action);

}  // namespace drover::conformance
