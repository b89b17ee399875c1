#pragma once
// The client side of the broker's control socket (`drover-broker stats`): asks for the
// counters and, when no answer comes, says why from its own socket's handshake events
// (the broker wants CURVE, refused our key, or nothing listens) and what to pass.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "core/bus/curve.hpp"
#include "core/util/json.hpp"

namespace drover::broker {

struct StatsRequest {
  std::string endpoint;                   // the broker's control endpoint
  std::optional<bus::CurveClient> curve;  // needed when the broker serves CURVE
  std::chrono::milliseconds timeout{3000};
};

struct StatsAnswer {
  std::optional<Json> stats;  // the counters, when the broker answered
  std::string error;          // otherwise: what went wrong, naming the endpoint and the fix
};

/// The stats client's CURVE settings from its flags (--curve-server-key, --curve-key-file),
/// each one left empty taken from `clientConfig` (a client.yaml: curve.server_key,
/// curve.key_file) when given; std::nullopt for plain TCP. Throws bus::CurveError or
/// config::Error naming the flag, key or file that is missing or wrong.
std::optional<bus::CurveClient> statsCurveFrom(std::string serverKey, std::string keyFile,
                                               const std::filesystem::path& clientConfig);

/// Sends "stats" and waits for the reply, at most request.timeout. Returns early when
/// the handshake fails for good (wrong mechanism, key refused). Does not throw for a
/// broker that is absent, silent or refusing; throws zmq::error_t for a malformed
/// endpoint.
StatsAnswer fetchStats(zmq::context_t& context, const StatsRequest& request);

}  // namespace drover::broker
