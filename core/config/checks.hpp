#pragma once
// Rules shared by the option tables, and the "did you mean" helper for unknown keys.
#include <string>
#include <vector>

#include "core/config/option_table.hpp"

namespace drover::config::checks {

/// A ZeroMQ endpoint to connect to: tcp://HOST:PORT, ipc://PATH or inproc://NAME.
Check endpoint();

/// An endpoint the broker binds for other processes: tcp://HOST:PORT (PORT may be *)
/// or ipc://PATH. inproc would be reachable from nowhere else.
Check bindEndpoint();

/// A bind endpoint, or empty for "none".
Check optionalBindEndpoint();

/// A log level name: trace, debug, info, warn, error, critical or off.
Check logLevel();

/// A collective name: letters, digits, '_' and '-' (it becomes the first topic segment,
/// so dots and wildcards would make it ambiguous).
Check collectiveName();

/// A non-empty name without spaces or control characters that can be part of a topic
/// (node and client identities): see bus::validTopicPart.
Check identity();

/// Empty, or a 40-character Z85 CURVE public key.
Check optionalCurveKey();

}  // namespace drover::config::checks

namespace drover::config {

/// The candidate closest to `word` by edit distance when close enough to be a likely
/// typo of it (at most a third of the word's letters, at least one), else "".
std::string closestMatch(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace drover::config
