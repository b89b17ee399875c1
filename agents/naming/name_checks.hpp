#pragma once
// The naming rules the node checks its input with (NAMING_SPEC "Words"): a service is a
// DNS label of 1..40 characters of [a-z0-9-], starting with a letter, not ending with
// '-', without "--"; a host name is labels of 1..63 such characters (no leading or
// trailing '-') joined by dots, 253 at most. Upper case is refused, never lowered.
//
// These are the rules of core/naming/names.hpp (checkService, checkHostName), kept here
// until that header's implementation is part of the tree; the agent then calls those.
#include <string>
#include <string_view>

namespace drover::agents::naming {

/// Why `service` is not a valid service, or "" when it is.
std::string serviceProblem(std::string_view service);

/// Why `name` is not a valid host name, or "" when it is.
std::string hostNameProblem(std::string_view name);

/// True when `name` is one of `service`'s name forms (<service>-master,
/// <service>-slave-N, <service>-N): an alias may not take one.
bool isNameOfService(std::string_view service, std::string_view name);

}  // namespace drover::agents::naming
