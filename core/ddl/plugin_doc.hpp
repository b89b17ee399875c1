#pragma once
// `drover plugin doc AGENT`: an agent's documentation from its DDL, laid out like
// MCollective's `mco plugin doc`.
#include <string>

#include "core/ddl/ddl.hpp"

namespace drover::ddl {

/// The text: agent name and description, a metadata block (author, version, license,
/// timeout, home page, provider, service), the list of actions, then per action its
/// description and display policy, its inputs (description, prompt, type, optional,
/// default, validation, max length, allowed values), its outputs (description,
/// display_as, type, default) and its aggregates; last, when loading warned, a WARNINGS
/// section with Ddl::warnings. Never throws but std::bad_alloc.
std::string pluginDoc(const Ddl& ddl);

}  // namespace drover::ddl
