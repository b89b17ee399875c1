#pragma once
// Rules for the names a DDL gives (agents, actions, inputs, outputs), and how a name
// from a file is quoted in messages.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace drover::ddl {

/// The longest input or output name accepted, in bytes.
constexpr std::size_t kMaxKeyName = 128;

/// The schema's "shortname" (a-z, 0-9, _, not empty) for agent and action names, which
/// go into bus topics and argv. Never throws.
bool isShortName(std::string_view name);

/// Why `name` cannot be an input or output name, or nullopt when it can. Such names are
/// keys of request arguments and reply data, `key=value` words on the command line and
/// labels printed to terminals. Choria reads any JSON key as a name (its own
/// choria_provision DDL has inputs C, L, O, OU and ST, outside its schema's
/// ^[a-z0-9_]*$), so any printable ASCII up to kMaxKeyName bytes is accepted; what could
/// not be typed or printed unambiguously (whitespace, control characters, non-ASCII,
/// '=') is refused. Never throws but std::bad_alloc.
std::optional<std::string> keyNameProblem(std::string_view name);

/// A name as it may appear in a message: bytes outside printable ASCII as \xNN, and cut
/// after 64 bytes with "...". Never throws but std::bad_alloc.
std::string shownName(std::string_view name);

}  // namespace drover::ddl
