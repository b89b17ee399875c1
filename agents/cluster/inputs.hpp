#pragma once
// Reading a cluster request's arguments. The DDL has checked types and lengths on
// the node already; these check again (the agent may be called without the DDL's
// checks, by tests and tools) and add the rules the DDL cannot say. Each throws
// ActionError(InvalidData) with a message that starts with the input's name.
#include <cstdint>
#include <string>

#include "agents/agent.hpp"

namespace drover::agents::cluster {

[[noreturn]] void badInput(const std::string& message);

/// args[key] as a string of at most `maxBytes` bytes, without NUL bytes.
std::string stringInput(const Json& args, const std::string& key, std::size_t maxBytes);

/// `value` as a string of at most `maxBytes` bytes, without NUL bytes; `where` names it.
std::string stringItem(const Json& value, const std::string& where, std::size_t maxBytes);

/// args[key] as an integer in [min, max].
std::int64_t integerInput(const Json& args, const std::string& key, std::int64_t min,
                          std::int64_t max);

/// args[key] as an array of at most `maxItems` items.
const Json& arrayInput(const Json& args, const std::string& key, std::size_t maxItems);

/// args[key] as an object whose JSON text is at most `maxBytes` long.
const Json& objectInput(const Json& args, const std::string& key, std::size_t maxBytes);

/// A deployment name: a service name (core/naming rules, up to 40 characters).
std::string deploymentInput(const Json& args);

/// `value` quoted for a message, cut at 80 characters.
std::string shown(const std::string& value);

}  // namespace drover::agents::cluster
